// The placement kernel in AssemblyScript: the twin of packages/placement/src/engine-js.ts, which
// documents the algorithm. Arrays are addresses into the two arenas; keep both files in step (the
// parity suite in test/placement compares them on hundreds of random problems).
import {
  C_ALLOC,
  C_D,
  C_DOMEND,
  C_DOMLEVEL,
  C_DOMSTART,
  C_FLAGS,
  C_FREE,
  C_L,
  C_LABKEY,
  C_LABNUM,
  C_LABOFF,
  C_LABVAL,
  C_LEVELDOM,
  C_N,
  C_NODEDOM,
  C_R,
  C_RANK,
  C_TAINTEFF,
  C_TAINTKEY,
  C_TAINTOFF,
  C_TAINTVAL,
  FLAG_CORDONED,
  FLAG_REMOVED,
  P_CAPDOM,
  P_CAPGRP,
  P_CAPMAX,
  P_CAPT,
  P_CID,
  P_CKEY,
  P_DCAP,
  P_ELIG,
  P_ELIGCOUNT,
  P_EXPRKEY,
  P_EXPRNUM,
  P_EXPROFF,
  P_EXPROP,
  P_EXPRVAL,
  P_EXPRVOFF,
  P_G,
  P_GANGGRP,
  P_GANGOK,
  P_GANGORDER,
  P_GANGROOT,
  P_GCOUNT,
  P_GMIN,
  P_GPLACED,
  P_GREQ,
  P_GSAVE,
  P_GSHAPE,
  P_GSLOT,
  P_GTREE,
  P_HID,
  P_HKEY,
  P_K,
  P_MSAVE,
  P_NCAP,
  P_PODNODE,
  P_PODS,
  P_PREF,
  P_PSCORE,
  P_RCAND,
  P_REASON,
  P_RKEY,
  P_RSAVE,
  P_S,
  P_SAFF,
  P_SAVE,
  P_SELKEY,
  P_SELOFF,
  P_SELVAL,
  P_SPREAD,
  P_STATS,
  P_T,
  P_TCHILD,
  P_TCHOFF,
  P_TDEMAND,
  P_TDOM,
  P_TERMOFF,
  P_TFULL,
  P_TGROUP,
  P_TNEED,
  P_TOLEFF,
  P_TOLKEY,
  P_TOLOFF,
  P_TOLOP,
  P_TOLVAL,
  P_TPARENT,
  P_TPREF,
  P_TREQ,
  P_TSAVE,
  P_UNDO,
  P_VICTIM,
  P_WDOM,
  P_WFREE,
  R_LEAF,
  R_NESTED,
  R_NO_NODE,
  R_SHORTFALL,
  REASON_SLOTS,
} from "./layout";
import { gf, gi, sf, si } from "./mem";

function gb(a: usize, i: i32): u8 {
  return load<u8>(a + <usize>i);
}
function sb(a: usize, i: i32, v: u8): void {
  store<u8>(a + <usize>i, v);
}

/** Added to the key of a domain that holds the minimum but not every wanted pod (keys are <= R). */
const PARTIAL: f64 = 1024;
/** The repairs' work per call, as a multiple of the call's pods plus nodes (engine-js.ts). */
const REPAIR_WORK: i32 = 4;
/** ... plus this much, so small calls repair freely. */
const REPAIR_FLOOR: i32 = 65536;
/** Candidate domains one rip-up tries. */
const RIP_TRIES: i32 = 6;
/** Relative slack of the packing pass's bounds (hopes()) over floating-point rounding. */
const TOLERANCE: f64 = 1e-9;

// cluster
let N: i32 = 0;
let R: i32 = 0;
let L: i32 = 0;
let D: i32 = 0;
let free: usize = 0;
let allocd: usize = 0;
let flags: usize = 0;
let rank: usize = 0;
let nodeDom: usize = 0;
let domStart: usize = 0;
let domEnd: usize = 0;
let domLevel: usize = 0;
let levelDom: usize = 0;
let labOff: usize = 0;
let labKey: usize = 0;
let labVal: usize = 0;
let labNum: usize = 0;
let taintOff: usize = 0;
let taintKey: usize = 0;
let taintVal: usize = 0;
let taintEff: usize = 0;
// call
let K: i32 = 0;
let G: i32 = 0;
let T: i32 = 0;
let S: i32 = 0;
let PODS: i32 = 0;
let spread: bool = false;
let gangOrder: usize = 0;
let gangRoot: usize = 0;
let gangGrp: usize = 0;
let gCount: usize = 0;
let gMin: usize = 0;
let gShape: usize = 0;
let gTree: usize = 0;
let gSlot: usize = 0;
let gReq: usize = 0;
let tReq: usize = 0;
let tPref: usize = 0;
let tParent: usize = 0;
let tChOff: usize = 0;
let tChild: usize = 0;
let tGroup: usize = 0;
let tolOff: usize = 0;
let tolKey: usize = 0;
let tolOp: usize = 0;
let tolVal: usize = 0;
let tolEff: usize = 0;
let selOff: usize = 0;
let selKey: usize = 0;
let selVal: usize = 0;
let termOff: usize = 0;
let sAff: usize = 0;
let exprOff: usize = 0;
let exprKey: usize = 0;
let exprOp: usize = 0;
let exprVOff: usize = 0;
let exprVal: usize = 0;
let exprNum: usize = 0;
let wFree: usize = 0;
let wDom: usize = 0;
let elig: usize = 0;
let undo: usize = 0;
let tDemand: usize = 0;
let tFull: usize = 0;
let tNeed: usize = 0;
let tDom: usize = 0;
let cId: usize = 0;
let cKey: usize = 0;
let hId: usize = 0;
let hKey: usize = 0;
let capT: usize = 0;
let gPlaced: usize = 0;
let eligCount: usize = 0;
let podNode: usize = 0;
let gangOk: usize = 0;
let reason: usize = 0;
let stats: usize = 0;
let save: usize = 0;
let gSave: usize = 0;
let tSave: usize = 0;
let rCand: usize = 0;
let rKey: usize = 0;
let victim: usize = 0;
let rSave: usize = 0;
let mSave: usize = 0;
let dCap: usize = 0;
let sPref: usize = 0;
let pScore: usize = 0;
// Domain caps (engine-js.ts fillCapped()).
let nCap: i32 = 0;
let capGrp: usize = 0;
let capDom: usize = 0;
let capMax: usize = 0;
// fillCapped()'s scratch (i32), grown as needed.
let capW: usize = 0;
let capWCap: i32 = 0;
// Set by fill(): some node of the scope lacks the label of a level below the scope.
let orphans: bool = false;
// Set by init(): every domain of the narrowest level is one node.
let singleLeaf: bool = false;
// solve()'s second pass: fill() packs the chosen domain without the locality step.
let packing: bool = false;
// Packing pass, undecided: the locality answer's pods to beat; -1 otherwise (see hopes()).
let beat: i32 = -1;
// Set by hopes(): the last position where packing may place a gang the locality pass left out.
let lastHope: i32 = -1;
// Set by hopes(): whether packing may place more pods with the same gangs.
let podsHope: bool = false;
// Packing pass: the most pods it can still end with if it places the same gangs (surplus() lowers it).
let reach: i32 = 0;
let undoTop: i32 = 0;
let ripBudget: i32 = 0;
// Per fill(): the resources the group asks for (index, amount), so the node loop skips the rest.
let reqR: usize = 0;
let reqQ: usize = 0;
let reqCap: i32 = 0;
// Per collect(): the resources tree node t needs at its minimum and in full (index, amount).
let needR: usize = 0;
let needQ: usize = 0;
let wantR: usize = 0;
let wantQ: usize = 0;
let curGang: i32 = 0;

function bind(c: usize, p: usize): void {
  N = gi(c, C_N);
  R = gi(c, C_R);
  L = gi(c, C_L);
  D = gi(c, C_D);
  free = c + <usize>gi(c, C_FREE);
  allocd = c + <usize>gi(c, C_ALLOC);
  flags = c + <usize>gi(c, C_FLAGS);
  rank = c + <usize>gi(c, C_RANK);
  nodeDom = c + <usize>gi(c, C_NODEDOM);
  domStart = c + <usize>gi(c, C_DOMSTART);
  domEnd = c + <usize>gi(c, C_DOMEND);
  domLevel = c + <usize>gi(c, C_DOMLEVEL);
  levelDom = c + <usize>gi(c, C_LEVELDOM);
  labOff = c + <usize>gi(c, C_LABOFF);
  labKey = c + <usize>gi(c, C_LABKEY);
  labVal = c + <usize>gi(c, C_LABVAL);
  labNum = c + <usize>gi(c, C_LABNUM);
  taintOff = c + <usize>gi(c, C_TAINTOFF);
  taintKey = c + <usize>gi(c, C_TAINTKEY);
  taintVal = c + <usize>gi(c, C_TAINTVAL);
  taintEff = c + <usize>gi(c, C_TAINTEFF);

  K = gi(p, P_K);
  G = gi(p, P_G);
  T = gi(p, P_T);
  S = gi(p, P_S);
  PODS = gi(p, P_PODS);
  spread = gi(p, P_SPREAD) !== 0;
  gangOrder = p + <usize>gi(p, P_GANGORDER);
  gangRoot = p + <usize>gi(p, P_GANGROOT);
  gangGrp = p + <usize>gi(p, P_GANGGRP);
  gCount = p + <usize>gi(p, P_GCOUNT);
  gMin = p + <usize>gi(p, P_GMIN);
  gShape = p + <usize>gi(p, P_GSHAPE);
  gTree = p + <usize>gi(p, P_GTREE);
  gSlot = p + <usize>gi(p, P_GSLOT);
  gReq = p + <usize>gi(p, P_GREQ);
  tReq = p + <usize>gi(p, P_TREQ);
  tPref = p + <usize>gi(p, P_TPREF);
  tParent = p + <usize>gi(p, P_TPARENT);
  tChOff = p + <usize>gi(p, P_TCHOFF);
  tChild = p + <usize>gi(p, P_TCHILD);
  tGroup = p + <usize>gi(p, P_TGROUP);
  tolOff = p + <usize>gi(p, P_TOLOFF);
  tolKey = p + <usize>gi(p, P_TOLKEY);
  tolOp = p + <usize>gi(p, P_TOLOP);
  tolVal = p + <usize>gi(p, P_TOLVAL);
  tolEff = p + <usize>gi(p, P_TOLEFF);
  selOff = p + <usize>gi(p, P_SELOFF);
  selKey = p + <usize>gi(p, P_SELKEY);
  selVal = p + <usize>gi(p, P_SELVAL);
  termOff = p + <usize>gi(p, P_TERMOFF);
  sAff = p + <usize>gi(p, P_SAFF);
  exprOff = p + <usize>gi(p, P_EXPROFF);
  exprKey = p + <usize>gi(p, P_EXPRKEY);
  exprOp = p + <usize>gi(p, P_EXPROP);
  exprVOff = p + <usize>gi(p, P_EXPRVOFF);
  exprVal = p + <usize>gi(p, P_EXPRVAL);
  exprNum = p + <usize>gi(p, P_EXPRNUM);
  wFree = p + <usize>gi(p, P_WFREE);
  wDom = p + <usize>gi(p, P_WDOM);
  elig = p + <usize>gi(p, P_ELIG);
  undo = p + <usize>gi(p, P_UNDO);
  tDemand = p + <usize>gi(p, P_TDEMAND);
  tFull = p + <usize>gi(p, P_TFULL);
  tNeed = p + <usize>gi(p, P_TNEED);
  tDom = p + <usize>gi(p, P_TDOM);
  cId = p + <usize>gi(p, P_CID);
  cKey = p + <usize>gi(p, P_CKEY);
  hId = p + <usize>gi(p, P_HID);
  hKey = p + <usize>gi(p, P_HKEY);
  capT = p + <usize>gi(p, P_CAPT);
  gPlaced = p + <usize>gi(p, P_GPLACED);
  eligCount = p + <usize>gi(p, P_ELIGCOUNT);
  podNode = p + <usize>gi(p, P_PODNODE);
  gangOk = p + <usize>gi(p, P_GANGOK);
  reason = p + <usize>gi(p, P_REASON);
  stats = p + <usize>gi(p, P_STATS);
  save = p + <usize>gi(p, P_SAVE);
  gSave = p + <usize>gi(p, P_GSAVE);
  tSave = p + <usize>gi(p, P_TSAVE);
  rCand = p + <usize>gi(p, P_RCAND);
  rKey = p + <usize>gi(p, P_RKEY);
  victim = p + <usize>gi(p, P_VICTIM);
  rSave = p + <usize>gi(p, P_RSAVE);
  mSave = p + <usize>gi(p, P_MSAVE);
  dCap = p + <usize>gi(p, P_DCAP);
  sPref = p + <usize>gi(p, P_PREF);
  pScore = p + <usize>gi(p, P_PSCORE);
  nCap = gi(p, P_NCAP);
  capGrp = p + <usize>gi(p, P_CAPGRP);
  capDom = p + <usize>gi(p, P_CAPDOM);
  capMax = p + <usize>gi(p, P_CAPMAX);
}

/** Places every gang of the call arena `p` on the cluster arena `c`; returns 0. */
export function solve(c: usize, p: usize): i32 {
  bind(c, p);
  packing = false;
  beat = -1;
  pass();
  const got = podsPlaced();
  if (spread || got >= PODS) return 0;
  // Pods left out: the same call with packing only (most-allocated nodes of the chosen domain, no
  // locality step) may place more, since locality choices can leave nodes too fragmented for a
  // later gang. The better answer is kept (better(); on a tie the locality one). Skipped when it
  // provably cannot win, and stopped as soon as it cannot (hopes()). The out sections' second
  // halves keep the locality answer meanwhile.
  if (!hopes(got)) return 0;
  const bK = (<usize>K) << 2;
  const bG = (<usize>G) << 2;
  const bP = (<usize>PODS) << 2;
  const bR = (<usize>(K * REASON_SLOTS)) << 2;
  const tries = gi(stats, 0);
  memory.copy(gangOk + bK, gangOk, bK);
  memory.copy(gPlaced + bG, gPlaced, bG);
  memory.copy(podNode + bP, podNode, bP);
  memory.copy(reason + bR, reason, bR);
  packing = true;
  beat = got;
  const won = pass() && better(got);
  packing = false;
  beat = -1;
  si(stats, 0, gi(stats, 0) + tries);
  if (won) return 0;
  memory.copy(gangOk, gangOk + bK, bK);
  memory.copy(gPlaced, gPlaced + bG, bG);
  memory.copy(podNode, podNode + bP, bP);
  memory.copy(reason, reason + bR, bR);
  return 0;
}

/**
 * Every gang's minimum in gang order (with repairs), then the pods above the minimums. In the
 * packing pass, false as soon as its answer cannot beat the locality one (kept in the out sections'
 * second halves): it fails a gang the locality pass placed before placing one that pass failed, or
 * neither is left to happen and the pods cannot win (hopes()).
 */
function pass(): bool {
  init();
  for (let i = 0; i < K; i++) {
    const k = gi(gangOrder, i);
    curGang = k;
    const ok = solveGang(k) || ripUp(k, i);
    si(gangOk, k, ok ? 1 : 0);
    if (beat < 0) continue;
    const was = gi(gangOk, K + k);
    if (ok && was === 0) beat = -1;
    else if (!ok && was !== 0) return false;
    else if (i >= lastHope && !podsHope) return false;
  }
  return surplus();
}

/**
 * Before the packing pass: whether its answer can beat the locality one (`got` pods); the argument
 * is engine-js.ts's hopes(). Sets lastHope, podsHope and reach; mSave is scratch (indexed by a
 * gang's first group).
 */
function hopes(got: i32): bool {
  let mins: i32 = 0;
  let extra: i32 = 0;
  for (let k = 0; k < K; k++) {
    const g0 = gi(gangGrp, k);
    const g1 = gi(gangGrp, k + 1);
    if (gi(gangOk, k) !== 0) {
      for (let g = g0; g < g1; g++) {
        mins += gi(gMin, g);
        extra += gi(gCount, g) - gi(gMin, g);
      }
      continue;
    }
    if (g0 >= g1) continue;
    si(mSave, g0, 0);
    for (let g = g0; g < g1; g++) if (gi(gMin, g) > 0 && gi(eligCount, gi(gShape, g)) === 0) si(mSave, g0, 1);
  }
  reach = mins + extra;
  let best: f64 = <f64>extra;
  for (let r = 0; r < R; r++) {
    let total: f64 = 0;
    for (let x = 0; x < N; x++) {
      const f = gf(free, x * R + r);
      if (f > 0 && usable(x)) total += f;
    }
    let avail = total;
    for (let i = 0; i < K; i++) {
      const k = gi(gangOrder, i);
      const need = gf(tDemand, gi(gangRoot, k) * R + r);
      if (gi(gangOk, k) !== 0) avail -= need;
      else if (need > avail + TOLERANCE * (total + need)) {
        const g0 = gi(gangGrp, k);
        if (g0 < gi(gangGrp, k + 1)) si(mSave, g0, 1);
      }
    }
    if (best <= <f64>(got - mins)) continue;
    // Pods above the minimums with this resource alone as the limit.
    let q: f64 = -1;
    let bound: f64 = 0;
    for (let k = 0; k < K; k++) {
      if (gi(gangOk, k) === 0) continue;
      const g1 = gi(gangGrp, k + 1);
      for (let g = gi(gangGrp, k); g < g1; g++) {
        const e = gi(gCount, g) - gi(gMin, g);
        if (e <= 0) continue;
        const v = gf(gReq, g * R + r);
        if (v <= 0) bound += <f64>e;
        else if (q < 0 || v < q) q = v;
      }
    }
    if (q > 0 && avail > 0) bound += Math.floor((avail / q) * (1 + TOLERANCE) + TOLERANCE);
    if (bound < best) best = bound;
  }
  podsHope = <f64>mins + best > <f64>got;
  lastHope = -1;
  for (let i = K - 1; i >= 0 && lastHope < 0; i--) {
    const k = gi(gangOrder, i);
    const g0 = gi(gangGrp, k);
    if (gi(gangOk, k) === 0 && g0 < gi(gangGrp, k + 1) && gi(mSave, g0) === 0 && fitsAlone(k)) lastHope = i;
  }
  return podsHope || lastHope >= 0;
}

/** Whether every group of gang k finds its minimum's pods on its eligible nodes' free capacity. */
function fitsAlone(k: i32): bool {
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) {
    const want = gi(gMin, g);
    if (want <= 0) continue;
    const row = gi(gShape, g) * N;
    let n: i32 = 0;
    for (let x = 0; x < N && n < want; x++) {
      if (gb(elig, row + x) === 0) continue;
      let m: f64 = <f64>want;
      for (let r = 0; r < R && m > 0; r++) {
        const q = gf(gReq, g * R + r);
        if (q <= 0) continue;
        const f = gf(free, x * R + r);
        const c: f64 = f > 0 ? Math.floor((f / q) * (1 + TOLERANCE) + TOLERANCE) : 0;
        if (c < m) m = c;
      }
      n += <i32>m;
    }
    if (n < want) return false;
  }
  return true;
}

/**
 * Whether this pass's answer beats the kept one (`got` pods): in gang order, the first gang placed
 * by one and not the other decides (an earlier gang never gives way to later pods, as in the
 * contract's order); with the same gangs placed, more pods.
 */
function better(got: i32): bool {
  for (let i = 0; i < K; i++) {
    const k = gi(gangOrder, i);
    const now = gi(gangOk, k);
    if (now !== gi(gangOk, K + k)) return now !== 0;
  }
  return podsPlaced() > got;
}

/** Pods of the placed gangs, as decode() counts them. */
function podsPlaced(): i32 {
  let n = 0;
  for (let k = 0; k < K; k++) {
    if (gi(gangOk, k) === 0) continue;
    const g1 = gi(gangGrp, k + 1);
    for (let g = gi(gangGrp, k); g < g1; g++) n += gi(gPlaced, g);
  }
  return n;
}

function usable(n: i32): bool {
  return (gi(flags, n) & (FLAG_CORDONED | FLAG_REMOVED)) === 0;
}

function init(): void {
  if (R > reqCap) {
    if (reqCap > 0) {
      heap.free(reqR);
      heap.free(reqQ);
      heap.free(needR);
      heap.free(needQ);
      heap.free(wantR);
      heap.free(wantQ);
    }
    reqR = heap.alloc((<usize>R) << 2);
    reqQ = heap.alloc((<usize>R) << 3);
    needR = heap.alloc((<usize>R) << 2);
    needQ = heap.alloc((<usize>R) << 3);
    wantR = heap.alloc((<usize>R) << 2);
    wantQ = heap.alloc((<usize>R) << 3);
    reqCap = R;
  }
  memory.copy(wFree, free, (<usize>(N * R)) << 3);
  for (let r = 0; r < R; r++) sf(capT, r, 0);
  memory.fill(wDom, 0, (<usize>(D * R)) << 3);
  for (let n = 0; n < N; n++) {
    if (!usable(n)) continue;
    for (let r = 0; r < R; r++) {
      const a = gf(allocd, n * R + r);
      if (a > 0) sf(capT, r, gf(capT, r) + a);
    }
    for (let l = 0; l < L; l++) {
      const d = gi(nodeDom, n * L + l);
      if (d < 0) break;
      for (let r = 0; r < R; r++) {
        const f = gf(wFree, n * R + r);
        if (f > 0) sf(wDom, d * R + r, gf(wDom, d * R + r) + f);
      }
    }
  }
  for (let r = 0; r < R; r++) if (gf(capT, r) <= 0) sf(capT, r, 1);
  singleLeaf = L > 0;
  if (L > 0) {
    const d1 = gi(levelDom, L);
    for (let d = gi(levelDom, L - 1); d < d1 && singleLeaf; d++)
      if (gi(domEnd, d) - gi(domStart, d) !== 1) singleLeaf = false;
  }
  for (let s = 0; s < S; s++) {
    let count = 0;
    for (let n = 0; n < N; n++) {
      const ok = usable(n) && feasible(s, n);
      sb(elig, s * N + n, ok ? 1 : 0);
      if (ok) count++;
    }
    si(eligCount, s, count);
  }
  memory.fill(tDemand, 0, (<usize>(T * R)) << 3);
  memory.fill(tFull, 0, (<usize>(T * R)) << 3);
  for (let t = 0; t < T; t++) {
    const g = gi(tGroup, t);
    si(tNeed, t, g >= 0 ? gi(gMin, g) : 0);
    si(tDom, t, -1);
    if (g >= 0)
      for (let r = 0; r < R; r++) {
        sf(tDemand, t * R + r, <f64>gi(gMin, g) * gf(gReq, g * R + r));
        sf(tFull, t * R + r, <f64>gi(gCount, g) * gf(gReq, g * R + r));
      }
  }
  for (let t = T - 1; t >= 0; t--) {
    const p = gi(tParent, t);
    if (p < 0) continue;
    si(tNeed, p, gi(tNeed, p) + gi(tNeed, t));
    for (let r = 0; r < R; r++) {
      sf(tDemand, p * R + r, gf(tDemand, p * R + r) + gf(tDemand, t * R + r));
      sf(tFull, p * R + r, gf(tFull, p * R + r) + gf(tFull, t * R + r));
    }
  }
  for (let t = 0; t < T; t++) {
    const a = gi(tChOff, t);
    const b = gi(tChOff, t + 1);
    for (let i = a + 1; i < b; i++) {
      const c = gi(tChild, i);
      let j = i - 1;
      while (j >= a && childBefore(c, gi(tChild, j))) {
        si(tChild, j + 1, gi(tChild, j));
        j--;
      }
      si(tChild, j + 1, c);
    }
  }
  for (let i = 0; i < PODS; i++) si(podNode, i, -1);
  memory.fill(gPlaced, 0, (<usize>G) << 2);
  memory.fill(gangOk, 0, (<usize>K) << 2);
  memory.fill(reason, 0, (<usize>(K * REASON_SLOTS)) << 2);
  memory.fill(stats, 0, 8 << 2);
  undoTop = 0;
  ripBudget = REPAIR_WORK * (PODS + N) + REPAIR_FLOOR;
}

function childBefore(a: i32, b: i32): bool {
  const na = gi(tNeed, a);
  const nb = gi(tNeed, b);
  return na > nb || (na === nb && a < b);
}

// ---- filters -------------------------------------------------------------------------------

function labelIndex(n: i32, key: i32): i32 {
  const b = gi(labOff, n + 1);
  for (let i = gi(labOff, n); i < b; i++) if (gi(labKey, i) === key) return i;
  return -1;
}

function feasible(s: i32, n: i32): bool {
  const t1 = gi(taintOff, n + 1);
  const o0 = gi(tolOff, s);
  const o1 = gi(tolOff, s + 1);
  for (let i = gi(taintOff, n); i < t1; i++) {
    let tolerated = false;
    for (let j = o0; j < o1; j++) {
      const eff = gi(tolEff, j);
      if (eff !== 0 && eff !== gi(taintEff, i)) continue;
      const key = gi(tolKey, j);
      if (key < 0) {
        if (gi(tolOp, j) === 1) {
          tolerated = true;
          break;
        }
        continue;
      }
      if (key !== gi(taintKey, i)) continue;
      if (gi(tolOp, j) === 1 || gi(tolVal, j) === gi(taintVal, i)) {
        tolerated = true;
        break;
      }
    }
    if (!tolerated) return false;
  }
  const s1 = gi(selOff, s + 1);
  for (let i = gi(selOff, s); i < s1; i++) {
    const li = labelIndex(n, gi(selKey, i));
    if (li < 0 || gi(labVal, li) !== gi(selVal, i)) return false;
  }
  if (gi(sAff, s) !== 0) {
    const e1 = gi(termOff, s + 1);
    let any = false;
    for (let term = gi(termOff, s); term < e1 && !any; term++) any = termHolds(term, n);
    if (!any) return false;
  }
  return true;
}

function termHolds(term: i32, n: i32): bool {
  const a = gi(exprOff, term);
  const b = gi(exprOff, term + 1);
  if (a === b) return false;
  for (let e = a; e < b; e++) {
    const li = labelIndex(n, gi(exprKey, e));
    const op = gi(exprOp, e);
    let ok: bool;
    if (op === 0) ok = li >= 0 && valueIn(e, gi(labVal, li));
    else if (op === 1) ok = li < 0 || !valueIn(e, gi(labVal, li));
    else if (op === 2) ok = li >= 0;
    else if (op === 3) ok = li < 0;
    else if (op === 4) ok = li >= 0 && gf(labNum, li) > gf(exprNum, e);
    else ok = li >= 0 && gf(labNum, li) < gf(exprNum, e);
    if (!ok) return false;
  }
  return true;
}

function valueIn(e: i32, v: i32): bool {
  const b = gi(exprVOff, e + 1);
  for (let i = gi(exprVOff, e); i < b; i++) if (gi(exprVal, i) === v) return true;
  return false;
}

// ---- one gang ------------------------------------------------------------------------------

function solveGang(k: i32): bool {
  undoTop = 0;
  return solveGangFrom(k, 0);
}

function solveGangFrom(k: i32, mark: i32): bool {
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) {
    if (gi(gMin, g) > 0 && gi(eligCount, gi(gShape, g)) === 0) {
      setReason(0, R_NO_NODE, gi(gTree, g), -1, 0, gi(gMin, g));
      return false;
    }
  }
  if (placeTree(gi(gangRoot, k), -1, 0)) return true;
  rollback(mark);
  return false;
}

function levelOf(d: i32): i32 {
  return d < 0 ? -1 : gi(domLevel, d);
}

function bumpAttempts(): void {
  si(stats, 0, gi(stats, 0) + 1);
}

function placeTree(t: i32, scope: i32, depth: i32): bool {
  const req = gi(tReq, t);
  const pref = gi(tPref, t);
  if (req < 0 && pref < 0) {
    si(tDom, t, scope);
    return placeChildren(t, scope, depth);
  }
  const start = pref >= 0 ? pref : req;
  const stop = req >= 0 ? req : -1;
  const sl = levelOf(scope);
  const base = depth * (D + 1);
  let last = start;
  for (let lvl = start; lvl >= stop; lvl--) {
    last = lvl;
    if (lvl <= sl) {
      const mark = undoTop;
      si(tDom, t, scope);
      bumpAttempts();
      if (placeChildren(t, scope, depth)) return true;
      rollback(mark);
      break;
    }
    let n = collect(t, scope, lvl, base);
    heapify(cId, cKey, base, n, 0);
    while (n > 0) {
      const d = gi(cId, base);
      n = heapPop(cId, cKey, base, n, 0);
      const mark = undoTop;
      si(tDom, t, d);
      bumpAttempts();
      if (placeChildren(t, d, depth)) return true;
      rollback(mark);
    }
  }
  recordFailure(t, scope, last);
  return false;
}

function collect(t: i32, scope: i32, lvl: i32, base: i32): i32 {
  let a = gi(levelDom, lvl);
  let b = gi(levelDom, lvl + 1);
  if (scope >= 0) {
    const s0 = gi(domStart, scope);
    const s1 = gi(domEnd, scope);
    let lo = a;
    let hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (gi(domStart, mid) < s0) lo = mid + 1;
      else hi = mid;
    }
    a = lo;
    lo = a;
    hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (gi(domStart, mid) < s1) lo = mid + 1;
      else hi = mid;
    }
    b = lo;
  }
  let nn = 0;
  let nw = 0;
  for (let r = 0; r < R; r++) {
    const need = gf(tDemand, t * R + r);
    if (!(need <= 0)) {
      si(needR, nn, r);
      sf(needQ, nn, need);
      nn++;
    }
    const want = gf(tFull, t * R + r);
    if (!(want <= 0)) {
      si(wantR, nw, r);
      sf(wantQ, nw, want);
      nw++;
    }
  }
  let n = 0;
  for (let d = a; d < b; d++) {
    const row = d * R;
    let key: f64 = 0;
    let fits = true;
    for (let i = 0; i < nn; i++) {
      const r = gi(needR, i);
      const need = gf(needQ, i);
      const f = gf(wDom, row + r);
      if (f < need) {
        fits = false;
        break;
      }
      key += (f - need) / gf(capT, r);
    }
    if (!fits) continue;
    let full = true;
    let keyFull: f64 = 0;
    for (let i = 0; i < nw; i++) {
      const r = gi(wantR, i);
      const want = gf(wantQ, i);
      const f = gf(wDom, row + r);
      if (f < want) {
        full = false;
        break;
      }
      keyFull += (f - want) / gf(capT, r);
    }
    si(cId, base + n, d);
    sf(cKey, base + n, full ? keyFull : PARTIAL + key);
    n++;
  }
  return n;
}

function placeChildren(t: i32, scope: i32, depth: i32): bool {
  const g = gi(tGroup, t);
  if (g >= 0) {
    const need = gi(gMin, g);
    const placed = fill(g, scope, need);
    if (placed < need) {
      setReason(0, R_LEAF, t, levelOf(scope), placed, need);
      return false;
    }
    return true;
  }
  const a = gi(tChOff, t);
  const b = gi(tChOff, t + 1);
  const mark = undoTop;
  for (let retry = a; retry < b; retry++) {
    let failed = -1;
    for (let i = a; i < b && failed < 0; i++) if (!placeTree(gi(tChild, i), scope, depth + 1)) failed = i;
    if (failed < 0) return true;
    if (failed === a) return false;
    rollback(mark);
    const c = gi(tChild, failed);
    for (let i = failed; i > a; i--) si(tChild, i, gi(tChild, i - 1));
    si(tChild, a, c);
  }
  return false;
}

// ---- nodes ---------------------------------------------------------------------------------

function podsFit(g: i32, x: i32): i32 {
  let m: f64 = 1073741824;
  for (let r = 0; r < R; r++) {
    const q = gf(gReq, g * R + r);
    if (q <= 0) continue;
    const k = Math.floor(gf(wFree, x * R + r) / q);
    if (k < m) m = k;
  }
  return m < 0 ? 0 : <i32>m;
}

/** Lists the resources group g asks for into reqR/reqQ (in resource order); returns how many. */
function listRequests(g: i32): i32 {
  let nr = 0;
  const row = gReq + ((<usize>(g * R)) << 3);
  for (let r = 0; r < R; r++) {
    const q = load<f64>(row + ((<usize>r) << 3));
    if (q <= 0) continue;
    store<i32>(reqR + ((<usize>nr) << 2), r);
    store<f64>(reqQ + ((<usize>nr) << 3), q);
    nr++;
  }
  return nr;
}

/** podsFit over the listed resources: the same value, without visiting the others. */
function podsFitListed(nr: i32, x: i32): i32 {
  let m: f64 = 1073741824;
  const row = wFree + ((<usize>(x * R)) << 3);
  for (let i = 0; i < nr; i++) {
    const r = load<i32>(reqR + ((<usize>i) << 2));
    const k = Math.floor(load<f64>(row + ((<usize>r) << 3)) / load<f64>(reqQ + ((<usize>i) << 3)));
    if (k < m) m = k;
  }
  return m < 0 ? 0 : <i32>m;
}

/** freeFrac over the listed resources, summed in the same order. */
function freeFracListed(nr: i32, x: i32): f64 {
  let s: f64 = 0;
  const o = (<usize>(x * R)) << 3;
  for (let i = 0; i < nr; i++) {
    const r = (<usize>load<i32>(reqR + ((<usize>i) << 2))) << 3;
    const a = load<f64>(allocd + o + r);
    if (a > 0) s += load<f64>(wFree + o + r) / a;
  }
  return s;
}

/**
 * Places up to `want` pods of g inside `scope`; returns how many. Locality first: below the scope,
 * level by level, the pods take as few domains as they can (while no domain holds all that is
 * left, the one that holds the most of them; then the tightest that holds the rest, by free
 * capacity as in collect()), and inside
 * the last level's domains the most-allocated nodes. Nodes without a level's label come before
 * that level's domains. `spread` keeps the whole scope as one pool.
 */
function fill(g: i32, scope: i32, want: i32): i32 {
  const s = gi(gShape, g);
  const pr = gi(sPref, s);
  if (nCap > 0 && want > 0 && capped(g)) return fillCapped(g, scope, want, pr);
  return fillPref(g, scope, want, pr);
}

function capped(g: i32): bool {
  const end = gi(capGrp, nCap);
  for (let i = nCap + 1; i < end; i++) if (gi(capGrp, i) === g) return true;
  return false;
}

function capHolds(c: i32, g: i32): bool {
  const end = gi(capGrp, c + 1);
  for (let i = gi(capGrp, c); i < end; i++) if (gi(capGrp, i) === g) return true;
  return false;
}

/**
 * engine-js.ts fillCapped(): rounds of at most the smallest room over the nodes with room; the
 * counts, the row and the bounding rooms are kept as the rounds place pods.
 */
function fillCapped(g: i32, scope: i32, want: i32, pr: i32): i32 {
  const a = scope < 0 ? 0 : gi(domStart, scope);
  const b = scope < 0 ? N : gi(domEnd, scope);
  const s = gi(gShape, g);
  const row = s * N;
  const crow = (S + 1) * N;
  // g's caps, and the span [lo, hi] of their slots on the eligible nodes of the scope.
  let nG = 0;
  let lo = 0x7fffffff;
  let hi = -1;
  for (let c = 0; c < nCap; c++) {
    if (!capHolds(c, g)) continue;
    nG++;
    for (let x = a; x < b; x++) {
      const j = gi(capDom, c * N + x);
      if (j < 0 || gb(elig, row + x) === 0) continue;
      if (j < lo) lo = j;
      if (j > hi) hi = j;
    }
  }
  const span = hi >= lo ? hi - lo + 1 : 0;
  // Scratch (engine-js.ts): CG at 0, CUT, CON, OFF (ends), LST.
  const CUT = nG;
  const CON = CUT + (b - a);
  const OFF = CON + span;
  const LST = OFF + span + 1;
  const size = LST + nG * (b - a);
  if (size > capWCap) {
    if (capWCap > 0) heap.free(capW);
    capW = heap.alloc((<usize>size) << 2);
    capWCap = size;
  }
  const w = capW;
  nG = 0;
  for (let c = 0; c < nCap; c++) if (capHolds(c, g)) si(w, nG++, c);
  for (let i = 0; i < nG; i++) {
    const c = gi(w, i);
    for (let x = a; x < b; x++) {
      const j = gi(capDom, c * N + x);
      if (j >= 0) si(capMax, 2 * j + 1, 0);
    }
    const end = gi(capGrp, c + 1);
    for (let pass = 0; pass < 2; pass++)
      for (let m = gi(capGrp, c); m < end; m++) {
        const h = gi(capGrp, m);
        const h0 = gi(gSlot, h);
        const np = gi(gPlaced, h);
        for (let q = 0; q < np; q++) {
          const j = gi(capDom, c * N + gi(podNode, h0 + q));
          if (j >= 0) si(capMax, 2 * j + 1, pass === 0 ? 0 : gi(capMax, 2 * j + 1) + 1);
        }
      }
  }
  memory.fill(w + ((<usize>CON) << 2), 0, (<usize>(LST - CON)) << 2);
  let alive = 0;
  for (let x = a; x < b; x++) {
    if (gb(elig, row + x) === 0) {
      sb(elig, crow + x, 0);
      continue;
    }
    let cut = nG;
    for (let i = 0; i < nG; i++) {
      const j = gi(capDom, gi(w, i) * N + x);
      if (j >= 0) si(w, OFF + j - lo + 1, gi(w, OFF + j - lo + 1) + 1);
      if (cut < nG) continue;
      if (j === -2 || (j >= 0 && gi(capMax, 2 * j) - gi(capMax, 2 * j + 1) <= 0)) cut = i;
      else if (j >= 0) si(w, CON + j - lo, gi(w, CON + j - lo) + 1);
    }
    si(w, CUT + x - a, cut);
    sb(elig, crow + x, cut === nG ? 1 : 0);
    if (cut === nG) alive++;
  }
  for (let t = 0; t < span; t++) si(w, OFF + t + 1, gi(w, OFF + t + 1) + gi(w, OFF + t));
  for (let x = a; x < b; x++) {
    if (gb(elig, row + x) === 0) continue;
    for (let i = 0; i < nG; i++) {
      const j = gi(capDom, gi(w, i) * N + x);
      if (j < 0) continue;
      const at = OFF + j - lo;
      si(w, LST + gi(w, at), x);
      si(w, at, gi(w, at) + 1);
    }
  }
  si(gShape, g, S + 1);
  const g0 = gi(gSlot, g);
  let placed = 0;
  while (placed < want && alive > 0) {
    let k = want - placed;
    for (let t = 0; t < span; t++) {
      if (gi(w, CON + t) <= 0) continue;
      const room = gi(capMax, 2 * (lo + t)) - gi(capMax, 2 * (lo + t) + 1);
      if (room < k) k = room;
    }
    const got = fillPref(g, scope, k, pr);
    if (got <= 0) break;
    placed += got;
    const end = g0 + gi(gPlaced, g);
    for (let q = end - got; q < end; q++) {
      const x = gi(podNode, q);
      for (let i = 0; i < nG; i++) {
        const j = gi(capDom, gi(w, i) * N + x);
        if (j < 0) continue;
        si(capMax, 2 * j + 1, gi(capMax, 2 * j + 1) + 1);
        if (gi(capMax, 2 * j) - gi(capMax, 2 * j + 1) > 0) continue;
        // Slot j is full: its nodes are blocked from cap i on.
        const last = gi(w, OFF + j - lo);
        for (let p = j === lo ? 0 : gi(w, OFF + j - lo - 1); p < last; p++) {
          const y = gi(w, LST + p);
          const cut = gi(w, CUT + y - a);
          if (cut <= i) continue;
          for (let i2 = i; i2 < cut; i2++) {
            const j2 = gi(capDom, gi(w, i2) * N + y);
            if (j2 >= 0) si(w, CON + j2 - lo, gi(w, CON + j2 - lo) - 1);
          }
          if (cut === nG) {
            sb(elig, crow + y, 0);
            alive--;
          }
          si(w, CUT + y - a, i);
        }
      }
    }
  }
  si(gShape, g, s);
  return placed;
}

function fillPref(g: i32, scope: i32, want: i32, pr: i32): i32 {
  const s = gi(gShape, g);
  if (pr < 0 || want <= 0) return fillIn(g, scope, want);
  // Node preferences: the tiers of the scope's node scores, best first (engine-js.ts fill()).
  const a = scope < 0 ? 0 : gi(domStart, scope);
  const b = scope < 0 ? N : gi(domEnd, scope);
  const row = s * N;
  const tmp = S * N;
  const prow = pr * N;
  si(gShape, g, S);
  let placed = 0;
  let tier: f64 = Infinity;
  while (placed < want) {
    let next: f64 = -Infinity;
    for (let x = a; x < b; x++) {
      if (gb(elig, row + x) === 0) continue;
      const sc = gf(pScore, prow + x);
      if (sc < tier && sc > next) next = sc;
    }
    if (next === -Infinity) break;
    for (let x = a; x < b; x++)
      sb(elig, tmp + x, gb(elig, row + x) !== 0 && gf(pScore, prow + x) >= next ? 1 : 0);
    placed += fillIn(g, scope, want - placed);
    tier = next;
  }
  si(gShape, g, s);
  return placed;
}

function fillIn(g: i32, scope: i32, want: i32): i32 {
  if (want <= 0) return 0;
  const a = scope < 0 ? 0 : gi(domStart, scope);
  const b = scope < 0 ? N : gi(domEnd, scope);
  const lvl0 = levelOf(scope) + 1;
  if (spread || packing || lvl0 >= L) return fillNodes(g, a, b, want, -1);
  if (lvl0 === L - 1 && singleLeaf) {
    const got = fillSingles(g, a, b, want);
    if (got >= 0) return got;
  }
  const eligRow = elig + <usize>(gi(gShape, g) * N);
  const nr = listRequests(g);
  let anyOrphan = false;
  for (let x = a; x < b; x++) {
    const fit: f64 = load<u8>(eligRow + <usize>x) === 0 ? 0 : <f64>podsFitListed(nr, x);
    for (let l = lvl0; l < L; l++) {
      const d = gi(nodeDom, x * L + l);
      if (d < 0) {
        anyOrphan = true;
        break;
      }
      if (x === gi(domStart, d)) sf(dCap, d, fit);
      else sf(dCap, d, gf(dCap, d) + fit);
    }
  }
  orphans = anyOrphan;
  return fillDom(g, scope, lvl0, want);
}

/**
 * fill() when the only level below the scope is the narrowest and its domains are single nodes
 * (hosts): the same choices as fillDom() over them, in one pass over the nodes per choice and no
 * pod counts while some node holds every pod left. -1 (nothing placed) when a node of the scope
 * lacks the level's label: then fillDom() does it.
 */
function fillSingles(g: i32, a: i32, b: i32, want: i32): i32 {
  const eligRow = elig + <usize>(gi(gShape, g) * N);
  const nr = listRequests(g);
  const leaf = L - 1;
  const remF: f64 = <f64>want;
  let fitX = -1;
  let fitKey: f64 = 0;
  let total = 0;
  let n = 0;
  // One pass: the tightest node that holds every pod, else the nodes' pod counts in a heap.
  for (let x = a; x < b; x++) {
    if (gi(nodeDom, x * L + leaf) < 0) return -1;
    if (load<u8>(eligRow + <usize>x) === 0) continue;
    const o = (<usize>(x * R)) << 3;
    let one = true;
    let all = true;
    for (let i = 0; i < nr; i++) {
      const r = (<usize>load<i32>(reqR + ((<usize>i) << 2))) << 3;
      const f = load<f64>(wFree + o + r);
      const q = load<f64>(reqQ + ((<usize>i) << 3));
      if (f < q && Math.floor(f / q) < 1) {
        one = false;
        break;
      }
      if (f < remF * q) all = false;
    }
    if (!one) continue;
    // f >= want * q for every resource: it holds them all; else count (exact, with division).
    let k = 0;
    if (!all) {
      k = podsFitListed(nr, x);
      all = k >= want;
    }
    if (all) {
      const key = leafKey(nr, x);
      if (fitX < 0 || key < fitKey) {
        fitX = x;
        fitKey = key;
      }
    } else if (fitX < 0) {
      si(hId, n, x);
      sf(hKey, n, -(<f64>k));
      n++;
      total += k;
    }
  }
  if (fitX >= 0) {
    for (let j = 0; j < want; j++) placePod(g, fitX, nr);
    return want;
  }
  heapify(hId, hKey, 0, n, 0);
  let placed = 0;
  while (n > 0) {
    const rem = want - placed;
    if (total <= rem) return placed + fillNodes(g, a, b, rem, -1);
    const big = <i32>-gf(hKey, 0);
    if (rem <= big) {
      // The tightest of the nodes left that holds the rest (ties: the first in node order).
      let best = -1;
      let bestKey: f64 = 0;
      for (let i = 0; i < n; i++) {
        if (<i32>-gf(hKey, i) < rem) continue;
        const x = gi(hId, i);
        const key = leafKey(nr, x);
        if (best < 0 || key < bestKey || (key === bestKey && x < best)) {
          best = x;
          bestKey = key;
        }
      }
      for (let j = 0; j < rem; j++) placePod(g, best, nr);
      return want;
    }
    // None holds the rest: the biggest, in node order, while the rest is more than they hold.
    while (n > 0 && <i32>-gf(hKey, 0) === big && want - placed > big) {
      const x = gi(hId, 0);
      for (let j = 0; j < big; j++) placePod(g, x, nr);
      placed += big;
      total -= big;
      n = heapPop(hId, hKey, 0, n, 0);
    }
  }
  return placed;
}

/** fillDom()'s tightness key of a one-node domain: free capacity left in g's resources. */
function leafKey(nr: i32, x: i32): f64 {
  const w = (<usize>(gi(nodeDom, x * L + L - 1) * R)) << 3;
  let key: f64 = 0;
  for (let i = 0; i < nr; i++) {
    const r = (<usize>load<i32>(reqR + ((<usize>i) << 2))) << 3;
    key += load<f64>(wDom + w + r) / load<f64>(capT + r);
  }
  return key;
}

/** Up to `want` pods of g in the domains of level `lvl` inside d (fewest, then tightest), after d's nodes without that level. */
function fillDom(g: i32, d: i32, lvl: i32, want: i32): i32 {
  const s0 = d < 0 ? 0 : gi(domStart, d);
  const s1 = d < 0 ? N : gi(domEnd, d);
  if (lvl >= L) return fillNodes(g, s0, s1, want, -1);
  if (lvl === L - 1 && singleLeaf && !orphans) return fillSingles(g, s0, s1, want);
  let ca = gi(levelDom, lvl);
  let cb = gi(levelDom, lvl + 1);
  if (d >= 0) {
    ca = firstDom(ca, cb, s0);
    cb = firstDom(ca, cb, s1);
  }
  // Nodes without this level's label first: no constrained gang can use them at this level.
  let placed = 0;
  if (orphans) {
    let covered = 0;
    for (let c = ca; c < cb; c++) covered += gi(domEnd, c) - gi(domStart, c);
    if (covered < s1 - s0) placed = fillNodes(g, s0, s1, want, lvl);
  }
  while (placed < want) {
    const rem: f64 = <f64>(want - placed);
    let fitD = -1;
    let fitKey: f64 = 0;
    let bigCap: f64 = 0;
    let total: f64 = 0;
    for (let c = ca; c < cb; c++) {
      const cap = gf(dCap, c);
      if (cap <= 0) continue;
      total += cap;
      if (cap >= rem) {
        // Tightest: least free capacity left in the resources g asks for (as in collect()).
        let key: f64 = 0;
        for (let r = 0; r < R; r++) if (gf(gReq, g * R + r) > 0) key += gf(wDom, c * R + r) / gf(capT, r);
        if (fitD < 0 || key < fitKey) {
          fitD = c;
          fitKey = key;
        }
      }
      if (cap > bigCap) bigCap = cap;
    }
    // Every domain left is needed whole: the order they are taken in changes nothing, one pass.
    if (total <= rem) return placed + fillNodes(g, s0, s1, want - placed, -1);
    if (fitD >= 0) {
      sf(dCap, fitD, 0);
      placed += fillDom(g, fitD, lvl + 1, want - placed);
      continue;
    }
    if (bigCap <= 0) break;
    // None holds the rest: the biggest, in domain order, while the rest is more than it holds
    // (then no other domain holds the rest either).
    for (let c = ca; c < cb && <f64>(want - placed) > bigCap; c++) {
      if (gf(dCap, c) !== bigCap) continue;
      sf(dCap, c, 0);
      placed += fillDom(g, c, lvl + 1, <i32>bigCap);
    }
  }
  return placed;
}

/** The first domain in [a, b) (one level, in node order) that starts at or after node `s`. */
function firstDom(a: i32, b: i32, s: i32): i32 {
  let lo = a;
  let hi = b;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (gi(domStart, mid) < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Up to `want` pods of g on nodes [a, b), most-allocated first (`spread`: least); with `orphan` >= 0 only on nodes without a domain of that level. */
function fillNodes(g: i32, a: i32, b: i32, want: i32, orphan: i32): i32 {
  if (want <= 0) return 0;
  const eligRow = elig + <usize>(gi(gShape, g) * N);
  const nr = listRequests(g);
  let n = 0;
  let best = -1;
  let bestKey: f64 = 0;
  let bestRank = 0;
  for (let x = a; x < b; x++) {
    if (load<u8>(eligRow + <usize>x) === 0) continue;
    if (orphan >= 0 && gi(nodeDom, x * L + orphan) >= 0) continue;
    // Whether one pod fits and freeFracListed, in one pass over the node's row. f >= q means
    // floor(f / q) >= 1, so the division is only needed when f < q (where it is < 1 except at
    // magnitudes beyond 2^53); the pod count itself is needed only for the best node, below.
    const o = (<usize>(x * R)) << 3;
    let fits = true;
    let frac: f64 = 0;
    for (let i = 0; i < nr; i++) {
      const r = (<usize>load<i32>(reqR + ((<usize>i) << 2))) << 3;
      const f = load<f64>(wFree + o + r);
      const q = load<f64>(reqQ + ((<usize>i) << 3));
      if (f < q && Math.floor(f / q) < 1) {
        fits = false;
        break;
      }
      const al = load<f64>(allocd + o + r);
      if (al > 0) frac += f / al;
    }
    if (!fits) continue;
    const key = spread ? -frac : frac;
    si(hId, n, x);
    sf(hKey, n, key);
    n++;
    if (best < 0 || key < bestKey) {
      best = x;
      bestKey = key;
      bestRank = gi(rank, x);
    } else if (key === bestKey) {
      const rx = gi(rank, x);
      if (rx < bestRank) {
        best = x;
        bestRank = rx;
      }
    }
  }
  const bestFit = best >= 0 ? podsFitListed(nr, best) : 0;
  if (best >= 0 && (spread ? want === 1 : bestFit >= want)) {
    for (let j = 0; j < want; j++) placePod(g, best, nr);
    return want;
  }
  heapify(hId, hKey, 0, n, rank);
  let placed = 0;
  while (placed < want && n > 0) {
    const x = gi(hId, 0);
    if (!spread) {
      const c = min(podsFitListed(nr, x), want - placed);
      for (let j = 0; j < c; j++) placePod(g, x, nr);
      placed += c;
      n = heapPop(hId, hKey, 0, n, rank);
    } else {
      placePod(g, x, nr);
      placed++;
      if (podsFitListed(nr, x) >= 1) {
        sf(hKey, 0, -freeFracListed(nr, x));
        siftDown(hId, hKey, 0, n, 0, rank);
      } else n = heapPop(hId, hKey, 0, n, rank);
    }
  }
  return placed;
}

/** Takes one pod of group g on node x; the resources are those listRequests(g) left in reqR/reqQ. */
function placePod(g: i32, x: i32, nr: i32): void {
  const slot = gi(gSlot, g) + gi(gPlaced, g);
  si(podNode, slot, x);
  si(gPlaced, g, gi(gPlaced, g) + 1);
  for (let i = 0; i < nr; i++) {
    const r = load<i32>(reqR + ((<usize>i) << 2));
    const q = load<f64>(reqQ + ((<usize>i) << 3));
    sf(wFree, x * R + r, gf(wFree, x * R + r) - q);
    for (let l = 0; l < L; l++) {
      const d = gi(nodeDom, x * L + l);
      if (d < 0) break;
      sf(wDom, d * R + r, gf(wDom, d * R + r) - q);
    }
  }
  si(undo, 2 * undoTop, slot);
  si(undo, 2 * undoTop + 1, g);
  undoTop++;
}

function rollback(mark: i32): void {
  while (undoTop > mark) {
    undoTop--;
    const slot = gi(undo, 2 * undoTop);
    const g = gi(undo, 2 * undoTop + 1);
    const x = gi(podNode, slot);
    for (let r = 0; r < R; r++) {
      const q = gf(gReq, g * R + r);
      if (q <= 0) continue;
      sf(wFree, x * R + r, gf(wFree, x * R + r) + q);
      for (let l = 0; l < L; l++) {
        const d = gi(nodeDom, x * L + l);
        if (d < 0) break;
        sf(wDom, d * R + r, gf(wDom, d * R + r) + q);
      }
    }
    si(podNode, slot, -1);
    si(gPlaced, g, gi(gPlaced, g) - 1);
  }
}

// ---- repairs (engine-js.ts documents them) -------------------------------------------------

/** One pod of g on node x in the group's next slot, without an undo record. */
function putPod(g: i32, x: i32): void {
  const slot = gi(gSlot, g) + gi(gPlaced, g);
  si(podNode, slot, x);
  si(gPlaced, g, gi(gPlaced, g) + 1);
  charge(g, x, -1);
}

function charge(g: i32, x: i32, sign: i32): void {
  for (let r = 0; r < R; r++) {
    const q = <f64>sign * gf(gReq, g * R + r);
    if (q === 0) continue;
    sf(wFree, x * R + r, gf(wFree, x * R + r) + q);
    for (let l = 0; l < L; l++) {
      const d = gi(nodeDom, x * L + l);
      if (d < 0) break;
      sf(wDom, d * R + r, gf(wDom, d * R + r) + q);
    }
  }
}

function anchorOf(k: i32): i32 {
  const t1 = treeEnd(k);
  let anchor = -1;
  for (let t = gi(gangRoot, k); t < t1; t++) {
    const req = gi(tReq, t);
    if (req >= 0 && (anchor < 0 || req < gi(tReq, anchor))) anchor = t;
  }
  return anchor;
}

function domainAt(d: i32, lvl: i32): i32 {
  if (d < 0 || gi(domLevel, d) === lvl) return d;
  return gi(nodeDom, gi(domStart, d) * L + lvl);
}

function savedScope(k: i32): i32 {
  const anchor = anchorOf(k);
  if (anchor < 0) return -1;
  return domainAt(gi(tSave, anchor), gi(tReq, anchor));
}

function treeEnd(k: i32): i32 {
  return k + 1 < K ? gi(gangRoot, k + 1) : T;
}

function takeOut(k: i32): i32 {
  let pods = 0;
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) {
    const s0 = gi(gSlot, g);
    const n = gi(gPlaced, g);
    pods += n;
    si(gSave, g, n);
    for (let i = 0; i < n; i++) {
      const x = gi(podNode, s0 + i);
      si(save, s0 + i, x);
      charge(g, x, 1);
      si(podNode, s0 + i, -1);
    }
    si(gPlaced, g, 0);
  }
  const t1 = treeEnd(k);
  for (let t = gi(gangRoot, k); t < t1; t++) si(tSave, t, gi(tDom, t));
  si(gangOk, k, 0);
  return pods;
}

function putBack(k: i32): void {
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) {
    const s0 = gi(gSlot, g);
    const n = gi(gSave, g);
    for (let i = 0; i < n; i++) putPod(g, gi(save, s0 + i));
  }
  const t1 = treeEnd(k);
  for (let t = gi(gangRoot, k); t < t1; t++) si(tDom, t, gi(tSave, t));
  si(gangOk, k, 1);
}

function ripUp(k: i32, pos: i32): bool {
  if (ripBudget <= 0) return false;
  const root = gi(gangRoot, k);
  ripBudget -= N;
  for (let r = 0; r < R; r++) {
    const need = gf(tDemand, root * R + r);
    if (need <= 0) continue;
    let f: f64 = 0;
    for (let x = 0; x < N; x++) if (usable(x)) f += gf(wFree, x * R + r);
    if (f < need) return false;
  }
  const o = k * REASON_SLOTS;
  for (let i = 0; i < REASON_SLOTS; i++) si(rSave, i, gi(reason, o + i));
  const anchor = anchorOf(k);
  const lc = anchor < 0 ? -1 : gi(tReq, anchor);
  const a = lc < 0 ? 0 : gi(levelDom, lc);
  const nd = lc < 0 ? 1 : gi(levelDom, lc + 1) - a;
  for (let i = 0; i < nd; i++) sf(rKey, i, 0);
  let work = N;
  for (let i = 0; i < pos; i++) {
    const v = gi(gangOrder, i);
    if (gi(gangOk, v) === 0) continue;
    const g1 = gi(gangGrp, v + 1);
    for (let g = gi(gangGrp, v); g < g1; g++) {
      const s0 = gi(gSlot, g);
      const n = gi(gPlaced, g);
      work += n;
      for (let j = 0; j < n; j++) {
        const x = gi(podNode, s0 + j);
        const d = lc < 0 ? 0 : gi(nodeDom, x * L + lc) - a;
        if (d >= 0) sf(rKey, d, gf(rKey, d) + 1);
      }
    }
  }
  ripBudget -= work;
  let nc = 0;
  const demand = anchor < 0 ? root : anchor;
  for (let i = 0; i < nd; i++) {
    if (gf(rKey, i) === 0) continue;
    const d = lc < 0 ? -1 : a + i;
    const x0 = d < 0 ? 0 : gi(domStart, d);
    const x1 = d < 0 ? N : gi(domEnd, d);
    let fits = true;
    for (let r = 0; r < R && fits; r++) {
      const need = gf(tDemand, demand * R + r);
      if (need <= 0) continue;
      let f: f64 = 0;
      for (let x = x0; x < x1; x++) if (usable(x)) f += gf(free, x * R + r);
      if (f < need) fits = false;
    }
    if (!fits) continue;
    si(rCand, nc++, i);
  }
  for (let tries = 0; tries < RIP_TRIES && nc > 0 && ripBudget > 0; tries++) {
    let bi = 0;
    for (let c = 1; c < nc; c++) {
      const ki = gf(rKey, gi(rCand, c));
      const kb = gf(rKey, gi(rCand, bi));
      if (ki < kb || (ki === kb && gi(rCand, c) < gi(rCand, bi))) bi = c;
    }
    const i = gi(rCand, bi);
    si(rCand, bi, gi(rCand, --nc));
    if (tryWithout(k, 0, pos, lc < 0 ? -1 : a + i)) return true;
  }
  if (lc >= 0 && ripBudget > 0) {
    if (tryWithout(k, 0, pos, -1)) return true;
  }
  for (let i = 0; i < REASON_SLOTS; i++) si(reason, o + i, gi(rSave, i));
  curGang = k;
  return false;
}

function tryWithout(k: i32, from: i32, to: i32, d: i32): bool {
  const x0 = d < 0 ? 0 : gi(domStart, d);
  const x1 = d < 0 ? N : gi(domEnd, d);
  let nv = 0;
  for (let i = from; i < to; i++) {
    const v = gi(gangOrder, i);
    if (gi(gangOk, v) === 0) continue;
    let inside = false;
    const g1 = gi(gangGrp, v + 1);
    for (let g = gi(gangGrp, v); g < g1 && !inside; g++) {
      const s0 = gi(gSlot, g);
      const n = gi(gPlaced, g);
      for (let j = 0; j < n && !inside; j++) {
        const x = gi(podNode, s0 + j);
        inside = x >= x0 && x < x1;
      }
    }
    if (inside) si(victim, nv++, v);
  }
  let work = gi(tNeed, gi(gangRoot, k));
  for (let i = 0; i < nv; i++) work += takeOut(gi(victim, i));
  ripBudget -= work;
  undoTop = 0;
  curGang = k;
  let ok = solveGangFrom(k, 0);
  for (let i = 0; i < nv && ok; i++) {
    const v = gi(victim, i);
    curGang = v;
    ok = solveGangFrom(v, undoTop);
  }
  if (ok) {
    for (let i = 0; i < nv; i++) si(gangOk, gi(victim, i), 1);
    undoTop = 0;
    curGang = k;
    return true;
  }
  rollback(0);
  for (let i = 0; i < nv; i++) putBack(gi(victim, i));
  return false;
}

// ---- reasons -------------------------------------------------------------------------------

function setReason(at: i32, code: i32, t: i32, lvl: i32, a: i32, b: i32): void {
  const o = curGang * REASON_SLOTS + at;
  si(reason, o, code);
  si(reason, o + 1, t);
  si(reason, o + 2, lvl);
  si(reason, o + 3, a);
  si(reason, o + 4, b);
}

function fitIn(t: i32, d: i32): i32 {
  const k = curGang;
  const a = d < 0 ? 0 : gi(domStart, d);
  const b = d < 0 ? N : gi(domEnd, d);
  const g1 = gi(gangGrp, k + 1);
  let total = 0;
  for (let g = gi(gangGrp, k); g < g1; g++) {
    let u = gi(gTree, g);
    while (u >= 0 && u !== t) u = gi(tParent, u);
    if (u !== t) continue;
    const need = gi(gMin, g);
    const row = gi(gShape, g) * N;
    let got = 0;
    for (let x = a; x < b && got < need; x++) if (gb(elig, row + x) !== 0) got += podsFit(g, x);
    total += min(got, need);
  }
  return total;
}

function recordFailure(t: i32, scope: i32, lvl: i32): void {
  const need = gi(tNeed, t);
  let best = 0;
  let holders = 0;
  if (lvl <= levelOf(scope)) {
    best = fitIn(t, scope);
    if (best >= need) holders = 1;
  } else {
    const n = collectAll(scope, lvl);
    for (let i = 0; i < n; i++) {
      const f = fitIn(t, gi(hId, i));
      if (f > best) best = f;
      if (f >= need) holders++;
    }
  }
  const o = curGang * REASON_SLOTS;
  if (best < need) {
    setReason(0, R_SHORTFALL, t, lvl, best, need);
    si(reason, o + 5, 0);
  } else {
    for (let i = 0; i < 5; i++) si(reason, o + 5 + i, gi(reason, o + i));
    setReason(0, R_NESTED, t, lvl, holders, need);
  }
}

function collectAll(scope: i32, lvl: i32): i32 {
  const a = gi(levelDom, lvl);
  const b = gi(levelDom, lvl + 1);
  const s0 = scope < 0 ? 0 : gi(domStart, scope);
  const s1 = scope < 0 ? N : gi(domEnd, scope);
  let n = 0;
  for (let d = a; d < b; d++) {
    const x = gi(domStart, d);
    if (x >= s0 && x < s1) si(hId, n++, d);
  }
  return n;
}

// ---- pods above the minimums ---------------------------------------------------------------

function surplus(): bool {
  let prev = -1;
  for (let i = 0; i < K; i++) {
    const k = gi(gangOrder, i);
    if (gi(gangOk, k) === 0) continue;
    if (beat >= 0) {
      // Packing pass with the same gangs: an earlier gang's pods are final once its turn is over
      // (later turns move only later gangs), so the reach drops by what it lacks.
      if (prev >= 0) reach -= lacking(prev);
      prev = k;
      if (reach <= beat) {
        undoTop = 0;
        return false;
      }
    }
    undoTop = 0;
    if (fillGang(k) || ripBudget <= 0) continue;
    const g0 = gi(gangGrp, k);
    const g1 = gi(gangGrp, k + 1);
    takeOut(k);
    undoTop = 0;
    for (let g = g0; g < g1; g++) si(mSave, g, gi(gMin, g));
    let ok = false;
    for (let step = 0; step < 3 && !ok; step++) {
      for (let g = g0; g < g1; g++) {
        const c = gi(gCount, g);
        const got = gi(gSave, g);
        si(gMin, g, step === 0 ? c : step === 1 ? got + ((c - got + 1) >> 1) : min(c, got + 1));
      }
      demand(k);
      ripBudget -= gi(tNeed, gi(gangRoot, k));
      curGang = k;
      ok = solveGang(k);
      if (!ok && ripBudget > 0) {
        const dk = savedScope(k);
        ok = tryWithout(k, i + 1, K, dk);
        if (!ok && dk >= 0 && ripBudget > 0) ok = tryWithout(k, i + 1, K, -1);
      }
    }
    for (let g = g0; g < g1; g++) si(gMin, g, gi(mSave, g));
    demand(k);
    if (!ok) {
      putBack(k);
      continue;
    }
    si(gangOk, k, 1);
    undoTop = 0;
    fillGang(k);
  }
  undoTop = 0;
  return true;
}

/** Pods of gang k's groups not placed. */
function lacking(k: i32): i32 {
  let n = 0;
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) n += gi(gCount, g) - gi(gPlaced, g);
  return n;
}

function fillGang(k: i32): bool {
  let all = true;
  const g1 = gi(gangGrp, k + 1);
  for (let g = gi(gangGrp, k); g < g1; g++) {
    const extra = gi(gCount, g) - gi(gPlaced, g);
    if (extra <= 0) continue;
    const t = gi(gTree, g);
    const s1 = gi(tDom, t);
    let got = fill(g, s1, extra);
    if (got < extra) {
      const s2 = requiredScope(t);
      if (s2 !== s1) got += fill(g, s2, extra - got);
    }
    if (got < extra) all = false;
  }
  return all;
}

function demand(k: i32): void {
  const root = gi(gangRoot, k);
  const t1 = treeEnd(k);
  for (let t = root; t < t1; t++) {
    const g = gi(tGroup, t);
    si(tNeed, t, g >= 0 ? gi(gMin, g) : 0);
    for (let r = 0; r < R; r++) sf(tDemand, t * R + r, g >= 0 ? <f64>gi(gMin, g) * gf(gReq, g * R + r) : 0);
  }
  for (let t = t1 - 1; t > root; t--) {
    const p = gi(tParent, t);
    si(tNeed, p, gi(tNeed, p) + gi(tNeed, t));
    for (let r = 0; r < R; r++) sf(tDemand, p * R + r, gf(tDemand, p * R + r) + gf(tDemand, t * R + r));
  }
}

function requiredScope(t: i32): i32 {
  let u = t;
  while (u >= 0) {
    const req = gi(tReq, u);
    if (req >= 0) return domainAt(gi(tDom, u), req);
    u = gi(tParent, u);
  }
  return -1;
}

// ---- a binary min-heap over (key, tie): tie is the node's rank when rankArr != 0, else the id --

function less(ids: usize, keys: usize, i: i32, j: i32, rankArr: usize): bool {
  const a = gf(keys, i);
  const b = gf(keys, j);
  if (a !== b) return a < b;
  const x = gi(ids, i);
  const y = gi(ids, j);
  return rankArr === 0 ? x < y : gi(rankArr, x) < gi(rankArr, y);
}

function siftDown(ids: usize, keys: usize, base: i32, n: i32, i0: i32, rankArr: usize): void {
  let i = i0;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let m = l;
    if (l + 1 < n && less(ids, keys, base + l + 1, base + l, rankArr)) m = l + 1;
    if (!less(ids, keys, base + m, base + i, rankArr)) return;
    const ti = gi(ids, base + i);
    si(ids, base + i, gi(ids, base + m));
    si(ids, base + m, ti);
    const tk = gf(keys, base + i);
    sf(keys, base + i, gf(keys, base + m));
    sf(keys, base + m, tk);
    i = m;
  }
}

function heapify(ids: usize, keys: usize, base: i32, n: i32, rankArr: usize): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(ids, keys, base, n, i, rankArr);
}

function heapPop(ids: usize, keys: usize, base: i32, n: i32, rankArr: usize): i32 {
  const last = n - 1;
  si(ids, base, gi(ids, base + last));
  sf(keys, base, gf(keys, base + last));
  siftDown(ids, keys, base, last, 0, rankArr);
  return last;
}
