// How `npm start` applies examples/: as `kubectl apply` creates an object, with the
// kubectl.kubernetes.io/last-applied-configuration annotation, so that a user's later
// `kubectl apply -f examples/` is a three-way merge from it (no "missing last-applied-configuration"
// warning, "unchanged" when nothing changed) rather than an apply over an object kubectl never made.
import { PodCliqueSetType } from "@grove-ts/api";
import { type Client, isAlreadyExists, type KubeObject } from "@grove-ts/runtime";
import { UsageError } from "./args.js";
import type { ExampleSet } from "./demo-view.js";

export const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/** Go's encoding/json escapes these in strings (HTML-safe by default); JSON.stringify does not. */
const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** `v` as Go's json.Encoder writes an unstructured object: map keys sorted, HTML characters escaped. */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${goJson(k)}:${goJson(o[k])}`).join(",")}}`;
  }
  if (typeof v === "string")
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
  return JSON.stringify(v ?? null);
}

/**
 * The annotation's value as kubectl apply computes it on create (GetModifiedConfiguration): the
 * object with the annotation itself taken out (leaving `annotations: {}` when it had no other),
 * encoded by the unstructured JSON encoder, newline included.
 */
export function lastAppliedConfiguration(obj: KubeObject): string {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LastAppliedAnnotation];
  return `${goJson({ ...obj, metadata: { ...obj.metadata, annotations } })}\n`;
}

/** The object as `kubectl apply` creates it: the annotation set beside the user's own. */
export function withLastApplied<O extends KubeObject>(obj: O): O {
  const value = lastAppliedConfiguration(obj);
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...(obj.metadata.annotations ?? {}), [LastAppliedAnnotation]: value },
    },
  };
}

/** Creates the example PodCliqueSets (namespace `default` where none is set), one line each on `out`. */
export async function applyExamples(
  client: Client,
  ex: ExampleSet,
  out: { write(s: string): unknown },
): Promise<void> {
  for (const { file, obj } of ex.objects) {
    if (obj.kind !== "PodCliqueSet")
      throw new UsageError(`${file}: only PodCliqueSets are applied, found ${obj.kind}`);
    obj.metadata.namespace ??= "default";
    try {
      await client.create(PodCliqueSetType, withLastApplied(obj));
      out.write(`  podcliqueset.grove.io/${obj.metadata.name} created   (${file})\n`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw new Error(`${file}: ${(err as Error).message}`);
      out.write(`  podcliqueset.grove.io/${obj.metadata.name} unchanged (${file})\n`);
    }
  }
}
