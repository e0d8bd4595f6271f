// Inlines the generated Kubernetes definitions into one self-contained structural schema
// (CRDs may not use $ref).
import { k8sDefinitions } from "./k8s-definitions.generated.js";

/**
 * Marks an inlined Kubernetes type with its definition name, so that a validator can refer to one
 * compiled definition instead of the inlined copy. Not a CRD keyword: dropped from generated CRDs.
 */
export const KUBE_REF = "x-grove-kube-ref";

export type JsonSchema = { [keyword: string]: unknown };

const cache = new Map<string, JsonSchema>();

/** The fully inlined structural schema of a client-node model class name such as "V1PodSpec". */
export function kubeSchema(name: string): JsonSchema {
  let s = cache.get(name);
  if (!s) {
    s = inline({ $ref: name }, []);
    cache.set(name, s);
  }
  return structuredClone(s);
}

function inline(node: unknown, stack: string[]): JsonSchema {
  const n = node as JsonSchema;
  if (typeof n.$ref === "string") {
    const ref = n.$ref;
    if (stack.includes(ref)) throw new Error(`recursive Kubernetes type ${[...stack, ref].join(" -> ")}`);
    const def = k8sDefinitions[ref];
    if (!def) throw new Error(`unknown Kubernetes definition ${ref}`);
    const { $ref: _ref, ...rest } = n;
    return { ...inline(def, [...stack, ref]), ...rest };
  }
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === "properties") {
      const props: JsonSchema = {};
      for (const [p, ps] of Object.entries(v as JsonSchema)) props[p] = inline(ps, stack);
      out[k] = props;
    } else if ((k === "items" || k === "additionalProperties") && typeof v === "object" && v !== null) {
      out[k] = inline(v, stack);
    } else {
      out[k] = v;
    }
  }
  return out;
}
