// Checks the candidates of PlacementSnapshot.preempt() and turns them into numbers: per candidate its
// priority and pods (encoded node index and what each pod frees, per asked resource). A pod on a
// node the snapshot does not know is ignored (the API's rule: the caller's view may be ahead of
// the snapshot's); anything malformed is a PlacementProblemError naming the field.
import { array, fail, isObject, name, object, path, quantities } from "./check-common.js";
import type { Quantities } from "./check-types.js";
import type { ClusterEncoding } from "./encode.js";

/**
 * The candidates as flat arrays, indexed by their place in the call that read them (the root):
 * a later call passing a subsequence of the root's objects keeps the root's arrays and marks which
 * are candidates now (`live`). The pod rows of candidate k are podOff[k]..podOff[k+1].
 */
export interface EncodedCandidates {
  names: string[];
  priority: Float64Array;
  /** Pods on known nodes: the "pods evicted" of the cost. */
  pods: Int32Array;
  podOff: Int32Array;
  /** Encoded node index of each row. */
  podNode: Int32Array;
  /** Per row: row into `amounts`. */
  podShape: Int32Array;
  /** Per row: the pods it stands for (consecutive pods of a candidate on one node asking alike). */
  podCount: Int32Array;
  /** Per distinct request shape, what one pod frees of each of `resources` (thousandths). */
  amounts: Float64Array;
  /** The encoded resource indices the amounts are given for (the asked ones, `pods` first). */
  resources: number[];
  /** Per distinct request shape, its quantities (to free it in the encoding). */
  shapes: Quantities[];
  /** Per root candidate, 1 when it is a candidate of this call; null: every one is. */
  live: Uint8Array | null;
  /** Candidates of this call. */
  size: number;
  /**
   * When these candidates are a subsequence of the root's, read after another call on the same
   * root (see reuse()): that call's encoding and the root indices that are candidates in one of
   * the two calls only. Kept for one call (the next reuse drops it).
   */
  from?: { prev: EncodedCandidates; changed: number[] } | undefined;
}

/** A candidate's pods as read for one encoding: reused while the caller passes the same array. */
interface PodsEntry {
  cluster: ClusterEncoding;
  /** Encoded node index per row of known pods. */
  nodes: readonly number[];
  /** Pods per row. */
  counts: readonly number[];
  /** Known pods, all rows. */
  pods: number;
  /** The distinct requests of its pods, without `pods` and resources the encoding lacks. */
  distinct: Quantities[];
  /** Per row, its index into `distinct`; null when there is one (or no pod). */
  local: readonly number[] | null;
}

/**
 * Keyed by the candidate's `pods` array: a caller reading candidates again on an encoding (new
 * candidate objects, or one more candidate, with the same pods arrays) does not read thousands of
 * pods again. Filled from the second read on an encoding. A caller must therefore not change a
 * `pods` array after passing it (pass a new one).
 */
const podsCache = new WeakMap<object, PodsEntry>();

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
  const key = resources.join(",");
  const prev = lastCall.get(cluster);
  if (prev !== undefined && prev.key === key) {
    const kept = reuse(raw, prev);
    if (kept !== null) {
      prev.encoded = kept;
      return kept;
    }
  }
  // The pods are remembered from the second read on this encoding: a first read's are seldom read
  // again (later calls keep its arrays), and thousands of entries kept cost the collector.
  const out = readCandidates(raw, cluster, resources, field, prev !== undefined);
  lastCall.set(cluster, { key, objects: raw.slice(), encoded: out });
  return out;
}

/** Per encoding (for the asked resources `key`): the root's objects and the last call's encoding. */
interface LastCall {
  key: string;
  /** The candidate objects of the call that read them (a copy: the caller may change its array). */
  objects: unknown[];
  encoded: EncodedCandidates;
}

/**
 * A scheduler deciding one gang after another passes the same running gangs minus the ones it
 * evicted: when every candidate object of this call was among the root's, in the same order, the
 * root's arrays are kept and only which root candidates are in this call is written (candidates
 * are values: a caller must not change one after passing it; it may change its array).
 */
const lastCall = new WeakMap<ClusterEncoding, LastCall>();

/** One pass over the root's objects: this call's candidates among them, or null if one is not. */
function reuse(raw: unknown[], last: LastCall): EncodedCandidates | null {
  const objects = last.objects;
  const prev = last.encoded;
  const was = prev.live;
  const K = raw.length;
  const n = objects.length;
  if (K > n) return null;
  const live = K === n ? null : new Uint8Array(n);
  // Root indices a candidate in one of the two calls only.
  const changed: number[] = [];
  let j = 0;
  for (let k = 0; k < K; k++) {
    const o = raw[k];
    while (j < n && objects[j] !== o) {
      if (was === null || was[j] === 1) changed.push(j);
      j++;
    }
    if (j === n) return null;
    if (was !== null && was[j] === 0) changed.push(j);
    if (live !== null) live[j] = 1;
    j++;
  }
  for (; j < n; j++) if (was === null || was[j] === 1) changed.push(j);
  // The last call's link is not kept further: one step back is all the aggregates read.
  prev.from = undefined;
  return { ...prev, live, size: K, from: { prev, changed } };
}

function readCandidates(
  raw: unknown[],
  cluster: ClusterEncoding,
  resources: number[],
  field: string,
  remember: boolean,
): EncodedCandidates {
  const K = raw.length;
  const names = new Array<string>(K);
  const seen = new Set<string>();
  const priority = new Float64Array(K);
  const pods = new Int32Array(K);
  const podOff = new Int32Array(K + 1);
  const entries = new Array<PodsEntry>(K);
  const byObject = new Map<unknown, Quantities>();
  let total = 0;
  for (let k = 0; k < K; k++) {
    const o = raw[k] as Record<string, unknown> | null;
    // The usual candidate is checked inline; anything off goes through the readers naming the field.
    const ok =
      typeof o === "object" &&
      o !== null &&
      typeof o.name === "string" &&
      o.name.length > 0 &&
      typeof o.priority === "number" &&
      Number.isFinite(o.priority);
    const n = ok ? (o.name as string) : checkCandidate(raw[k], k, field);
    const size = seen.size;
    seen.add(n);
    if (seen.size === size)
      fail("FieldValueDuplicate", `${field}[${k}].name`, `duplicate candidate ${JSON.stringify(n)}`);
    names[k] = n;
    priority[k] = (o as Record<string, unknown>).priority as number;
    const ps = (o as Record<string, unknown>).pods;
    const cached = Array.isArray(ps) ? podsCache.get(ps) : undefined;
    const entry =
      cached !== undefined && cached.cluster === cluster
        ? cached
        : readPods(ps, () => `${field}[${k}]`, cluster, byObject, remember);
    entries[k] = entry;
    total += entry.nodes.length;
    podOff[k + 1] = total;
    pods[k] = entry.pods;
  }
  const podNode = new Int32Array(total);
  const podShape = new Int32Array(total);
  const podCount = new Int32Array(total);
  const shapes: Quantities[] = [];
  const amounts: number[] = [];
  const rowOf = new Map<Quantities, number>();
  const rowFor = (q: Quantities): number => {
    let row = rowOf.get(q);
    if (row === undefined) {
      row = shapes.length;
      shapes.push(q);
      rowOf.set(q, row);
      for (const r of resources) {
        if (r === 0) amounts.push(1000);
        else {
          const i = q.names.indexOf(cluster.resources[r] as string);
          amounts.push(i < 0 ? 0 : (q.values[i] as number));
        }
      }
    }
    return row;
  };
  let lastQ: Quantities | null = null;
  let lastRow = -1;
  for (let k = 0; k < K; k++) {
    const e = entries[k] as PodsEntry;
    const n = e.nodes.length;
    if (n === 0) continue;
    const at = podOff[k] as number;
    podNode.set(e.nodes, at);
    podCount.set(e.counts, at);
    if (e.local === null) {
      const q = e.distinct[0] as Quantities;
      if (q !== lastQ) {
        lastQ = q;
        lastRow = rowFor(q);
      }
      podShape.fill(lastRow, at, at + n);
    } else {
      const rows = e.distinct.map(rowFor);
      for (let j = 0; j < n; j++) podShape[at + j] = rows[e.local[j] as number] as number;
    }
  }
  return {
    names,
    priority,
    pods,
    podOff,
    podNode,
    podShape,
    podCount,
    amounts: Float64Array.from(amounts),
    resources,
    shapes,
    live: null,
    size: K,
  };
}

/** Checks a candidate's pods and keeps those on known nodes (`remember`: cached by the array, see podsCache). */
function readPods(
  v: unknown,
  f: () => string,
  cluster: ClusterEncoding,
  byObject: Map<unknown, Quantities>,
  remember: boolean,
): PodsEntry {
  const ps = array(v, () => `${path(f)}.pods`);
  const nodes: number[] = [];
  const counts: number[] = [];
  const local: number[] = [];
  const distinct: Quantities[] = [];
  let known = 0;
  // A pod's field path, made only when a check fails.
  const podField = (j: number) => () => `${path(f)}.pods[${j}]`;
  for (let j = 0; j < ps.length; j++) {
    const pv = ps[j];
    const po = isObject(pv) ? pv : object(pv, podField(j));
    // The usual pod is checked inline (no closure per pod); anything off goes through name().
    const nv = po.node;
    const node = typeof nv === "string" && nv.length > 0 ? nv : name(nv, () => `${path(podField(j))}.node`);
    const req = po.requests ?? null;
    let q = byObject.get(req);
    if (q === undefined) {
      const all = quantities(req, () => `${path(podField(j))}.requests`);
      const kept: string[] = [];
      const values: number[] = [];
      for (let i = 0; i < all.names.length; i++)
        if (all.names[i] !== "pods" && cluster.resourceIndex.has(all.names[i] as string)) {
          kept.push(all.names[i] as string);
          values.push(all.values[i] as number);
        }
      q = { names: kept, values };
      byObject.set(req, q);
    }
    const x = cluster.indexOf(node);
    if (x === undefined) continue;
    known++;
    let i = distinct.indexOf(q);
    if (i < 0) i = distinct.push(q) - 1;
    const last = nodes.length - 1;
    if (last >= 0 && nodes[last] === x && local[last] === i) counts[last] = (counts[last] as number) + 1;
    else {
      nodes.push(x);
      counts.push(1);
      local.push(i);
    }
  }
  const entry: PodsEntry = {
    cluster,
    // Plain arrays: thousands of small typed arrays cost more to make than they save.
    nodes,
    counts,
    pods: known,
    distinct,
    local: distinct.length > 1 ? local : null,
  };
  if (remember && Array.isArray(v)) podsCache.set(v, entry);
  return entry;
}

/** The checked path for a candidate the inline check refused: throws naming the field. */
function checkCandidate(v: unknown, k: number, field: string): string {
  const f = () => `${field}[${k}]`;
  const o = object(v, f);
  const n = name(o.name, () => `${path(f)}.name`);
  if (o.priority === undefined || o.priority === null)
    fail("FieldValueRequired", () => `${path(f)}.priority`, "is required");
  fail("FieldValueTypeInvalid", () => `${path(f)}.priority`, "must be a number");
  return n;
}
