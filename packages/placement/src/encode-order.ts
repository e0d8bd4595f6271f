// The cluster encoder's node order: by domain path (a missing label after every value), then by
// name, so that every domain is a contiguous range of nodes; found without sorting when the input
// already is in that order, else by one numeric sort when the levels allow it.
import type { CheckedNode } from "./check-types.js";
import { strCmp } from "./encode-common.js";

/** Each node's rank in name order, or null when the nodes already are in name order. */
export function nameRanks(nodes: readonly CheckedNode[]): Int32Array | null {
  const N = nodes.length;
  let sorted = true;
  for (let i = 1; i < N && sorted; i++)
    sorted = (nodes[i - 1] as CheckedNode).name < (nodes[i] as CheckedNode).name;
  if (sorted) return null;
  const byName = new Int32Array(N);
  for (let i = 0; i < N; i++) byName[i] = i;
  const names = nodes.map((n) => n.name);
  byName.sort((a, b) => strCmp(names[a] as string, names[b] as string));
  const rank = new Int32Array(N);
  for (let r = 0; r < N; r++) rank[byName[r] as number] = r;
  return rank;
}

/** Level values, reused from call to call (see Scratch); emptied after each use. */
let levelScratch: (string | undefined)[] = [];

/**
 * values[i*L+l]: node i's value at level l, undefined when it lacks the label of l or of a
 * broader level. Return it with doneWithLevels.
 */
export function levelValues(nodes: readonly CheckedNode[], keys: readonly string[]): (string | undefined)[] {
  const L = keys.length;
  if (levelScratch.length < nodes.length * L) levelScratch = new Array(nodes.length * L);
  const values = levelScratch;
  for (let i = 0; i < nodes.length; i++) {
    const labels = (nodes[i] as CheckedNode).labels;
    let v: string | undefined = "";
    for (let l = 0; l < L; l++) {
      if (v !== undefined) v = labels[keys[l] as string];
      values[i * L + l] = v;
    }
  }
  return values;
}

/** Drops the scratch's references to the caller's strings. */
export function doneWithLevels(n: number): void {
  levelScratch.fill(undefined, 0, n);
}

/**
 * The nodes' order by domain path, then name (`nameRank` null when the input is in name order),
 * or null when the input already is in that order (the usual listing of a generated or
 * topology-named cluster). Values compare as strings, a missing one after every value.
 */
export function pathOrder(
  values: readonly (string | undefined)[],
  nodes: readonly CheckedNode[],
  L: number,
  nameRank: Int32Array | null,
  diff: Int32Array,
): Int32Array | null {
  const N = nodes.length;
  const rankOf = (i: number) => (nameRank === null ? i : (nameRank[i] as number));
  let sorted = true;
  if (N > 0) diff[0] = 0;
  for (let i = 1; i < N && sorted; i++) {
    let l = 0;
    while (l < L && values[(i - 1) * L + l] === values[i * L + l]) l++;
    diff[i] = l;
    if (l === L) sorted = rankOf(i - 1) < rankOf(i);
    else {
      const a = values[(i - 1) * L + l];
      const b = values[i * L + l];
      sorted = a !== undefined && (b === undefined || a < b);
    }
  }
  if (sorted) return null;
  const composite = compositeOrder(values, nodes, N, L, nameRank);
  if (composite !== null) return composite;
  const order = new Int32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  order.sort((x, y) => {
    for (let l = 0; l < L; l++) {
      const a = values[x * L + l];
      const b = values[y * L + l];
      if (a === b) continue;
      return a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1;
    }
    return rankOf(x) - rankOf(y);
  });
  return order;
}

/**
 * The order of pathOrder as one native numeric sort, when every level can be ranked as numbers:
 * a level holding the nodes' own names (the usual host level) ranks like the names, a level
 * whose values come in long runs (blocks, racks) by its few distinct values. Each node's key is
 * its ranks and name rank in mixed radix, exact below 2^53. Null when that does not apply.
 */
function compositeOrder(
  values: readonly (string | undefined)[],
  nodes: readonly CheckedNode[],
  N: number,
  L: number,
  nameRank: Int32Array | null,
): Int32Array | null {
  const rankOf = (i: number) => (nameRank === null ? i : (nameRank[i] as number));
  const rank = new Int32Array(N * L);
  const radix = new Float64Array(L);
  let span = N;
  for (let l = 0; l < L; l++) {
    let names = true;
    for (let i = 0; i < N && names; i++) {
      const v = values[i * L + l];
      names = v === undefined || v === (nodes[i] as CheckedNode).name;
    }
    if (names) {
      for (let i = 0; i < N; i++) rank[i * L + l] = values[i * L + l] === undefined ? N : rankOf(i);
      radix[l] = N + 1;
    } else {
      // Many distinct values (hosts not named like their nodes): the comparator sort instead.
      const most = Math.max(64, N / 8);
      const ids = new Map<string, number>();
      const list: string[] = [];
      for (let i = 0; i < N; i++) {
        const v = values[i * L + l];
        let id = -1;
        if (v !== undefined) {
          id =
            i > 0 && v === values[(i - 1) * L + l] ? (rank[(i - 1) * L + l] as number) : (ids.get(v) ?? -1);
          if (id < 0) {
            if (list.length >= most) return null;
            id = list.length;
            ids.set(v, id);
            list.push(v);
          }
        }
        rank[i * L + l] = id;
      }
      const byValue = list.map((_, id) => id).sort((a, b) => strCmp(list[a] as string, list[b] as string));
      const rankOfId = new Int32Array(list.length);
      for (let r = 0; r < byValue.length; r++) rankOfId[byValue[r] as number] = r;
      // Missing: after every value.
      for (let i = 0; i < N; i++) {
        const id = rank[i * L + l] as number;
        rank[i * L + l] = id < 0 ? list.length : (rankOfId[id] as number);
      }
      radix[l] = list.length + 1;
    }
    span *= radix[l] as number;
  }
  if (span > Number.MAX_SAFE_INTEGER) return null;
  const keys = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let k = 0;
    for (let l = 0; l < L; l++) k = k * (radix[l] as number) + (rank[i * L + l] as number);
    keys[i] = k * N + rankOf(i);
  }
  keys.sort();
  // The name rank in each key names its node.
  const byRank = new Int32Array(N);
  for (let i = 0; i < N; i++) byRank[rankOf(i)] = i;
  const order = new Int32Array(N);
  for (let x = 0; x < N; x++) order[x] = byRank[(keys[x] as number) % N] as number;
  return order;
}
