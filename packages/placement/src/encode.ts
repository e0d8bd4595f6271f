// Interns names, labels and resources to dense indices and lays a problem out as the flat arrays
// of layout.ts. Only numbers cross into the engines.
import {
  type CheckedGang,
  type CheckedGroup,
  type CheckedLevel,
  type CheckedNode,
  type CheckedSubGroup,
  NAME_LABEL,
  type Quantities,
} from "./check.js";
import {
  ArenaViews,
  C,
  DEPTH,
  FLAG_CORDONED,
  FLAG_REMOVED,
  P,
  plan,
  REASON_SLOTS,
  type Section,
  writeHeader,
} from "./layout.js";

/**
 * Strings to dense ids. A child dictionary answers unknown strings with ids no node carries.
 * `sorted` (strictly increasing) have the ids 0..n-1 without being hashed: the cluster's node
 * names, found by binary search, since hashing thousands of names costs more than the encoding.
 */
export class Dict {
  private readonly ids = new Map<string, number>();
  constructor(
    private readonly parent: Dict | null = null,
    private readonly sorted: readonly string[] = [],
  ) {}
  get size(): number {
    return (this.parent?.size ?? 0) + this.sorted.length + this.ids.size;
  }
  id(s: string): number {
    let v = this.lookup(s);
    if (v === undefined) {
      v = this.size;
      this.ids.set(s, v);
    }
    return v;
  }
  lookup(s: string): number | undefined {
    if (this.parent !== null) {
      const p = this.parent.lookup(s);
      if (p !== undefined) return p;
    }
    const v = this.ids.get(s);
    if (v !== undefined || this.sorted.length === 0) return v;
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.sorted[mid] as string;
      if (m === s) return (this.parent?.size ?? 0) + mid;
      if (m < s) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Where an arena lives: a plain ArrayBuffer (js engine) or a block of wasm memory. */
export interface Region {
  readonly base: number;
  readonly bytes: number;
  /** The buffer to view now; for wasm memory this changes when memory grows. */
  buffer(): ArrayBuffer;
}

export interface Allocator {
  alloc(bytes: number): Region;
  release(region: Region): void;
}

/** Kubernetes' Gt/Lt read a label value as an integer. */
function isInteger(v: string): boolean {
  const c = v.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return false;
  return /^-?\d+$/.test(v);
}

const strCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Each node's rank in name order, or null when the nodes already are in name order. */
function nameRanks(nodes: readonly CheckedNode[]): Int32Array | null {
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
function levelValues(nodes: readonly CheckedNode[], keys: readonly string[]): (string | undefined)[] {
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
function doneWithLevels(n: number): void {
  levelScratch.fill(undefined, 0, n);
}

/**
 * The nodes' order by domain path, then name (`nameRank` null when the input is in name order),
 * or null when the input already is in that order (the usual listing of a generated or
 * topology-named cluster). Values compare as strings, a missing one after every value.
 */
function pathOrder(
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

/**
 * A growable Int32Array reused from call to call: a fresh typed array of tens of kilobytes costs
 * more (allocation, zeroing, collection) than the work done in it. Valid until the next take().
 */
class Scratch {
  private buf = new Int32Array(0);
  take(n: number): Int32Array {
    if (this.buf.length < n) this.buf = new Int32Array(Math.max(n, 2 * this.buf.length));
    return this.buf.subarray(0, n);
  }
}

/** The cluster encoder's temporaries (node domains, domain starts, ends and levels, path breaks). */
const scratch = [new Scratch(), new Scratch(), new Scratch(), new Scratch(), new Scratch()] as const;
/** The call encoder's: the shape of every group. */
const shapeScratch = new Scratch();

/** The tree node above group gi of a gang with sub-groups (root: the gang's). */
function parentOf(gang: CheckedGang, root: number, gi: number): number {
  for (let s = 0; s < gang.subGroups.length; s++)
    if ((gang.subGroups[s] as CheckedSubGroup).groups.includes(gi)) return root + 1 + s;
  return root;
}

/** Resource columns of a names list; remembers the last list (nodes share them). -1: not encoded. */
class Columns {
  private last: readonly string[] | null = null;
  private cols: number[] = [];
  constructor(private readonly index: Map<string, number>) {}
  of(names: readonly string[]): number[] {
    if (names !== this.last) {
      this.last = names;
      this.cols = names.map((n) => this.index.get(n) ?? -1);
    }
    return this.cols;
  }
}

/** The cluster side of the layout, with what the TS side needs to map indices back to names. */
export class ClusterEncoding {
  /** Encoded position -> node. */
  readonly nodes: readonly CheckedNode[];
  private nameIndex: Map<string, number> | null = null;
  readonly resources: string[];
  readonly resourceIndex = new Map<string, number>();
  readonly dict: Dict;
  readonly region: Region;
  readonly domainCount: number;

  /**
   * `labels`: encode the nodes' labels (and names) for nodeSelector and node affinity. Without
   * them the label section is empty, and only calls whose group shapes have neither may run on
   * this encoding (the engines read labels for those two filters only).
   */
  constructor(
    readonly levels: CheckedLevel[],
    nodes: readonly CheckedNode[],
    resources: Iterable<string>,
    allocator: Allocator,
    readonly labels = true,
  ) {
    const L = levels.length;
    // Resource 0 is `pods`: every pod takes one unit of it.
    this.resources = ["pods", ...[...new Set(resources)].filter((r) => r !== "pods").sort(strCmp)];
    for (const [i, r] of this.resources.entries()) this.resourceIndex.set(r, i);
    const Rn = this.resources.length;

    // Nodes ordered by domain path (a missing label sorts after every value and hides deeper
    // levels), then name: every domain becomes a contiguous range of nodes.
    const N = nodes.length;
    const values = levelValues(
      nodes,
      levels.map((l) => l.key),
    );
    const nameRank = nameRanks(nodes);
    // diff[x]: the first level at which node x's path differs from the previous node's (L: the
    // same path). pathOrder fills it when the nodes already are in order.
    const diff = scratch[4].take(N);
    const order = pathOrder(values, nodes, L, nameRank, diff);
    if (order === null) this.nodes = nodes;
    else {
      const sorted = new Array<CheckedNode>(N);
      for (let x = 0; x < N; x++) sorted[x] = nodes[order[x] as number] as CheckedNode;
      this.nodes = sorted;
    }

    // Domains, level by level, in path order: node x opens a domain at every level from diff[x]
    // down where it has a value.
    const at = (x: number) => (order === null ? x : (order[x] as number));
    if (order !== null)
      for (let x = 0; x < N; x++) {
        let l = 0;
        if (x > 0) {
          const a = at(x - 1) * L;
          const b = at(x) * L;
          while (l < L && values[a + l] === values[b + l]) l++;
        }
        diff[x] = l;
      }
    const nodeDom = scratch[0].take(N * L).fill(-1);
    const domStart = scratch[1].take(N * L);
    const domEnd = scratch[2].take(N * L);
    const domLevel = scratch[3].take(N * L);
    const levelDom = new Int32Array(L + 1);
    let D = 0;
    for (let l = 0; l < L; l++) {
      levelDom[l] = D;
      for (let x = 0; x < N; x++) {
        if (values[at(x) * L + l] === undefined) continue;
        if ((diff[x] as number) <= l) {
          domStart[D] = x;
          domLevel[D] = l;
          D++;
        }
        domEnd[D - 1] = x + 1;
        nodeDom[x * L + l] = D - 1;
      }
    }
    levelDom[L] = D;
    this.domainCount = D;
    doneWithLevels(N * L);

    let nLabels = 0;
    let nTaints = 0;
    for (let x = 0; x < N; x++) {
      const n = this.nodes[x] as CheckedNode;
      if (this.labels) {
        nLabels++;
        for (const _ in n.labels) nLabels++;
      }
      nTaints += n.taints.length;
    }
    const sections: Section[] = [
      { slot: C.FREE, kind: "f64", length: N * Rn },
      { slot: C.ALLOC, kind: "f64", length: N * Rn },
      { slot: C.FLAGS, kind: "i32", length: N },
      { slot: C.RANK, kind: "i32", length: N },
      { slot: C.NODEDOM, kind: "i32", length: N * L },
      { slot: C.DOMSTART, kind: "i32", length: D },
      { slot: C.DOMEND, kind: "i32", length: D },
      { slot: C.DOMLEVEL, kind: "i32", length: D },
      { slot: C.LEVELDOM, kind: "i32", length: L + 1 },
      { slot: C.LABOFF, kind: "i32", length: N + 1 },
      { slot: C.LABKEY, kind: "i32", length: nLabels },
      { slot: C.LABVAL, kind: "i32", length: nLabels },
      { slot: C.LABNUM, kind: "f64", length: nLabels },
      { slot: C.TAINTOFF, kind: "i32", length: N + 1 },
      { slot: C.TAINTKEY, kind: "i32", length: nTaints },
      { slot: C.TAINTVAL, kind: "i32", length: nTaints },
      { slot: C.TAINTEFF, kind: "i32", length: nTaints },
    ];
    const p = plan(C.HEADER, sections);
    this.region = allocator.alloc(p.bytes);
    const v = new ArenaViews(this.region.buffer(), this.region.base, C.HEADER);
    writeHeader(v, p);
    v.hdr[C.N] = N;
    v.hdr[C.R] = Rn;
    v.hdr[C.L] = L;
    v.hdr[C.D] = D;

    // Capacity rows. Nodes usually share their resource names (check.ts), so the columns of a
    // names list are looked up once per run of nodes that share it.
    const free = v.f64(C.FREE, N * Rn);
    const alloc = v.f64(C.ALLOC, N * Rn);
    alloc.fill(0); // wasm memory is reused: nothing in a fresh arena is zero
    const aCols = new Columns(this.resourceIndex);
    const uCols = new Columns(this.resourceIndex);
    for (let x = 0; x < N; x++) {
      const n = this.nodes[x] as CheckedNode;
      const row = x * Rn;
      const a = n.allocatable;
      const ac = aCols.of(a.names);
      for (let j = 0; j < ac.length; j++) {
        const r = ac[j] as number;
        if (r >= 0) alloc[row + r] = a.values[j] as number;
      }
    }
    // free = allocatable - allocated, for every encoded resource (absent: 0).
    free.set(alloc);
    const flags = v.i32(C.FLAGS, N);
    for (let x = 0; x < N; x++) {
      const n = this.nodes[x] as CheckedNode;
      flags[x] = n.unschedulable ? FLAG_CORDONED : 0;
      const u = n.allocated;
      if (u.names.length === 0) continue;
      const uc = uCols.of(u.names);
      for (let j = 0; j < uc.length; j++) {
        const r = uc[j] as number;
        if (r >= 0) free[x * Rn + r] = (alloc[x * Rn + r] as number) - (u.values[j] as number);
      }
    }
    const rank = v.i32(C.RANK, N);
    for (let x = 0; x < N; x++) {
      const i = order === null ? x : (order[x] as number);
      rank[x] = nameRank === null ? i : (nameRank[i] as number);
    }
    v.i32(C.NODEDOM, N * L).set(nodeDom);
    v.i32(C.DOMSTART, D).set(domStart.subarray(0, D));
    v.i32(C.DOMEND, D).set(domEnd.subarray(0, D));
    v.i32(C.DOMLEVEL, D).set(domLevel.subarray(0, D));
    v.i32(C.LEVELDOM, L + 1).set(levelDom);

    const labOff = v.i32(C.LABOFF, N + 1);
    const taintOff = v.i32(C.TAINTOFF, N + 1);
    const taintKey = v.i32(C.TAINTKEY, nTaints);
    const taintVal = v.i32(C.TAINTVAL, nTaints);
    const taintEff = v.i32(C.TAINTEFF, nTaints);
    // With labels, node names have the ids 0..N-1 in name order (a name is a label value of
    // matchFields, and often of the host level too).
    let sortedNames: string[] = [];
    if (this.labels) {
      sortedNames = new Array<string>(N);
      for (let x = 0; x < N; x++) sortedNames[rank[x] as number] = (this.nodes[x] as CheckedNode).name;
    }
    this.dict = new Dict(null, sortedNames);
    const dict = this.dict;
    let ti = 0;
    for (let x = 0; x < N; x++) {
      taintOff[x] = ti;
      const taints = (this.nodes[x] as CheckedNode).taints;
      for (let j = 0; j < taints.length; j++) {
        const t = taints[j] as CheckedNode["taints"][number];
        taintKey[ti] = dict.id(t.key);
        taintVal[ti] = dict.id(t.value);
        taintEff[ti] = t.effect === "NoSchedule" ? 1 : 2;
        ti++;
      }
    }
    taintOff[N] = ti;
    if (!this.labels) {
      labOff.fill(0);
      return;
    }
    const labKey = v.i32(C.LABKEY, nLabels);
    const labVal = v.i32(C.LABVAL, nLabels);
    const labNum = v.f64(C.LABNUM, nLabels);
    // Consecutive nodes mostly carry the same keys and many of the same values (block, rack):
    // the previous node's i-th label is compared first, and the dictionary asked only on a change.
    const prevKey: string[] = [];
    const prevVal: string[] = [];
    const prevKeyId: number[] = [];
    const prevValId: number[] = [];
    const prevNum: number[] = [];
    let li = 0;
    const nameKey = dict.id(NAME_LABEL);
    for (let x = 0; x < N; x++) {
      const n = this.nodes[x] as CheckedNode;
      labOff[x] = li;
      const nameId = rank[x] as number;
      const nameNum = isInteger(n.name) ? Number(n.name) : Number.NaN;
      const labels = n.labels;
      let j = 0;
      for (const k in labels) {
        const val = labels[k] as string;
        if (prevKey[j] !== k) {
          prevKey[j] = k;
          prevKeyId[j] = dict.id(k);
        }
        if (prevVal[j] !== val) {
          prevVal[j] = val;
          const same = val === n.name;
          prevValId[j] = same ? nameId : dict.id(val);
          prevNum[j] = same ? nameNum : isInteger(val) ? Number(val) : Number.NaN;
        }
        labKey[li] = prevKeyId[j] as number;
        labVal[li] = prevValId[j] as number;
        labNum[li] = prevNum[j] as number;
        li++;
        j++;
      }
      labKey[li] = nameKey;
      labVal[li] = nameId;
      labNum[li] = nameNum;
      li++;
    }
    labOff[N] = li;
  }

  views(): ArenaViews {
    return new ArenaViews(this.region.buffer(), this.region.base, C.HEADER);
  }

  /** Encoded position of a node by name (built on first use: one-shot solves never need it). */
  indexOf(name: string): number | undefined {
    if (this.nameIndex === null) {
      this.nameIndex = new Map();
      for (let i = 0; i < this.nodes.length; i++) this.nameIndex.set((this.nodes[i] as CheckedNode).name, i);
    }
    return this.nameIndex.get(name);
  }

  setFlag(x: number, flag: number, on: boolean): void {
    const f = this.views().i32(C.FLAGS, this.nodes.length);
    f[x] = on ? (f[x] as number) | flag : (f[x] as number) & ~flag;
  }

  private freeView: Float64Array | null = null;

  /** The FREE rows, viewed again only when the memory under them moved (a wasm memory grow). */
  private free(): Float64Array {
    const buf = this.region.buffer();
    if (this.freeView === null || this.freeView.buffer !== buf)
      this.freeView = this.views().f64(C.FREE, this.nodes.length * this.resources.length);
    return this.freeView;
  }

  /** Adds `sign` times the amounts to the node's free capacity (bind: -1, free: +1). */
  adjustFree(x: number, amounts: Quantities, pods: number, sign: number): void {
    const Rn = this.resources.length;
    const free = this.free();
    free[x * Rn] = (free[x * Rn] as number) + sign * pods * 1000;
    for (let j = 0; j < amounts.names.length; j++) {
      const r = this.resourceIndex.get(amounts.names[j] as string);
      if (r === undefined || r === 0) continue;
      free[x * Rn + r] = (free[x * Rn + r] as number) + sign * (amounts.values[j] as number) * pods;
    }
  }
}

export { FLAG_CORDONED, FLAG_REMOVED };

/** What a tree node of the call stands for, to word reasons. */
export interface TreeInfo {
  kind: "gang" | "sub-group" | "group";
  name: string;
  required: number;
  preferred: number;
}

const TOL_EFFECT: Record<string, number> = { "": 0, NoSchedule: 1, NoExecute: 2, PreferNoSchedule: 3 };
const OPS: Record<string, number> = { In: 0, NotIn: 1, Exists: 2, DoesNotExist: 3, Gt: 4, Lt: 5 };

/** One place() call: gangs, shapes, scratch and outputs, sized for `cluster`. Written in two passes
 * (count, then write straight into the arena) because a call can carry thousands of gangs. */
export class CallEncoding {
  readonly region: Region;
  /** First pod slot of every group, gang by gang. */
  readonly groupSlot: Int32Array;
  /** First group of every gang. */
  readonly groupFirst: Int32Array;
  /** First tree node of every gang: the gang, then its sub-groups, then its groups. */
  private readonly treeFirst: Int32Array;
  readonly pods: number;

  constructor(
    readonly cluster: ClusterEncoding,
    readonly gangs: CheckedGang[],
    spread: boolean,
    allocator: Allocator,
  ) {
    const dict = new Dict(cluster.dict);
    const Rn = cluster.resources.length;
    const N = cluster.nodes.length;
    const D = cluster.domainCount;
    const K = gangs.length;

    // Pass 1: sizes, and the distinct group shapes.
    const shapes = new Map<string, number>();
    const shapeOf: CheckedGang["groups"][number][] = [];
    let G = 0;
    let T = 0;
    let pods = 0;
    let nTol = 0;
    let nSel = 0;
    let nTerm = 0;
    let nExpr = 0;
    let nVal = 0;
    this.groupFirst = new Int32Array(K + 1);
    this.treeFirst = new Int32Array(K + 1);
    let groups = 0;
    for (let k = 0; k < K; k++) groups += (gangs[k] as CheckedGang).groups.length;
    // Shape of every group; consecutive groups mostly share one, so the last is compared first.
    const groupShape = shapeScratch.take(groups);
    let lastKey: string | null = null;
    let lastShape = -1;
    for (let k = 0; k < K; k++) {
      const gang = gangs[k] as CheckedGang;
      this.groupFirst[k] = G;
      this.treeFirst[k] = T;
      T += 1 + gang.subGroups.length + gang.groups.length;
      for (let i = 0; i < gang.groups.length; i++) {
        const g = gang.groups[i] as CheckedGroup;
        pods += g.count;
        if (g.shapeKey !== lastKey) {
          lastKey = g.shapeKey;
          lastShape = shapes.get(g.shapeKey) ?? -1;
          if (lastShape < 0) {
            if (!cluster.labels && (g.nodeSelector.length > 0 || g.terms !== null))
              throw new Error("a group filters by labels but the cluster was encoded without them");
            lastShape = shapeOf.length;
            shapes.set(g.shapeKey, lastShape);
            shapeOf.push(g);
            nTol += g.tolerations.length;
            nSel += g.nodeSelector.length;
            for (const term of g.terms ?? []) {
              nTerm++;
              nExpr += term.length;
              for (const e of term) nVal += e.values.length;
            }
          }
        }
        groupShape[G++] = lastShape;
      }
    }
    this.groupFirst[K] = G;
    this.treeFirst[K] = T;
    this.pods = pods;
    const S = shapeOf.length;

    const i32 = (slot: number, length: number): Section => ({ slot, kind: "i32", length });
    const f64 = (slot: number, length: number): Section => ({ slot, kind: "f64", length });
    const p = plan(P.HEADER, [
      i32(P.GANGORDER, K),
      i32(P.GANGROOT, K),
      i32(P.GANGGRP, K + 1),
      i32(P.GCOUNT, G),
      i32(P.GMIN, G),
      i32(P.GSHAPE, G),
      i32(P.GTREE, G),
      i32(P.GSLOT, G),
      f64(P.GREQ, G * Rn),
      i32(P.TREQ, T),
      i32(P.TPREF, T),
      i32(P.TPARENT, T),
      i32(P.TCHOFF, T + 1),
      i32(P.TCHILD, T),
      i32(P.TGROUP, T),
      i32(P.TOLOFF, S + 1),
      i32(P.TOLKEY, nTol),
      i32(P.TOLOP, nTol),
      i32(P.TOLVAL, nTol),
      i32(P.TOLEFF, nTol),
      i32(P.SELOFF, S + 1),
      i32(P.SELKEY, nSel),
      i32(P.SELVAL, nSel),
      i32(P.TERMOFF, S + 1),
      i32(P.SAFF, S),
      i32(P.EXPROFF, nTerm + 1),
      i32(P.EXPRKEY, nExpr),
      i32(P.EXPROP, nExpr),
      i32(P.EXPRVOFF, nExpr + 1),
      i32(P.EXPRVAL, nVal),
      f64(P.EXPRNUM, nExpr),
      f64(P.WFREE, N * Rn),
      f64(P.WDOM, D * Rn),
      { slot: P.ELIG, kind: "u8", length: S * N },
      i32(P.UNDO, 2 * pods),
      f64(P.TDEMAND, T * Rn),
      f64(P.TFULL, T * Rn),
      i32(P.TNEED, T),
      i32(P.TDOM, T),
      i32(P.CID, DEPTH * (D + 1)),
      f64(P.CKEY, DEPTH * (D + 1)),
      i32(P.HID, N),
      f64(P.HKEY, N),
      f64(P.CAPT, Rn),
      i32(P.GPLACED, G),
      i32(P.ELIGCOUNT, S),
      i32(P.PODNODE, pods),
      i32(P.GANGOK, K),
      i32(P.REASON, K * REASON_SLOTS),
      i32(P.STATS, 8),
      i32(P.SAVE, pods),
      i32(P.GSAVE, G),
      i32(P.TSAVE, T),
      i32(P.RCAND, D + 1),
      f64(P.RKEY, D + 1),
      i32(P.VICTIM, K),
      i32(P.RSAVE, REASON_SLOTS),
      i32(P.MSAVE, G),
    ]);
    this.region = allocator.alloc(p.bytes);
    const v = this.views();
    writeHeader(v, p);
    v.hdr[P.K] = K;
    v.hdr[P.G] = G;
    v.hdr[P.T] = T;
    v.hdr[P.S] = S;
    v.hdr[P.PODS] = pods;
    v.hdr[P.SPREAD] = spread ? 1 : 0;

    // Pass 2: gangs, groups and the tree, straight into the arena.
    const gangOrder = v.i32(P.GANGORDER, K);
    const gangRoot = v.i32(P.GANGROOT, K);
    const gCount = v.i32(P.GCOUNT, G);
    const gMin = v.i32(P.GMIN, G);
    const gShape = v.i32(P.GSHAPE, G);
    const gTree = v.i32(P.GTREE, G);
    const gReq = v.f64(P.GREQ, G * Rn);
    gReq.fill(0); // wasm memory is reused: nothing in a fresh arena is zero
    const tReq = v.i32(P.TREQ, T);
    const tPref = v.i32(P.TPREF, T);
    const tParent = v.i32(P.TPARENT, T);
    const tChOff = v.i32(P.TCHOFF, T + 1);
    const tChild = v.i32(P.TCHILD, T);
    const tGroup = v.i32(P.TGROUP, T);
    v.i32(P.GANGGRP, K + 1).set(this.groupFirst);
    this.groupSlot = v.i32(P.GSLOT, G).slice();
    let slot = 0;
    let nChild = 0;
    const reqCols = new Columns(cluster.resourceIndex);
    for (let k = 0; k < K; k++) {
      const gang = gangs[k] as CheckedGang;
      const g0 = this.groupFirst[k] as number;
      const root = this.treeFirst[k] as number;
      const nSub = gang.subGroups.length;
      const nGroups = gang.groups.length;
      gangOrder[k] = k;
      gangRoot[k] = root;
      // Each tree node's children are listed right after its own entry in tChild order:
      // root -> sub-groups and free groups; sub-group -> its groups; groups -> none.
      tReq[root] = gang.constraint.required;
      tPref[root] = gang.constraint.preferred;
      tParent[root] = -1;
      tGroup[root] = -1;
      tChOff[root] = nChild;
      for (let s = 0; s < nSub; s++) tChild[nChild++] = root + 1 + s;
      for (let gi = 0; gi < nGroups; gi++)
        if (nSub === 0 || parentOf(gang, root, gi) === root) tChild[nChild++] = root + 1 + nSub + gi;
      for (let s = 0; s < nSub; s++) {
        const sg = gang.subGroups[s] as CheckedGang["subGroups"][number];
        const t = root + 1 + s;
        tReq[t] = sg.constraint.required;
        tPref[t] = sg.constraint.preferred;
        tParent[t] = root;
        tGroup[t] = -1;
        tChOff[t] = nChild;
        for (const gi of sg.groups) tChild[nChild++] = root + 1 + nSub + gi;
      }
      for (let gi = 0; gi < nGroups; gi++) {
        const g = gang.groups[gi] as CheckedGang["groups"][number];
        const gIndex = g0 + gi;
        const t = root + 1 + nSub + gi;
        tReq[t] = g.constraint.required;
        tPref[t] = g.constraint.preferred;
        tParent[t] = nSub === 0 ? root : parentOf(gang, root, gi);
        tGroup[t] = gIndex;
        tChOff[t] = nChild;
        gShape[gIndex] = groupShape[gIndex] as number;
        gCount[gIndex] = g.count;
        gMin[gIndex] = g.minCount;
        gTree[gIndex] = t;
        this.groupSlot[gIndex] = slot;
        slot += g.count;
        gReq[gIndex * Rn] = 1000;
        const req = g.requests;
        const rc = reqCols.of(req.names);
        for (let j = 0; j < rc.length; j++) {
          const r = rc[j] as number;
          if (r < 0) throw new Error(`resource ${req.names[j]} is not encoded in the cluster`);
          gReq[gIndex * Rn + r] = req.values[j] as number;
        }
      }
    }
    tChOff[T] = nChild;
    v.i32(P.GSLOT, G).set(this.groupSlot);
    // Higher priority first, then input order.
    if (gangs.some((g) => g.priority !== 0)) {
      const order = Array.from(gangOrder).sort(
        (a, b) => (gangs[b]?.priority ?? 0) - (gangs[a]?.priority ?? 0) || a - b,
      );
      gangOrder.set(order);
    }

    // Shapes: tolerations, selector, affinity terms.
    const tolOff = v.i32(P.TOLOFF, S + 1);
    const tolKey = v.i32(P.TOLKEY, nTol);
    const tolOp = v.i32(P.TOLOP, nTol);
    const tolVal = v.i32(P.TOLVAL, nTol);
    const tolEff = v.i32(P.TOLEFF, nTol);
    const selOff = v.i32(P.SELOFF, S + 1);
    const selKey = v.i32(P.SELKEY, nSel);
    const selVal = v.i32(P.SELVAL, nSel);
    const termOff = v.i32(P.TERMOFF, S + 1);
    const sAff = v.i32(P.SAFF, S);
    const exprOff = v.i32(P.EXPROFF, nTerm + 1);
    const exprKey = v.i32(P.EXPRKEY, nExpr);
    const exprOp = v.i32(P.EXPROP, nExpr);
    const exprVOff = v.i32(P.EXPRVOFF, nExpr + 1);
    const exprVal = v.i32(P.EXPRVAL, nVal);
    const exprNum = v.f64(P.EXPRNUM, nExpr);
    let it = 0;
    let is = 0;
    let iterm = 0;
    let ie = 0;
    let iv = 0;
    for (let s = 0; s < S; s++) {
      const g = shapeOf[s] as CheckedGang["groups"][number];
      tolOff[s] = it;
      for (const t of g.tolerations) {
        tolKey[it] = t.key === "" ? -1 : dict.id(t.key);
        tolOp[it] = t.exists ? 1 : 0;
        tolVal[it] = dict.id(t.value);
        tolEff[it] = TOL_EFFECT[t.effect] ?? 0;
        it++;
      }
      selOff[s] = is;
      for (const [k, val] of g.nodeSelector) {
        selKey[is] = dict.id(k);
        selVal[is] = dict.id(val);
        is++;
      }
      termOff[s] = iterm;
      sAff[s] = g.terms ? 1 : 0;
      for (const term of g.terms ?? []) {
        exprOff[iterm++] = ie;
        for (const e of term) {
          exprKey[ie] = dict.id(e.key);
          exprOp[ie] = OPS[e.op] as number;
          exprVOff[ie] = iv;
          for (const val of e.values) exprVal[iv++] = dict.id(val);
          exprNum[ie] = e.num;
          ie++;
        }
      }
    }
    tolOff[S] = it;
    selOff[S] = is;
    termOff[S] = iterm;
    exprOff[nTerm] = ie;
    exprVOff[nExpr] = iv;
  }

  views(): ArenaViews {
    return new ArenaViews(this.region.buffer(), this.region.base, P.HEADER);
  }

  /** What tree node t stands for, to word reasons. */
  treeInfo(t: number): TreeInfo {
    let lo = 0;
    let hi = this.gangs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.treeFirst[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    const gang = this.gangs[lo] as CheckedGang;
    const o = t - (this.treeFirst[lo] as number);
    if (o === 0) return { kind: "gang", name: gang.name, ...gang.constraint };
    if (o <= gang.subGroups.length) {
      const sg = gang.subGroups[o - 1] as CheckedGang["subGroups"][number];
      return { kind: "sub-group", name: sg.name, ...sg.constraint };
    }
    const g = gang.groups[o - 1 - gang.subGroups.length] as CheckedGang["groups"][number];
    return { kind: "group", name: g.name, ...g.constraint };
  }
}
