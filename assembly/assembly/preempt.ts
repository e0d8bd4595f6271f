// The preemption kernel in AssemblyScript: the twin of packages/placement/src/preempt-kernel.ts,
// which documents the steps and the preemption arena (Q). Keep both in step (the parity suite in
// test/placement/preempt-parity.test.ts compares them).
import { C_FLAGS, C_FREE, C_L, C_N, C_NODEDOM, C_R, FLAG_CORDONED, FLAG_REMOVED } from "./layout";
import { gf, gi, sf, si } from "./mem";

const Q_K: i32 = 0;
const Q_R: i32 = 2;
const Q_L: i32 = 3;
const Q_DOMS: i32 = 5;
const Q_D0: i32 = 6;
const Q_E: i32 = 7;
const Q_M: i32 = 8;
const Q_RES: i32 = 9;
const Q_NEED: i32 = 10;
const Q_PRIO: i32 = 11;
const Q_CPODS: i32 = 12;
const Q_PODOFF: i32 = 13;
const Q_PODNODE: i32 = 14;
const Q_PODSHAPE: i32 = 15;
const Q_AMOUNTS: i32 = 16;
const Q_BASE: i32 = 17;
const Q_ENTCAND: i32 = 18;
const Q_ENTDOM: i32 = 19;
const Q_ENTVEC: i32 = 20;
const Q_ENTSIZE: i32 = 21;
const Q_DOMOFF: i32 = 22;
const Q_DOMENT: i32 = 23;
const Q_PLAND: i32 = 24;
const Q_PLANPREFIX: i32 = 25;
const Q_PLANPRIO: i32 = 26;
const Q_PLANCOUNT: i32 = 27;
const Q_ORDER: i32 = 28;
const Q_SUM: i32 = 29;
const Q_FREES: i32 = 30;
const Q_PODCOUNT: i32 = 31;
const Q_X0: i32 = 32;
const Q_X1: i32 = 33;

// What the comparators read.
let prio: usize = 0;
let cpods: usize = 0;
let entCand: usize = 0;
let entSize: usize = 0;
let planD: usize = 0;
let planPrio: usize = 0;
let planCount: usize = 0;

/** Entry a before entry b: lower priority, larger size, fewer pods, earlier candidate. */
function entBefore(a: i32, b: i32): bool {
  const ka = gi(entCand, a);
  const kb = gi(entCand, b);
  const pa = gf(prio, ka);
  const pb = gf(prio, kb);
  if (pa !== pb) return pa < pb;
  const sa = gf(entSize, a);
  const sb = gf(entSize, b);
  if (sa !== sb) return sa > sb;
  const na = gi(cpods, ka);
  const nb = gi(cpods, kb);
  if (na !== nb) return na < nb;
  return ka < kb;
}

function planBefore(a: i32, b: i32): bool {
  const pa = gf(planPrio, a);
  const pb = gf(planPrio, b);
  if (pa !== pb) return pa < pb;
  const ca = gi(planCount, a);
  const cb = gi(planCount, b);
  if (ca !== cb) return ca < cb;
  return gi(planD, a) < gi(planD, b);
}

function siftEntries(ids: usize, a: i32, i0: i32, n: i32): void {
  let i = i0;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let m = l;
    if (l + 1 < n && entBefore(gi(ids, a + m), gi(ids, a + l + 1))) m = l + 1;
    if (!entBefore(gi(ids, a + i), gi(ids, a + m))) return;
    const t = gi(ids, a + i);
    si(ids, a + i, gi(ids, a + m));
    si(ids, a + m, t);
    i = m;
  }
}

/** Insertion sort for the short lists of a domain, heap sort for long ones (as the TS twin). */
function sortEntries(ids: usize, a: i32, b: i32): void {
  const n = b - a;
  if (n <= 32) {
    for (let i = a + 1; i < b; i++) {
      const v = gi(ids, i);
      let j = i - 1;
      while (j >= a && entBefore(v, gi(ids, j))) {
        si(ids, j + 1, gi(ids, j));
        j--;
      }
      si(ids, j + 1, v);
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftEntries(ids, a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = gi(ids, a);
    si(ids, a, gi(ids, a + end));
    si(ids, a + end, t);
    siftEntries(ids, a, 0, end);
  }
}

function siftPlans(ids: usize, i0: i32, n: i32): void {
  let i = i0;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let m = l;
    if (l + 1 < n && planBefore(gi(ids, m), gi(ids, l + 1))) m = l + 1;
    if (!planBefore(gi(ids, i), gi(ids, m))) return;
    const t = gi(ids, i);
    si(ids, i, gi(ids, m));
    si(ids, m, t);
    i = m;
  }
}

function sortPlans(ids: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftPlans(ids, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = gi(ids, 0);
    si(ids, 0, gi(ids, end));
    si(ids, end, t);
    siftPlans(ids, 0, end);
  }
}

function siftDescending(v: usize, i0: i32, m: i32): void {
  let i = i0;
  while (true) {
    const l = 2 * i + 1;
    if (l >= m) return;
    let c = l;
    if (l + 1 < m && gf(v, l + 1) < gf(v, c)) c = l + 1;
    if (gf(v, i) <= gf(v, c)) return;
    const t = gf(v, i);
    sf(v, i, gf(v, c));
    sf(v, c, t);
    i = c;
  }
}

/** Sorts v[0..n) from largest to smallest (insertion sort up to 32 values, else heap sort). */
function sortDescending(v: usize, n: i32): void {
  if (n <= 32) {
    for (let i = 1; i < n; i++) {
      const x = gf(v, i);
      let j = i - 1;
      while (j >= 0 && gf(v, j) < x) {
        sf(v, j + 1, gf(v, j));
        j--;
      }
      sf(v, j + 1, x);
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDescending(v, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = gf(v, 0);
    sf(v, 0, gf(v, end));
    sf(v, end, t);
    siftDescending(v, 0, end);
  }
}

/** Runs the preemption kernel; 0 on success. */
export function preempt(c: usize, q: usize): i32 {
  const N = gi(c, C_N);
  const Rn = gi(c, C_R);
  const Lc = gi(c, C_L);
  const free = c + <usize>gi(c, C_FREE);
  const flags = c + <usize>gi(c, C_FLAGS);
  const nodeDom = c + <usize>gi(c, C_NODEDOM);
  const K = gi(q, Q_K);
  const R = gi(q, Q_R);
  const L = gi(q, Q_L);
  const DOMS = gi(q, Q_DOMS);
  const D0 = gi(q, Q_D0);
  const res = q + <usize>gi(q, Q_RES);
  const need = q + <usize>gi(q, Q_NEED);
  prio = q + <usize>gi(q, Q_PRIO);
  cpods = q + <usize>gi(q, Q_CPODS);
  const podOff = q + <usize>gi(q, Q_PODOFF);
  const podNode = q + <usize>gi(q, Q_PODNODE);
  const podShape = q + <usize>gi(q, Q_PODSHAPE);
  const podCount = q + <usize>gi(q, Q_PODCOUNT);
  const amounts = q + <usize>gi(q, Q_AMOUNTS);
  const base = q + <usize>gi(q, Q_BASE);
  entCand = q + <usize>gi(q, Q_ENTCAND);
  const entDom = q + <usize>gi(q, Q_ENTDOM);
  const entVec = q + <usize>gi(q, Q_ENTVEC);
  entSize = q + <usize>gi(q, Q_ENTSIZE);
  const domOff = q + <usize>gi(q, Q_DOMOFF);
  const domEnt = q + <usize>gi(q, Q_DOMENT);
  planD = q + <usize>gi(q, Q_PLAND);
  const planPrefix = q + <usize>gi(q, Q_PLANPREFIX);
  planPrio = q + <usize>gi(q, Q_PLANPRIO);
  planCount = q + <usize>gi(q, Q_PLANCOUNT);
  const order = q + <usize>gi(q, Q_ORDER);
  const sum = q + <usize>gi(q, Q_SUM);
  const frees = q + <usize>gi(q, Q_FREES);
  const unusable = FLAG_CORDONED | FLAG_REMOVED;

  // 1. free capacity per domain (of the nodes X0..X1)
  for (let i = 0; i < DOMS * R; i++) sf(base, i, 0);
  const X1 = min(N, gi(q, Q_X1));
  for (let x = gi(q, Q_X0); x < X1; x++) {
    if ((gi(flags, x) & unusable) !== 0) continue;
    if (L >= 0 && gi(nodeDom, x * Lc + L) < 0) continue;
    const d = L < 0 ? 0 : gi(nodeDom, x * Lc + L) - D0;
    for (let j = 0; j < R; j++) {
      const f = gf(free, x * Rn + gi(res, j));
      if (f > 0) sf(base, d * R + j, gf(base, d * R + j) + f);
    }
  }
  // 2. entries
  let E = 0;
  for (let k = 0; k < K; k++) {
    const first = E;
    const pEnd = gi(podOff, k + 1);
    for (let p = gi(podOff, k); p < pEnd; p++) {
      const x = gi(podNode, p);
      if ((gi(flags, x) & unusable) !== 0) continue;
      if (L >= 0 && gi(nodeDom, x * Lc + L) < 0) continue;
      const d = L < 0 ? 0 : gi(nodeDom, x * Lc + L) - D0;
      let e = first;
      while (e < E && gi(entDom, e) !== d) e++;
      if (e === E) {
        si(entCand, E, k);
        si(entDom, E, d);
        for (let j = 0; j < R; j++) sf(entVec, E * R + j, 0);
        E++;
      }
      const s = gi(podShape, p);
      const n = <f64>gi(podCount, p);
      for (let j = 0; j < R; j++) sf(entVec, e * R + j, gf(entVec, e * R + j) + gf(amounts, s * R + j) * n);
    }
  }
  si(q, Q_E, E);
  const from = R > 1 ? 1 : 0;
  for (let e = 0; e < E; e++) {
    let size: f64 = 0;
    for (let j = from; j < R; j++) {
      const n = gf(need, j);
      if (n > 0) size += Math.min(gf(entVec, e * R + j), n) / n;
    }
    sf(entSize, e, size);
  }
  // 3. entries by domain (counting sort); each domain is sorted in 4 if it can cover the minimum
  for (let d = 0; d <= DOMS; d++) si(domOff, d, 0);
  for (let e = 0; e < E; e++) si(domOff, gi(entDom, e) + 1, gi(domOff, gi(entDom, e) + 1) + 1);
  for (let d = 0; d < DOMS; d++) si(domOff, d + 1, gi(domOff, d + 1) + gi(domOff, d));
  for (let d = 0; d < DOMS; d++) si(order, d, gi(domOff, d));
  for (let e = 0; e < E; e++) {
    const d = gi(entDom, e);
    si(domEnt, gi(order, d), e);
    si(order, d, gi(order, d) + 1);
  }
  // 4. plans
  let M = 0;
  for (let d = 0; d < DOMS; d++) {
    const a = gi(domOff, d);
    const b = gi(domOff, d + 1);
    if (a === b) continue;
    // A domain whose candidates all together do not cover the minimum gets no plan (and no sort).
    for (let j = 0; j < R; j++) sf(sum, j, gf(base, d * R + j));
    for (let i = a; i < b; i++) {
      const e = gi(domEnt, i);
      for (let j = 0; j < R; j++) sf(sum, j, gf(sum, j) + gf(entVec, e * R + j));
    }
    let all = true;
    for (let j = 0; j < R; j++) if (gf(sum, j) < gf(need, j)) all = false;
    if (!all) continue;
    sortEntries(domEnt, a, b);
    for (let j = 0; j < R; j++) sf(sum, j, gf(base, d * R + j));
    let k = 0;
    let short = true;
    while (a + k < b && (k === 0 || short)) {
      const e = gi(domEnt, a + k);
      for (let j = 0; j < R; j++) sf(sum, j, gf(sum, j) + gf(entVec, e * R + j));
      k++;
      short = false;
      for (let j = 0; j < R; j++) if (gf(sum, j) < gf(need, j)) short = true;
    }
    if (short) continue;
    // Victims needed at least, for the resource shortest in share of the minimum.
    let count = 1;
    let shortest = -1;
    let worst: f64 = 0;
    for (let j = 0; j < R; j++) {
      const missing = gf(need, j) - gf(base, d * R + j);
      if (missing > 0 && missing / gf(need, j) > worst) {
        worst = missing / gf(need, j);
        shortest = j;
      }
    }
    if (shortest >= 0) {
      let missing = gf(need, shortest) - gf(base, d * R + shortest);
      for (let i = a; i < b; i++) sf(frees, i - a, gf(entVec, gi(domEnt, i) * R + shortest));
      sortDescending(frees, b - a);
      let n = 0;
      while (missing > 0 && n < b - a) {
        missing -= gf(frees, n);
        n++;
      }
      if (n > count) count = n;
    }
    si(planD, M, d);
    si(planPrefix, M, k);
    sf(planPrio, M, gf(prio, gi(entCand, gi(domEnt, a + k - 1))));
    si(planCount, M, count);
    M++;
  }
  si(q, Q_M, M);
  // 5. plans in order
  for (let m = 0; m < M; m++) si(order, m, m);
  sortPlans(order, M);
  return 0;
}
