// The four patch types kube-apiserver accepts: RFC 6902 JSON patch (fast-json-patch), RFC 7386
// merge patch, strategic merge patch for built-in kinds (list merge keys and $-directives, as
// kubectl sends them) and server-side apply (applied as a merge of the intent, no field ownership).
import jsonpatch from "fast-json-patch";
import { badRequest, fail } from "./status.js";
import { clone, isObj, type Obj, own, setOwn } from "./util.js";

export type PatchKind = "json" | "merge" | "strategic" | "apply";

const contentTypes: Record<string, PatchKind> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

export function patchKindOf(contentType: string | undefined): PatchKind | undefined {
  const base = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return contentTypes[base];
}

export const patchContentTypes = Object.keys(contentTypes).filter((c) => !c.endsWith("cbor"));

export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json patch must be a JSON array of operations");
  try {
    const result = jsonpatch.applyPatch(clone(doc), ops as jsonpatch.Operation[], true, true, true);
    return result.newDocument;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    // kube-apiserver says no more than this for a failed test operation (seen on v1.37.2).
    if (e.name === "TEST_OPERATION_FAILED")
      throw fail(422, "Invalid", "the server rejected our request due to an error in our request", {});
    throw fail(
      422,
      "Invalid",
      `the server rejected our request due to an error in our request: ${firstLine(e.message)}`,
    );
  }
}

const firstLine = (s: string | undefined): string => (s ?? "invalid patch").split("\n")[0] ?? "invalid patch";

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else setOwn(result, k, applyMergePatch(own(result, k), v));
  }
  return result;
}

type ListStrategy = { mergeKey?: string; primitiveMerge?: boolean };

/** Patch metadata of the built-in kinds' lists (the `patchMergeKey`/`patchStrategy` tags). */
function listStrategy(path: string[]): ListStrategy {
  const field = path[path.length - 1] ?? "";
  const parent = path[path.length - 2] ?? "";
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "imagePullSecrets":
    case "volumes":
    case "resourceClaims":
    case "schedulingGates":
    case "env":
      return { mergeKey: "name" };
    case "ports":
      return /containers$|Containers$/i.test(parent) ? { mergeKey: "containerPort" } : { mergeKey: "port" };
    case "volumeMounts":
      return { mergeKey: "mountPath" };
    case "volumeDevices":
      return { mergeKey: "devicePath" };
    case "hostAliases":
      return { mergeKey: "ip" };
    case "topologySpreadConstraints":
      return { mergeKey: "topologyKey" };
    case "conditions":
    case "addresses":
      return { mergeKey: "type" };
    case "ownerReferences":
      return { mergeKey: "uid" };
    case "finalizers":
      return { primitiveMerge: true };
    default:
      return {};
  }
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v))
    return v.filter((x) => !(isObj(x) && Object.keys(x).length === 1 && "$patch" in x)).map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    if (x === null) continue;
    setOwn(out, k, stripDirectives(x));
  }
  return out;
}

export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw badRequest("strategic merge patch must be a JSON object");
  return mergeMap(isObj(original) ? original : {}, patch, []);
}

function mergeMap(orig: Obj, patch: Obj, path: string[]): Obj | undefined {
  const directive = patch.$patch;
  if (directive === "replace") return stripDirectives(patch) as Obj;
  if (directive === "delete") return undefined;
  if (directive !== undefined && directive !== "merge")
    throw badRequest(`unknown patch directive ${JSON.stringify(directive)}`);
  const result: Obj = clone(orig);
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  const orders: [string, unknown[]][] = [];
  const deletes: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue;
    if (key.startsWith("$setElementOrder/")) {
      if (Array.isArray(value)) orders.push([key.slice("$setElementOrder/".length), value]);
      continue;
    }
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      if (Array.isArray(value)) deletes.push([key.slice("$deleteFromPrimitiveList/".length), value]);
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const sub = [...path, key];
    const cur = own(result, key);
    if (isObj(value)) {
      const merged = mergeMap(isObj(cur) ? cur : {}, value, sub);
      if (merged === undefined) delete result[key];
      else setOwn(result, key, merged);
    } else if (Array.isArray(value)) {
      setOwn(result, key, mergeList(Array.isArray(cur) ? cur : [], value, sub));
    } else setOwn(result, key, value);
  }
  for (const [field, values] of deletes) {
    const cur = result[field];
    if (Array.isArray(cur)) result[field] = cur.filter((x) => !values.includes(x));
  }
  for (const [field, order] of orders) {
    const cur = result[field];
    if (!Array.isArray(cur)) continue;
    const { mergeKey } = listStrategy([...path, field]);
    const keyOf = (x: unknown): unknown => (mergeKey && isObj(x) ? x[mergeKey] : x);
    const wanted = order.map(keyOf);
    const ordered = wanted.flatMap((k) => cur.filter((x) => keyOf(x) === k));
    const rest = cur.filter((x) => !wanted.includes(keyOf(x)));
    result[field] = [...ordered, ...rest];
  }
  return result;
}

function mergeList(orig: unknown[], patch: unknown[], path: string[]): unknown[] {
  if (patch.some((x) => isObj(x) && x.$patch === "replace" && Object.keys(x).length === 1))
    return stripDirectives(patch) as unknown[];
  const { mergeKey, primitiveMerge } = listStrategy(path);
  if (primitiveMerge) {
    const out = [...orig];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (!mergeKey) return stripDirectives(patch) as unknown[];
  const out: unknown[] = clone(orig);
  for (const item of patch) {
    if (!isObj(item)) {
      out.push(item);
      continue;
    }
    const key = item[mergeKey];
    const idx = out.findIndex((x) => isObj(x) && x[mergeKey] === key);
    if (item.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as Obj, item, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else out.push(stripDirectives(item));
  }
  return out;
}
