// Structural checks of Grove objects against their CRD schemas, without an API server: what
// kube-apiserver's strict field validation and OpenAPI validation report, as field errors with
// Kubernetes paths (`spec.template.cliques[1].spec.replicas`). CEL rules and webhook rules are not
// evaluated here (see validation/).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import {
  GROVE_API_VERSION,
  type GroveKind,
  KIND_CLUSTER_TOPOLOGY_BINDING,
  KIND_POD_CLIQUE,
  KIND_POD_CLIQUE_SCALING_GROUP,
  KIND_POD_CLIQUE_SET,
  KIND_POD_GANG,
  SCHEDULER_API_VERSION,
} from "./constants.js";
import { GROVE_KINDS, toOpenAPIV3Schema } from "./crds.js";
import {
  type FieldError,
  fieldDuplicate,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
} from "./field-errors.js";
import { k8sDefinitions } from "./schema/k8s-definitions.generated.js";
import type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "./types.js";

const API_VERSION_OF: Record<GroveKind, string> = {
  [KIND_POD_CLIQUE_SET]: GROVE_API_VERSION,
  [KIND_POD_CLIQUE]: GROVE_API_VERSION,
  [KIND_POD_CLIQUE_SCALING_GROUP]: GROVE_API_VERSION,
  [KIND_CLUSTER_TOPOLOGY_BINDING]: GROVE_API_VERSION,
  [KIND_POD_GANG]: SCHEDULER_API_VERSION,
};

/** Thrown when an object is not one of the five Grove kinds. Stable code: `NotGroveObject`. */
export class NotGroveObjectError extends Error {
  readonly code = "NotGroveObject";
  constructor(
    readonly apiVersion: unknown,
    readonly kind: unknown,
  ) {
    super(
      typeof apiVersion === "string" && typeof kind === "string"
        ? `no matches for kind "${kind}" in version "${apiVersion}": not a Grove object (grove.io/v1alpha1 PodCliqueSet, PodClique, PodCliqueScalingGroup, ClusterTopologyBinding; scheduler.grove.io/v1alpha1 PodGang)`
        : "not a Grove object: apiVersion and kind must be strings",
    );
    this.name = "NotGroveObjectError";
  }
}

/** The Grove kind of `obj` by its apiVersion and kind, or undefined for anything else. */
export function kindOf(obj: unknown): GroveKind | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  if (typeof kind !== "string" || !(kind in API_VERSION_OF)) return undefined;
  return API_VERSION_OF[kind as GroveKind] === apiVersion ? (kind as GroveKind) : undefined;
}

/** Like kindOf, but throws NotGroveObjectError for non-Grove objects. */
export function groveKindOf(obj: unknown): GroveKind {
  const kind = kindOf(obj);
  if (kind) return kind;
  const o = (typeof obj === "object" && obj !== null ? obj : {}) as { apiVersion?: unknown; kind?: unknown };
  throw new NotGroveObjectError(o.apiVersion, o.kind);
}

export const isGroveObject = (obj: unknown): boolean => kindOf(obj) !== undefined;
export const isPodCliqueSet = (obj: unknown): obj is PodCliqueSet => kindOf(obj) === KIND_POD_CLIQUE_SET;
export const isPodClique = (obj: unknown): obj is PodClique => kindOf(obj) === KIND_POD_CLIQUE;
export const isPodCliqueScalingGroup = (obj: unknown): obj is PodCliqueScalingGroup =>
  kindOf(obj) === KIND_POD_CLIQUE_SCALING_GROUP;
export const isClusterTopologyBinding = (obj: unknown): obj is ClusterTopologyBinding =>
  kindOf(obj) === KIND_CLUSTER_TOPOLOGY_BINDING;
export const isPodGang = (obj: unknown): obj is PodGang => kindOf(obj) === KIND_POD_GANG;

type Node = Record<string, unknown>;

/**
 * Root ObjectMeta as strict decoding checks it: unknown keys are reported, the user-set strings and
 * maps are type-checked, and server-populated fields are left to the server (kubectl may send
 * `creationTimestamp: null`).
 */
const objectMetaSchema: Node = {
  type: "object",
  properties: {
    name: { type: "string" },
    generateName: { type: "string" },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
    finalizers: { type: "array", items: { type: "string" } },
    ownerReferences: { type: "array" },
    selfLink: {},
    uid: {},
    resourceVersion: {},
    generation: {},
    creationTimestamp: {},
    deletionTimestamp: {},
    deletionGracePeriodSeconds: {},
    managedFields: {},
  },
  additionalProperties: false,
};

/**
 * An openAPIV3Schema made strict for ajv: every object with declared properties rejects undeclared
 * ones (kube-apiserver's strict field validation), except where x-kubernetes-preserve-unknown-fields.
 */
export function strictSchema(schema: unknown): Node {
  const n = schema as Node;
  const out: Node = { ...n };
  if (n.properties) {
    const props: Node = {};
    for (const [k, v] of Object.entries(n.properties as Node)) props[k] = strictSchema(v);
    out.properties = props;
    if (n.additionalProperties === undefined && n["x-kubernetes-preserve-unknown-fields"] !== true)
      out.additionalProperties = false;
  }
  if (typeof n.items === "object" && n.items !== null) out.items = strictSchema(n.items);
  if (typeof n.additionalProperties === "object" && n.additionalProperties !== null)
    out.additionalProperties = strictSchema(n.additionalProperties);
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An ajv instance that reads Kubernetes' x-kubernetes-* keywords as annotations. */
export function newKubeAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: true,
    verbose: true,
    code: { optimize: false },
  });
  for (const keyword of [
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
    "x-kubernetes-embedded-resource",
  ])
    ajv.addKeyword({ keyword });
  ajv.addFormat("date-time", RFC3339);
  for (const f of ["int32", "int64", "double", "float", "byte", "password"]) ajv.addFormat(f, true);
  return ajv;
}

const K8S_BASE = "https://grove.io/schemas/k8s/";

/** Registers the Kubernetes definitions once, so PodSpec is compiled once for all kinds. */
function withKubeDefinitions(a: Ajv): Ajv {
  for (const [name, def] of Object.entries(k8sDefinitions))
    a.addSchema({ ...strictSchema(def), $id: `${K8S_BASE}${name}` });
  return a;
}

interface Compiled {
  validate: ValidateFunction;
  schema: Node;
}
const compiled = new Map<GroveKind, Compiled>();
let ajv: Ajv | undefined;

function compiledFor(kind: GroveKind): Compiled {
  let c = compiled.get(kind);
  if (!c) {
    const info = GROVE_KINDS.find((k) => k.kind === kind)!;
    const schema = strictSchema(toOpenAPIV3Schema(info.schema, { kubeRefBase: K8S_BASE }));
    (schema.properties as Node).metadata = objectMetaSchema;
    ajv ??= withKubeDefinitions(newKubeAjv());
    c = { validate: ajv.compile(schema), schema };
    compiled.set(kind, c);
  }
  return c;
}

/** JSON pointer -> Kubernetes field path, using the data to tell list indices from map keys. */
function fieldPath(pointer: string, data: unknown, extra?: string): string {
  const segments =
    pointer === ""
      ? []
      : pointer
          .slice(1)
          .split("/")
          .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) segments.push(extra);
  let path = "";
  let cur: unknown = data;
  for (const seg of segments) {
    if (Array.isArray(cur)) path += `[${seg}]`;
    else path += path === "" ? seg : `.${seg}`;
    cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

const typeName = (v: unknown): string =>
  v === null
    ? "null"
    : Array.isArray(v)
      ? "array"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? "integer"
          : "number"
        : typeof v;

function toFieldError(e: ErrorObject, data: unknown): FieldError {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return fieldRequired(fieldPath(e.instancePath, data, String(p.missingProperty)));
    case "additionalProperties": {
      const field = fieldPath(e.instancePath, data, String(p.additionalProperty));
      return { field, type: "FieldValueNotFound", message: `unknown field "${field}"` };
    }
  }
  const field = fieldPath(e.instancePath, data);
  const value = e.data;
  switch (e.keyword) {
    case "type":
    case "anyOf":
      return {
        field,
        type: "FieldValueTypeInvalid",
        value: typeName(value),
        message: `${field} in body must be of type ${e.keyword === "anyOf" ? "integer or string" : String(p.type)}: "${typeName(value)}"`,
      };
    case "enum":
      return fieldNotSupported(field, value, (p.allowedValues as unknown[]).map(String));
    case "pattern":
      return fieldInvalid(field, `${field} in body should match '${String(p.pattern)}'`, value);
    case "maxLength":
      return fieldTooLong(field, `may not be more than ${String(p.limit)} bytes`, value);
    case "minLength":
      return fieldInvalid(field, `${field} in body should be at least ${String(p.limit)} chars long`, value);
    case "minItems":
      return fieldInvalid(
        field,
        `${field} in body should have at least ${String(p.limit)} items`,
        (value as unknown[]).length,
      );
    case "maxItems":
      return {
        field,
        type: "FieldValueTooMany",
        value: (value as unknown[]).length,
        message: `must have at most ${String(p.limit)} items`,
      };
    case "minimum":
      return fieldInvalid(
        field,
        `${field} in body should be greater than or equal to ${String(p.limit)}`,
        value,
      );
    case "maximum":
      return fieldInvalid(
        field,
        `${field} in body should be less than or equal to ${String(p.limit)}`,
        value,
      );
    case "format":
      return fieldInvalid(
        field,
        `${field} in body must be of type ${String(p.format)}: ${JSON.stringify(value)}`,
        value,
      );
    default:
      return fieldInvalid(field, e.message ?? e.keyword, value);
  }
}

/** The schema a node stands for: a `$ref` to a Kubernetes definition is followed (siblings kept). */
function deref(schema: Node): Node {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.startsWith(K8S_BASE) ? ref.slice(K8S_BASE.length) : ref;
  const def = (k8sDefinitions as Record<string, Node>)[name];
  if (!def) return schema;
  const { $ref: _, ...siblings } = schema;
  return deref({ ...def, ...siblings });
}

/** A key field that an item leaves out (distinct from an explicit null, as in kube-apiserver). */
const UNSPECIFIED = "\u0000unspecified";

/**
 * The list-map key values of `el` as kube-apiserver compares them: after structural defaulting,
 * which fills a key field that is absent (or null without `nullable`) from the item schema's
 * `default` (core/v1 ContainerPort.protocol defaults to TCP, so {containerPort: 8080} and
 * {containerPort: 8080, protocol: TCP} are the same entry).
 */
function mapKeyValues(item: Node | undefined, el: Record<string, unknown>, keys: string[]): unknown[] {
  const props = item?.properties as Record<string, Node> | undefined;
  return keys.map((k) => {
    const v = el[k];
    const prop = props?.[k] ? deref(props[k]) : undefined;
    const defaulted = v === undefined || (v === null && prop?.nullable !== true);
    if (defaulted && prop?.default !== undefined) return prop.default;
    return v === undefined ? UNSPECIFIED : v;
  });
}

/** Duplicate entries of x-kubernetes-list-type map/set lists (the API server rejects them too). */
function listDuplicates(node: Node, data: unknown, path: string, out: FieldError[]): void {
  if (data === null || typeof data !== "object") return;
  const schema = deref(node);
  if (Array.isArray(data)) {
    const item = schema.items ? deref(schema.items as Node) : undefined;
    const listType = schema["x-kubernetes-list-type"];
    if (listType === "map" || listType === "set") {
      const keys = (schema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
      const seen = new Set<string>();
      data.forEach((el, i) => {
        const isMapItem = listType === "map" && el !== null && typeof el === "object";
        const keyValues = isMapItem ? mapKeyValues(item, el as Record<string, unknown>, keys) : [];
        const id = JSON.stringify(isMapItem ? keyValues : el);
        if (seen.has(id)) {
          const value = isMapItem
            ? Object.fromEntries(
                keys.flatMap((k, j) => (keyValues[j] === UNSPECIFIED ? [] : [[k, keyValues[j]]])),
              )
            : el;
          out.push(fieldDuplicate(`${path}[${i}]`, value));
        }
        seen.add(id);
      });
    }
    if (item)
      data.forEach((el, i) => {
        listDuplicates(item, el, `${path}[${i}]`, out);
      });
    return;
  }
  const props = schema.properties as Record<string, Node> | undefined;
  for (const [k, v] of Object.entries(data)) {
    const sub =
      props?.[k] ??
      (typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Node) : undefined);
    if (sub) listDuplicates(sub, v, path === "" ? k : `${path}.${k}`, out);
  }
}

/**
 * Checks `obj` against the structural schema of its kind: unknown fields, wrong types, missing
 * required keys, enum/pattern/length/item-count violations and duplicate list-map keys. Throws
 * NotGroveObjectError when `obj` is not a Grove object. Errors come in document order, one per cause.
 */
export function checkSchema(obj: unknown): FieldError[] {
  const kind = groveKindOf(obj);
  const { validate, schema } = compiledFor(kind);
  const errors: FieldError[] = [];
  if (!validate(obj)) {
    const all = validate.errors ?? [];
    // An int-or-string mismatch yields one anyOf error plus one per branch; keep the anyOf one.
    const anyOfPaths = new Set(all.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
    for (const e of all) {
      if (anyOfPaths.has(e.instancePath) && e.keyword === "type" && e.schemaPath.includes("/anyOf/"))
        continue;
      errors.push(toFieldError(e, obj));
    }
  }
  listDuplicates(schema, obj, "", errors);
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}|${e.type}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
