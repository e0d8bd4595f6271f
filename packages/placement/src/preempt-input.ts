// Checks the candidates of PlacementSnapshot.preempt() and turns them into numbers: per candidate its
// priority and pods (encoded node index and what each pod frees, per asked resource). A pod on a
// node the snapshot does not know is ignored (the API's rule: the caller's view may be ahead of
// the snapshot's); anything malformed is a PlacementProblemError naming the field.
import { array, fail, isObject, name, object, path, quantities } from "./check-common.js";
import type { Quantities } from "./check-types.js";
import type { ClusterEncoding } from "./encode.js";

/** The candidates as flat arrays; pods of candidate k are podOff[k]..podOff[k+1]. */
export interface EncodedCandidates {
  names: string[];
  priority: Float64Array;
  /** Pods on known nodes: the "pods evicted" of the cost. */
  pods: Int32Array;
  podOff: Int32Array;
  /** Encoded node index of each known pod. */
  podNode: Int32Array;
  /** Per known pod: row into `amounts`. */
  podShape: Int32Array;
  /** Per distinct request shape, what one pod frees of each of `resources` (thousandths). */
  amounts: Float64Array;
  /** The encoded resource indices the amounts are given for (the asked ones, `pods` first). */
  resources: number[];
  /** Per distinct request shape, its quantities (to free it in the encoding). */
  shapes: Quantities[];
}

/**
 * `resources`: encoded resource indices the amounts are wanted for (resource 0 is `pods`: 1000 per
 * pod). Requests of a resource the encoding lacks are dropped: no node offers it and no gang asks it.
 */
export function encodeCandidates(
  v: unknown,
  cluster: ClusterEncoding,
  resources: number[],
  field = "candidates",
): EncodedCandidates {
  const raw = array(v, field);
  const K = raw.length;
  const names = new Array<string>(K);
  const seen = new Set<string>();
  const priority = new Float64Array(K);
  const pods = new Int32Array(K);
  const podOff = new Int32Array(K + 1);
  const nodes: number[] = [];
  const shapeOf: number[] = [];
  const shapes: Quantities[] = [];
  const amounts: number[] = [];
  // Callers pass the same requests object (or equal ones) for the pods of one group.
  const byObject = new Map<unknown, number>();
  const byKey = new Map<string, number>();
  const shape = (req: unknown, f: () => string): number => {
    const hit = byObject.get(req);
    if (hit !== undefined) return hit;
    const q = quantities(req, f);
    const key = `${q.names.join("\u0000")}\u0001${q.values.join(",")}`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = shapes.length;
      const kept: string[] = [];
      const values: number[] = [];
      for (let j = 0; j < q.names.length; j++)
        if (q.names[j] !== "pods" && cluster.resourceIndex.has(q.names[j] as string)) {
          kept.push(q.names[j] as string);
          values.push(q.values[j] as number);
        }
      shapes.push({ names: kept, values });
      for (const r of resources) {
        if (r === 0) {
          amounts.push(1000);
          continue;
        }
        const i = kept.indexOf(cluster.resources[r] as string);
        amounts.push(i < 0 ? 0 : (values[i] as number));
      }
      byKey.set(key, s);
    }
    byObject.set(req, s);
    return s;
  };
  for (let k = 0; k < K; k++) {
    const f = () => `${field}[${k}]`;
    const o = object(raw[k], f);
    const n = name(o.name, () => `${path(f)}.name`);
    if (seen.has(n))
      fail("FieldValueDuplicate", () => `${path(f)}.name`, `duplicate candidate ${JSON.stringify(n)}`);
    seen.add(n);
    names[k] = n;
    if (o.priority === undefined || o.priority === null)
      fail("FieldValueRequired", () => `${path(f)}.priority`, "is required");
    if (typeof o.priority !== "number" || !Number.isFinite(o.priority))
      fail("FieldValueTypeInvalid", () => `${path(f)}.priority`, "must be a number");
    priority[k] = o.priority as number;
    const ps = array(o.pods, () => `${path(f)}.pods`);
    for (let j = 0; j < ps.length; j++) {
      const pv = ps[j];
      const pf = () => `${path(f)}.pods[${j}]`;
      const po = isObject(pv) ? pv : object(pv, pf);
      const node = name(po.node, () => `${path(pf)}.node`);
      const s = shape(po.requests ?? null, () => `${path(pf)}.requests`);
      const x = cluster.indexOf(node);
      if (x === undefined) continue;
      nodes.push(x);
      shapeOf.push(s);
    }
    podOff[k + 1] = nodes.length;
    pods[k] = nodes.length - (podOff[k] as number);
  }
  return {
    names,
    priority,
    pods,
    podOff,
    podNode: Int32Array.from(nodes),
    podShape: Int32Array.from(shapeOf),
    amounts: Float64Array.from(amounts),
    resources,
    shapes,
  };
}
