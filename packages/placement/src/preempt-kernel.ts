// The numeric core of preempt() (README "Preemption"): per-domain aggregates and the order domains
// are tried in. The twin of assembly/assembly/preempt.ts (the wasm engine runs that one, the js
// engine this one); keep both in step, test/placement/preempt-parity.test.ts compares them. Reads
// the cluster arena (layout.ts C) and a preemption arena (Q below); writes results into the latter.
//
// 1. base[d][j]: free capacity of the asked resource j on the usable nodes of domain d of level L
//    (the whole cluster: one domain), a node's negative free counting 0; only nodes X0..X1 are
//    read (the caller's range: every node, or the domains it recomputes);
// 2. an entry per (candidate, domain): what the candidate's pods on usable nodes there free; its
//    size, the share of the gang's minimum it frees (resources but pods; pods alone if only asked);
// 3. per domain its entries sorted (domains whose entries all together fall short are skipped):
//    lowest priority, then largest size, fewest pods, input order;
// 4. per domain the shortest prefix (at least 1) whose sum covers the minimum, and a lower bound of
//    any covering set: (priority of the prefix's last, victims needed for the resource shortest in
//    share of the minimum, largest first);
// 5. those plans sorted by (bound priority, bound count, domain).
import { C, FLAG_CORDONED, FLAG_REMOVED } from "./layout.js";

/** The preemption arena: header slots (counts or byte offsets), as in layout.ts. */
export const Q = {
  K: 0, // candidates
  P: 1, // rows of candidate pods on known nodes (pods of a candidate on one node asking alike)
  R: 2, // asked resources (pods first)
  L: 3, // level of the domains, -1: the whole cluster
  S: 4, // request shapes
  DOMS: 5, // domains of level L (1 for the whole cluster)
  D0: 6, // id of the first of them in the cluster arena
  E: 7, // out: entries
  M: 8, // out: plans
  RES: 9, // i32 R: encoded resource index
  NEED: 10, // f64 R: the gang's minimum
  PRIO: 11, // f64 K
  CPODS: 12, // i32 K: pods of each candidate
  PODOFF: 13, // i32 K+1
  PODNODE: 14, // i32 P: node of each pod
  PODSHAPE: 15, // i32 P
  AMOUNTS: 16, // f64 S*R: what one pod of each shape frees
  BASE: 17, // out f64 DOMS*R
  ENTCAND: 18, // out i32 P
  ENTDOM: 19, // out i32 P
  ENTVEC: 20, // out f64 P*R
  ENTSIZE: 21, // out f64 P
  DOMOFF: 22, // out i32 DOMS+1
  DOMENT: 23, // out i32 P: entries by domain, each domain's sorted
  PLAND: 24, // out i32 DOMS: domain of each plan
  PLANPREFIX: 25, // out i32 DOMS
  PLANPRIO: 26, // out f64 DOMS
  PLANCOUNT: 27, // out i32 DOMS
  ORDER: 28, // out i32 DOMS: plans in the order to try
  SUM: 29, // scratch f64 R
  FREES: 30, // scratch f64 P
  PODCOUNT: 31, // i32 P: pods each row stands for
  X0: 32, // first node step 1 reads (free capacity per domain) ...
  X1: 33, // ... and the end: a domain with no node in the range gets base 0
  HEADER: 34,
} as const;

export class PreemptKernel {
  private prio = new Float64Array(0);
  private cpods = new Int32Array(0);
  private entCand = new Int32Array(0);
  private entSize = new Float64Array(0);
  private planD = new Int32Array(0);
  private planPrio = new Float64Array(0);
  private planCount = new Int32Array(0);

  run(cBuf: ArrayBuffer, cBase: number, qBuf: ArrayBuffer, qBase: number): void {
    const ch = new Int32Array(cBuf, cBase, C.HEADER);
    const ci = (slot: number, n: number) => new Int32Array(cBuf, cBase + (ch[slot] as number), n);
    const cf = (slot: number, n: number) => new Float64Array(cBuf, cBase + (ch[slot] as number), n);
    const q = new Int32Array(qBuf, qBase, Q.HEADER);
    const qi = (slot: number, n: number) => new Int32Array(qBuf, qBase + (q[slot] as number), n);
    const qf = (slot: number, n: number) => new Float64Array(qBuf, qBase + (q[slot] as number), n);
    const N = ch[C.N] as number;
    const Rn = ch[C.R] as number;
    const Lc = ch[C.L] as number;
    const K = q[Q.K] as number;
    const P = q[Q.P] as number;
    const R = q[Q.R] as number;
    const L = q[Q.L] as number;
    const S = q[Q.S] as number;
    const DOMS = q[Q.DOMS] as number;
    const D0 = q[Q.D0] as number;
    const free = cf(C.FREE, N * Rn);
    const flags = ci(C.FLAGS, N);
    const nodeDom = ci(C.NODEDOM, N * Lc);
    const res = qi(Q.RES, R);
    const need = qf(Q.NEED, R);
    this.prio = qf(Q.PRIO, K);
    this.cpods = qi(Q.CPODS, K);
    const podOff = qi(Q.PODOFF, K + 1);
    const podNode = qi(Q.PODNODE, P);
    const podShape = qi(Q.PODSHAPE, P);
    const podCount = qi(Q.PODCOUNT, P);
    const amounts = qf(Q.AMOUNTS, S * R);
    const base = qf(Q.BASE, DOMS * R);
    this.entCand = qi(Q.ENTCAND, P);
    const entDom = qi(Q.ENTDOM, P);
    const entVec = qf(Q.ENTVEC, P * R);
    this.entSize = qf(Q.ENTSIZE, P);
    const domOff = qi(Q.DOMOFF, DOMS + 1);
    const domEnt = qi(Q.DOMENT, P);
    this.planD = qi(Q.PLAND, DOMS);
    const planPrefix = qi(Q.PLANPREFIX, DOMS);
    this.planPrio = qf(Q.PLANPRIO, DOMS);
    this.planCount = qi(Q.PLANCOUNT, DOMS);
    const order = qi(Q.ORDER, DOMS);
    const sum = qf(Q.SUM, R);
    const frees = qf(Q.FREES, P);
    const entCand = this.entCand;
    const unusable = FLAG_CORDONED | FLAG_REMOVED;

    // 1. free capacity per domain (of the nodes X0..X1)
    base.fill(0);
    const X1 = Math.min(N, q[Q.X1] as number);
    for (let x = q[Q.X0] as number; x < X1; x++) {
      if (((flags[x] as number) & unusable) !== 0) continue;
      const d = L < 0 ? 0 : (nodeDom[x * Lc + L] as number) - D0;
      if (L >= 0 && (nodeDom[x * Lc + L] as number) < 0) continue;
      for (let j = 0; j < R; j++) {
        const f = free[x * Rn + (res[j] as number)] as number;
        if (f > 0) base[d * R + j] = (base[d * R + j] as number) + f;
      }
    }
    // 2. entries
    let E = 0;
    for (let k = 0; k < K; k++) {
      const first = E;
      for (let p = podOff[k] as number; p < (podOff[k + 1] as number); p++) {
        const x = podNode[p] as number;
        if (((flags[x] as number) & unusable) !== 0) continue;
        if (L >= 0 && (nodeDom[x * Lc + L] as number) < 0) continue;
        const d = L < 0 ? 0 : (nodeDom[x * Lc + L] as number) - D0;
        let e = first;
        while (e < E && entDom[e] !== d) e++;
        if (e === E) {
          entCand[E] = k;
          entDom[E] = d;
          for (let j = 0; j < R; j++) entVec[E * R + j] = 0;
          E++;
        }
        const s = podShape[p] as number;
        const n = podCount[p] as number;
        for (let j = 0; j < R; j++)
          entVec[e * R + j] = (entVec[e * R + j] as number) + (amounts[s * R + j] as number) * n;
      }
    }
    q[Q.E] = E;
    const from = R > 1 ? 1 : 0;
    for (let e = 0; e < E; e++) {
      let size = 0;
      for (let j = from; j < R; j++) {
        const n = need[j] as number;
        if (n > 0) size += Math.min(entVec[e * R + j] as number, n) / n;
      }
      this.entSize[e] = size;
    }
    // 3. entries by domain (counting sort); each domain is sorted in 4 if it can cover the minimum
    domOff.fill(0);
    for (let e = 0; e < E; e++)
      domOff[(entDom[e] as number) + 1] = (domOff[(entDom[e] as number) + 1] as number) + 1;
    for (let d = 0; d < DOMS; d++) domOff[d + 1] = (domOff[d + 1] as number) + (domOff[d] as number);
    for (let d = 0; d < DOMS; d++) order[d] = domOff[d] as number;
    for (let e = 0; e < E; e++) {
      const d = entDom[e] as number;
      domEnt[order[d] as number] = e;
      order[d] = (order[d] as number) + 1;
    }
    // 4. plans
    let M = 0;
    for (let d = 0; d < DOMS; d++) {
      const a = domOff[d] as number;
      const b = domOff[d + 1] as number;
      if (a === b) continue;
      // A domain whose candidates all together do not cover the minimum gets no plan (and no sort).
      for (let j = 0; j < R; j++) sum[j] = base[d * R + j] as number;
      for (let i = a; i < b; i++) {
        const e = domEnt[i] as number;
        for (let j = 0; j < R; j++) sum[j] = (sum[j] as number) + (entVec[e * R + j] as number);
      }
      let all = true;
      for (let j = 0; j < R; j++) if ((sum[j] as number) < (need[j] as number)) all = false;
      if (!all) continue;
      this.sortEntries(domEnt, a, b);
      for (let j = 0; j < R; j++) sum[j] = base[d * R + j] as number;
      let k = 0;
      let short = true;
      while (a + k < b && (k === 0 || short)) {
        const e = domEnt[a + k] as number;
        for (let j = 0; j < R; j++) sum[j] = (sum[j] as number) + (entVec[e * R + j] as number);
        k++;
        short = false;
        for (let j = 0; j < R; j++) if ((sum[j] as number) < (need[j] as number)) short = true;
      }
      if (short) continue;
      // Victims needed at least, for the resource shortest in share of the minimum (largest
      // frees first): one sort per domain, not one per resource.
      let count = 1;
      let shortest = -1;
      let worst = 0;
      for (let j = 0; j < R; j++) {
        const missing = (need[j] as number) - (base[d * R + j] as number);
        if (missing > 0 && missing / (need[j] as number) > worst) {
          worst = missing / (need[j] as number);
          shortest = j;
        }
      }
      if (shortest >= 0) {
        let missing = (need[shortest] as number) - (base[d * R + shortest] as number);
        for (let i = a; i < b; i++) frees[i - a] = entVec[(domEnt[i] as number) * R + shortest] as number;
        sortDescending(frees, b - a);
        let n = 0;
        while (missing > 0 && n < b - a) {
          missing -= frees[n] as number;
          n++;
        }
        if (n > count) count = n;
      }
      this.planD[M] = d;
      planPrefix[M] = k;
      this.planPrio[M] = this.prio[entCand[domEnt[a + k - 1] as number] as number] as number;
      this.planCount[M] = count;
      M++;
    }
    q[Q.M] = M;
    // 5. plans in order
    for (let m = 0; m < M; m++) order[m] = m;
    this.sortPlans(order, M);
  }

  /** Entry a before entry b: lower priority, larger size, fewer pods, earlier candidate. */
  private entBefore(a: number, b: number): boolean {
    const ka = this.entCand[a] as number;
    const kb = this.entCand[b] as number;
    const pa = this.prio[ka] as number;
    const pb = this.prio[kb] as number;
    if (pa !== pb) return pa < pb;
    const sa = this.entSize[a] as number;
    const sb = this.entSize[b] as number;
    if (sa !== sb) return sa > sb;
    const na = this.cpods[ka] as number;
    const nb = this.cpods[kb] as number;
    if (na !== nb) return na < nb;
    return ka < kb;
  }

  private planBefore(a: number, b: number): boolean {
    const pa = this.planPrio[a] as number;
    const pb = this.planPrio[b] as number;
    if (pa !== pb) return pa < pb;
    const ca = this.planCount[a] as number;
    const cb = this.planCount[b] as number;
    if (ca !== cb) return ca < cb;
    return (this.planD[a] as number) < (this.planD[b] as number);
  }

  /** Sorts ids[a..b) by entBefore (a total order: any sort gives the same result): insertion
   * sort for the short lists of a domain, heap sort for long ones. */
  private sortEntries(ids: Int32Array, a: number, b: number): void {
    const n = b - a;
    if (n <= 32) {
      for (let i = a + 1; i < b; i++) {
        const v = ids[i] as number;
        let j = i - 1;
        while (j >= a && this.entBefore(v, ids[j] as number)) {
          ids[j + 1] = ids[j] as number;
          j--;
        }
        ids[j + 1] = v;
      }
      return;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftEntries(ids, a, i, n);
    for (let end = n - 1; end > 0; end--) {
      const t = ids[a] as number;
      ids[a] = ids[a + end] as number;
      ids[a + end] = t;
      this.siftEntries(ids, a, 0, end);
    }
  }

  private siftEntries(ids: Int32Array, a: number, i: number, n: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this.entBefore(ids[a + m] as number, ids[a + l + 1] as number)) m = l + 1;
      if (!this.entBefore(ids[a + i] as number, ids[a + m] as number)) return;
      const t = ids[a + i] as number;
      ids[a + i] = ids[a + m] as number;
      ids[a + m] = t;
      i = m;
    }
  }

  private sortPlans(ids: Int32Array, n: number): void {
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftPlans(ids, i, n);
    for (let end = n - 1; end > 0; end--) {
      const t = ids[0] as number;
      ids[0] = ids[end] as number;
      ids[end] = t;
      this.siftPlans(ids, 0, end);
    }
  }

  private siftPlans(ids: Int32Array, i: number, n: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this.planBefore(ids[m] as number, ids[l + 1] as number)) m = l + 1;
      if (!this.planBefore(ids[i] as number, ids[m] as number)) return;
      const t = ids[i] as number;
      ids[i] = ids[m] as number;
      ids[m] = t;
      i = m;
    }
  }
}

/** Sorts v[0..n) from largest to smallest (insertion sort up to 32 values, else heap sort). */
function sortDescending(v: Float64Array, n: number): void {
  if (n <= 32) {
    for (let i = 1; i < n; i++) {
      const x = v[i] as number;
      let j = i - 1;
      while (j >= 0 && (v[j] as number) < x) {
        v[j + 1] = v[j] as number;
        j--;
      }
      v[j + 1] = x;
    }
    return;
  }
  const sift = (i0: number, m: number) => {
    let i = i0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= m) return;
      let c = l;
      if (l + 1 < m && (v[l + 1] as number) < (v[c] as number)) c = l + 1;
      if ((v[i] as number) <= (v[c] as number)) return;
      const t = v[i] as number;
      v[i] = v[c] as number;
      v[c] = t;
      i = c;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) sift(i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = v[0] as number;
    v[0] = v[end] as number;
    v[end] = t;
    sift(0, end);
  }
}
