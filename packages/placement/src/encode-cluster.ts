// Encodes the cluster side of the layout (layout.ts C): nodes in domain-path order, their domains,
// capacity, flags, labels and taints, with what the TS side needs to map indices back to names and
// to patch the arena in place (bind, free, cordon).
import { type CheckedLevel, type CheckedNode, NAME_LABEL, type Quantities } from "./check-types.js";
import { type Allocator, Columns, Dict, type Region, Scratch, strCmp } from "./encode-common.js";
import { doneWithLevels, levelValues, nameRanks, pathOrder } from "./encode-order.js";
import { ArenaViews, C, FLAG_CORDONED, plan, type Section, writeHeader } from "./layout.js";

/** Kubernetes' Gt/Lt read a label value as an integer. */
function isInteger(v: string): boolean {
  const c = v.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return false;
  return /^-?\d+$/.test(v);
}

/** The cluster encoder's temporaries (node domains, domain starts, ends and levels, path breaks). */
const scratch = [new Scratch(), new Scratch(), new Scratch(), new Scratch(), new Scratch()] as const;

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
    this.changed(x);
  }

  /** Nodes whose free capacity or flags changed since the last takeChanges(); null: more than listed. */
  private changes: number[] | null = [];

  private changed(x: number): void {
    if (this.changes === null) return;
    if (this.changes.length < 4096) this.changes.push(x);
    else this.changes = null;
  }

  /**
   * The nodes whose free capacity or flags changed since the last call (maybe repeated), or null
   * when too many did; starts a new list. One reader: the preemption aggregates (preempt-agg.ts).
   */
  takeChanges(): number[] | null {
    const c = this.changes;
    this.changes = [];
    return c;
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
    this.changed(x);
    free[x * Rn] = (free[x * Rn] as number) + sign * pods * 1000;
    for (let j = 0; j < amounts.names.length; j++) {
      const r = this.resourceIndex.get(amounts.names[j] as string);
      if (r === undefined || r === 0) continue;
      free[x * Rn + r] = (free[x * Rn + r] as number) + sign * (amounts.values[j] as number) * pods;
    }
  }
}
