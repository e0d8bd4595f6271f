// The reference engine: the placement algorithm in plain TypeScript over the same arenas the
// WebAssembly kernel reads (assembly/assembly/kernel.ts is its line-by-line twin; keep them in step).
//
// Per call: copy free capacity into scratch, sum it per domain, evaluate every node against every
// distinct group shape once, then place each gang's minimum in priority order (all-or-nothing,
// with rollback), and finally the pods above the minimums, best-effort, in the same order.
//
// Inside a gang the tree gang -> sub-groups -> groups is searched depth-first. A node of the tree
// with a constraint tries the domains of its starting level (preferred, else required) best fit
// first; when a nested constraint fails in a candidate the pods are rolled back and the next
// candidate is tried; a preferred level climbs one level at a time, never past the required one.
//
// Two repairs, both bounded by REPAIR_WORK and both kept only when nothing placed is lost:
// - rip-up: a gang whose minimum does not fit beside the gangs placed before it takes a domain
//   those gangs occupy (fewest of their pods first, then the whole cluster): they are taken out,
//   the gang is placed, and they are placed again in their order; if any of them no longer fits,
//   everything goes back as it was. An earlier gang never loses its place to a later one.
// - re-place for surplus: when a placed gang's pods above its minimum do not all fit in its
//   domains, the gang is taken out and placed again as if more of its pods were its minimum
//   (every wanted pod, else half of what is missing, else one more per short group), then filled;
//   when a target does not fit beside the later gangs' minimums, those in the gang's domain (then
//   all of them) are taken out and placed again after it, kept only if every one fits. If no
//   target fits, the gang goes back.
import { C, DEPTH, FLAG_CORDONED, FLAG_REMOVED, P, R, REASON_SLOTS } from "./layout.js";

/** Added to the key of a domain that holds the minimum but not every wanted pod (keys are <= R). */
const PARTIAL = 1024;
/**
 * The repairs' work per call, in pods and nodes visited, as a multiple of the call's pods plus
 * nodes: a repair re-places whole gangs, so without a bound a full cluster would cost quadratic time.
 */
const REPAIR_WORK = 4;
/** ... plus this much, so small calls repair freely. */
const REPAIR_FLOOR = 65536;
/** Candidate domains one rip-up tries. */
const RIP_TRIES = 6;
/** Relative slack of the packing pass's bounds (hopes()) over floating-point rounding. */
const TOLERANCE = 1e-9;

export class JsKernel {
  // cluster
  private N = 0;
  private R = 0;
  private L = 0;
  private D = 0;
  private free!: Float64Array;
  private alloc!: Float64Array;
  private flags!: Int32Array;
  private rank!: Int32Array;
  private nodeDom!: Int32Array;
  private domStart!: Int32Array;
  private domEnd!: Int32Array;
  private domLevel!: Int32Array;
  private levelDom!: Int32Array;
  private labOff!: Int32Array;
  private labKey!: Int32Array;
  private labVal!: Int32Array;
  private labNum!: Float64Array;
  private taintOff!: Int32Array;
  private taintKey!: Int32Array;
  private taintVal!: Int32Array;
  private taintEff!: Int32Array;
  // call
  private K = 0;
  private G = 0;
  private T = 0;
  private S = 0;
  private PODS = 0;
  private spread = false;
  private gangOrder!: Int32Array;
  private gangRoot!: Int32Array;
  private gangGrp!: Int32Array;
  private gCount!: Int32Array;
  private gMin!: Int32Array;
  private gShape!: Int32Array;
  private gTree!: Int32Array;
  private gSlot!: Int32Array;
  private gReq!: Float64Array;
  private tReq!: Int32Array;
  private tPref!: Int32Array;
  private tParent!: Int32Array;
  private tChOff!: Int32Array;
  private tChild!: Int32Array;
  private tGroup!: Int32Array;
  private tolOff!: Int32Array;
  private tolKey!: Int32Array;
  private tolOp!: Int32Array;
  private tolVal!: Int32Array;
  private tolEff!: Int32Array;
  private selOff!: Int32Array;
  private selKey!: Int32Array;
  private selVal!: Int32Array;
  private termOff!: Int32Array;
  private sAff!: Int32Array;
  private exprOff!: Int32Array;
  private exprKey!: Int32Array;
  private exprOp!: Int32Array;
  private exprVOff!: Int32Array;
  private exprVal!: Int32Array;
  private exprNum!: Float64Array;
  private wFree!: Float64Array;
  private wDom!: Float64Array;
  private elig!: Uint8Array;
  private undo!: Int32Array;
  private tDemand!: Float64Array;
  private tFull!: Float64Array;
  private tNeed!: Int32Array;
  private tDom!: Int32Array;
  private cId!: Int32Array;
  private cKey!: Float64Array;
  private hId!: Int32Array;
  private hKey!: Float64Array;
  private dCap!: Float64Array;
  private sPref!: Int32Array;
  private pScore!: Float64Array;
  // Domain caps (domain-caps.ts): the count, the capped groups, each node's slot, caps and counts.
  private nCap = 0;
  private capGrp!: Int32Array;
  private capDom!: Int32Array;
  private capMax!: Int32Array;
  /** fillCapped()'s scratch, grown as needed. */
  private capScratch = new Int32Array(0);
  /** Set by fill(): some node of the scope lacks the label of a level below the scope. */
  private orphans = false;
  /** Set by init(): every domain of the narrowest level is one node. */
  private singleLeaf = false;
  /** run()'s second pass: fill() packs the chosen domain without the locality step. */
  private packing = false;
  /** Packing pass, undecided: the locality answer's pods to beat; -1 otherwise (see hopes()). */
  private beat = -1;
  /** Set by hopes(): the last position where packing may place a gang the locality pass left out. */
  private lastHope = -1;
  /** Set by hopes(): whether packing may place more pods with the same gangs. */
  private podsHope = false;
  /** Packing pass: the most pods it can still end with if it places the same gangs (surplus() lowers it). */
  private reach = 0;
  private capT!: Float64Array;
  private gPlaced!: Int32Array;
  private eligCount!: Int32Array;
  private podNode!: Int32Array;
  private gangOk!: Int32Array;
  private reason!: Int32Array;
  private stats!: Int32Array;
  private save!: Int32Array;
  private gSave!: Int32Array;
  private tSave!: Int32Array;
  private rCand!: Int32Array;
  private rKey!: Float64Array;
  private victim!: Int32Array;
  private rSave!: Int32Array;
  private mSave!: Int32Array;
  private undoTop = 0;
  /** Repair work left in this call (see REPAIR_WORK). */
  private ripBudget = 0;
  private curGang = 0;

  run(cBuf: ArrayBuffer, cBase: number, pBuf: ArrayBuffer, pBase: number): number {
    this.bind(cBuf, cBase, pBuf, pBase);
    this.packing = false;
    this.beat = -1;
    this.pass();
    const got = this.podsPlaced();
    if (this.spread || got >= this.PODS) return 0;
    // Pods left out: the same call with packing only (most-allocated nodes of the chosen domain, no
    // locality step) may place more, since locality choices can leave nodes too fragmented for a
    // later gang. The better answer is kept (better(); on a tie the locality one). Skipped when it
    // provably cannot win, and stopped as soon as it cannot (hopes()).
    if (!this.hopes(got)) return 0;
    const K = this.K;
    const G = this.G;
    const PODS = this.PODS;
    const RS = K * REASON_SLOTS;
    const tries = this.stats[0] as number;
    this.gangOk.copyWithin(K, 0, K);
    this.gPlaced.copyWithin(G, 0, G);
    this.podNode.copyWithin(PODS, 0, PODS);
    this.reason.copyWithin(RS, 0, RS);
    this.packing = true;
    this.beat = got;
    const won = this.pass() && this.better(got);
    this.packing = false;
    this.beat = -1;
    this.stats[0] = (this.stats[0] as number) + tries;
    if (won) return 0;
    this.gangOk.copyWithin(0, K, 2 * K);
    this.gPlaced.copyWithin(0, G, 2 * G);
    this.podNode.copyWithin(0, PODS, 2 * PODS);
    this.reason.copyWithin(0, RS, 2 * RS);
    return 0;
  }

  /**
   * Every gang's minimum in gang order (with repairs), then the pods above the minimums. In the
   * packing pass, false as soon as its answer cannot beat the locality one (kept in the out
   * sections' second halves): it fails a gang the locality pass placed before placing one that
   * pass failed, or neither is left to happen and the pods cannot win (hopes()).
   */
  private pass(): boolean {
    this.init();
    const K = this.K;
    for (let i = 0; i < K; i++) {
      const k = this.gangOrder[i] as number;
      this.curGang = k;
      const ok = this.solveGang(k) || this.ripUp(k, i);
      this.gangOk[k] = ok ? 1 : 0;
      if (this.beat < 0) continue;
      const was = this.gangOk[K + k] as number;
      if (ok && was === 0) this.beat = -1;
      else if (!ok && was !== 0) return false;
      else if (i >= this.lastHope && !this.podsHope) return false;
    }
    return this.surplus();
  }

  /**
   * Before the packing pass: whether its answer can beat the locality one (`got` pods). An earlier
   * gang in gang order outranks any number of later pods (better()), and a gang's gangOk is final
   * once its turn in the first loop is over (rip-up and surplus() move earlier or later gangs
   * only when all of them fit again). So packing wins only by (1) placing a gang the locality pass
   * left out, every gang before it placed or not as that pass did, or (2) placing the same
   * gangs and more pods. (1) is impossible for gang k (a) when a group's minimum has no eligible
   * node, (b) when the group's minimum exceeds the pods that fit on its eligible nodes with the
   * call's free capacity (pods only take capacity away), or (c) when for some resource k's minimum
   * demand exceeds the usable nodes' free capacity (negative free counted as 0) minus the minimum
   * demand of the gangs before it that the locality pass placed (packing must place those too). (2)
   * is impossible when the pods above the minimums of those gangs cannot exceed the locality
   * pass's: they number at most the gangs' counts minus minimums, and per resource at most the
   * capacity left after every minimum over the smallest request among them (plus the pods not
   * asking for it). A 1e-9 relative tolerance keeps the bounds above floating-point rounding. Sets
   * lastHope (the last position where (1) is possible, -1 none), podsHope and reach. Uses mSave
   * (indexed by a gang's first group) as scratch: surplus() writes it before reading.
   */
  private hopes(got: number): boolean {
    const { N, R: Rn, K } = this;
    const hopeless = this.mSave;
    let mins = 0;
    let extra = 0;
    for (let k = 0; k < K; k++) {
      const g0 = this.gangGrp[k] as number;
      const g1 = this.gangGrp[k + 1] as number;
      if (this.gangOk[k] !== 0) {
        for (let g = g0; g < g1; g++) {
          mins += this.gMin[g] as number;
          extra += (this.gCount[g] as number) - (this.gMin[g] as number);
        }
        continue;
      }
      if (g0 >= g1) continue;
      hopeless[g0] = 0;
      for (let g = g0; g < g1; g++)
        if ((this.gMin[g] as number) > 0 && this.eligCount[this.gShape[g] as number] === 0) hopeless[g0] = 1;
    }
    this.reach = mins + extra;
    let best = extra;
    for (let r = 0; r < Rn; r++) {
      let total = 0;
      for (let x = 0; x < N; x++) {
        const f = this.free[x * Rn + r] as number;
        if (f > 0 && this.usable(x)) total += f;
      }
      let avail = total;
      for (let i = 0; i < K; i++) {
        const k = this.gangOrder[i] as number;
        const need = this.tDemand[(this.gangRoot[k] as number) * Rn + r] as number;
        if (this.gangOk[k] !== 0) avail -= need;
        else if (need > avail + TOLERANCE * (total + need)) {
          const g0 = this.gangGrp[k] as number;
          if (g0 < (this.gangGrp[k + 1] as number)) hopeless[g0] = 1;
        }
      }
      if (best <= got - mins) continue;
      // Pods above the minimums with this resource alone as the limit.
      let q = -1;
      let bound = 0;
      for (let k = 0; k < K; k++) {
        if (this.gangOk[k] === 0) continue;
        const g1 = this.gangGrp[k + 1] as number;
        for (let g = this.gangGrp[k] as number; g < g1; g++) {
          const e = (this.gCount[g] as number) - (this.gMin[g] as number);
          if (e <= 0) continue;
          const v = this.gReq[g * Rn + r] as number;
          if (v <= 0) bound += e;
          else if (q < 0 || v < q) q = v;
        }
      }
      if (q > 0 && avail > 0) bound += Math.floor((avail / q) * (1 + TOLERANCE) + TOLERANCE);
      if (bound < best) best = bound;
    }
    this.podsHope = mins + best > got;
    this.lastHope = -1;
    for (let i = K - 1; i >= 0 && this.lastHope < 0; i--) {
      const k = this.gangOrder[i] as number;
      const g0 = this.gangGrp[k] as number;
      if (
        this.gangOk[k] === 0 &&
        g0 < (this.gangGrp[k + 1] as number) &&
        hopeless[g0] === 0 &&
        this.fitsAlone(k)
      )
        this.lastHope = i;
    }
    return this.podsHope || this.lastHope >= 0;
  }

  /** Whether every group of gang k finds its minimum's pods on its eligible nodes' free capacity. */
  private fitsAlone(k: number): boolean {
    const { N, R: Rn } = this;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      const want = this.gMin[g] as number;
      if (want <= 0) continue;
      const row = (this.gShape[g] as number) * N;
      let n = 0;
      for (let x = 0; x < N && n < want; x++) {
        if (this.elig[row + x] === 0) continue;
        let m = want;
        for (let r = 0; r < Rn && m > 0; r++) {
          const q = this.gReq[g * Rn + r] as number;
          if (q <= 0) continue;
          const f = this.free[x * Rn + r] as number;
          const c = f > 0 ? Math.floor((f / q) * (1 + TOLERANCE) + TOLERANCE) : 0;
          if (c < m) m = c;
        }
        n += m;
      }
      if (n < want) return false;
    }
    return true;
  }

  /**
   * Whether this pass's answer beats the kept one (`got` pods): in gang order, the first gang
   * placed by one and not the other decides (an earlier gang never gives way to later pods, as in
   * the contract's order); with the same gangs placed, more pods.
   */
  private better(got: number): boolean {
    const K = this.K;
    for (let i = 0; i < K; i++) {
      const k = this.gangOrder[i] as number;
      const now = this.gangOk[k] as number;
      if (now !== (this.gangOk[K + k] as number)) return now !== 0;
    }
    return this.podsPlaced() > got;
  }

  /** Pods of the placed gangs, as decode() counts them. */
  private podsPlaced(): number {
    let n = 0;
    for (let k = 0; k < this.K; k++) {
      if (this.gangOk[k] === 0) continue;
      const g1 = this.gangGrp[k + 1] as number;
      for (let g = this.gangGrp[k] as number; g < g1; g++) n += this.gPlaced[g] as number;
    }
    return n;
  }

  private bind(cBuf: ArrayBuffer, cBase: number, pBuf: ArrayBuffer, pBase: number): void {
    const ch = new Int32Array(cBuf, cBase, C.HEADER);
    const ci = (slot: number, n: number) => new Int32Array(cBuf, cBase + (ch[slot] as number), n);
    const cf = (slot: number, n: number) => new Float64Array(cBuf, cBase + (ch[slot] as number), n);
    this.N = ch[C.N] as number;
    const N = this.N;
    this.R = ch[C.R] as number;
    const Rn = this.R;
    this.L = ch[C.L] as number;
    const L = this.L;
    this.D = ch[C.D] as number;
    const D = this.D;
    this.free = cf(C.FREE, N * Rn);
    this.alloc = cf(C.ALLOC, N * Rn);
    this.flags = ci(C.FLAGS, N);
    this.rank = ci(C.RANK, N);
    this.nodeDom = ci(C.NODEDOM, N * L);
    this.domStart = ci(C.DOMSTART, D);
    this.domEnd = ci(C.DOMEND, D);
    this.domLevel = ci(C.DOMLEVEL, D);
    this.levelDom = ci(C.LEVELDOM, L + 1);
    this.labOff = ci(C.LABOFF, N + 1);
    const nl = this.labOff[N] as number;
    this.labKey = ci(C.LABKEY, nl);
    this.labVal = ci(C.LABVAL, nl);
    this.labNum = cf(C.LABNUM, nl);
    this.taintOff = ci(C.TAINTOFF, N + 1);
    const nt = this.taintOff[N] as number;
    this.taintKey = ci(C.TAINTKEY, nt);
    this.taintVal = ci(C.TAINTVAL, nt);
    this.taintEff = ci(C.TAINTEFF, nt);

    const ph = new Int32Array(pBuf, pBase, P.HEADER);
    const pi = (slot: number, n: number) => new Int32Array(pBuf, pBase + (ph[slot] as number), n);
    const pf = (slot: number, n: number) => new Float64Array(pBuf, pBase + (ph[slot] as number), n);
    this.K = ph[P.K] as number;
    const K = this.K;
    this.G = ph[P.G] as number;
    const G = this.G;
    this.T = ph[P.T] as number;
    const T = this.T;
    this.S = ph[P.S] as number;
    const S = this.S;
    this.PODS = ph[P.PODS] as number;
    const PODS = this.PODS;
    this.spread = ph[P.SPREAD] !== 0;
    this.gangOrder = pi(P.GANGORDER, K);
    this.gangRoot = pi(P.GANGROOT, K);
    this.gangGrp = pi(P.GANGGRP, K + 1);
    this.gCount = pi(P.GCOUNT, G);
    this.gMin = pi(P.GMIN, G);
    this.gShape = pi(P.GSHAPE, G);
    this.gTree = pi(P.GTREE, G);
    this.gSlot = pi(P.GSLOT, G);
    this.gReq = pf(P.GREQ, G * Rn);
    this.tReq = pi(P.TREQ, T);
    this.tPref = pi(P.TPREF, T);
    this.tParent = pi(P.TPARENT, T);
    this.tChOff = pi(P.TCHOFF, T + 1);
    this.tChild = pi(P.TCHILD, T);
    this.tGroup = pi(P.TGROUP, T);
    this.tolOff = pi(P.TOLOFF, S + 1);
    const ntol = this.tolOff[S] as number;
    this.tolKey = pi(P.TOLKEY, ntol);
    this.tolOp = pi(P.TOLOP, ntol);
    this.tolVal = pi(P.TOLVAL, ntol);
    this.tolEff = pi(P.TOLEFF, ntol);
    this.selOff = pi(P.SELOFF, S + 1);
    const nsel = this.selOff[S] as number;
    this.selKey = pi(P.SELKEY, nsel);
    this.selVal = pi(P.SELVAL, nsel);
    this.termOff = pi(P.TERMOFF, S + 1);
    this.sAff = pi(P.SAFF, S);
    const nterm = this.termOff[S] as number;
    this.exprOff = pi(P.EXPROFF, nterm + 1);
    const nexpr = this.exprOff[nterm] as number;
    this.exprKey = pi(P.EXPRKEY, nexpr);
    this.exprOp = pi(P.EXPROP, nexpr);
    this.exprVOff = pi(P.EXPRVOFF, nexpr + 1);
    this.exprVal = pi(P.EXPRVAL, this.exprVOff[nexpr] as number);
    this.exprNum = pf(P.EXPRNUM, nexpr);
    this.wFree = pf(P.WFREE, N * Rn);
    this.wDom = pf(P.WDOM, D * Rn);
    // A scratch row after the shapes' when some shape has node preferences (fill()).
    // Domain caps add a second (fillCapped()).
    this.nCap = ph[P.NCAP] as number;
    const eligRows = this.nCap > 0 ? S + 2 : (ph[P.NPREF] as number) > 0 ? S + 1 : S;
    this.elig = new Uint8Array(pBuf, pBase + (ph[P.ELIG] as number), eligRows * N);
    this.undo = pi(P.UNDO, 2 * PODS);
    this.tDemand = pf(P.TDEMAND, T * Rn);
    this.tFull = pf(P.TFULL, T * Rn);
    this.tNeed = pi(P.TNEED, T);
    this.tDom = pi(P.TDOM, T);
    this.cId = pi(P.CID, DEPTH * (D + 1));
    this.cKey = pf(P.CKEY, DEPTH * (D + 1));
    this.hId = pi(P.HID, N);
    this.hKey = pf(P.HKEY, N);
    this.dCap = pf(P.DCAP, D);
    this.sPref = pi(P.PREF, S);
    this.pScore = pf(P.PSCORE, (ph[P.NPREF] as number) * N);
    if (this.nCap > 0) {
      const head = pi(P.CAPGRP, this.nCap + 1);
      this.capGrp = pi(P.CAPGRP, head[this.nCap] as number);
      this.capDom = pi(P.CAPDOM, this.nCap * N);
      let slots = 0;
      for (const j of this.capDom) if (j + 1 > slots) slots = j + 1;
      this.capMax = pi(P.CAPMAX, 2 * slots);
    }
    this.capT = pf(P.CAPT, Rn);
    // Out sections are twice as long: the second half keeps the locality pass's answer (run()).
    this.gPlaced = pi(P.GPLACED, 2 * G);
    this.eligCount = pi(P.ELIGCOUNT, S);
    this.podNode = pi(P.PODNODE, 2 * PODS);
    this.gangOk = pi(P.GANGOK, 2 * K);
    this.reason = pi(P.REASON, 2 * K * REASON_SLOTS);
    this.stats = pi(P.STATS, 8);
    this.save = pi(P.SAVE, PODS);
    this.gSave = pi(P.GSAVE, G);
    this.tSave = pi(P.TSAVE, T);
    this.rCand = pi(P.RCAND, D + 1);
    this.rKey = pf(P.RKEY, D + 1);
    this.victim = pi(P.VICTIM, K);
    this.rSave = pi(P.RSAVE, REASON_SLOTS);
    this.mSave = pi(P.MSAVE, G);
  }

  private usable(n: number): boolean {
    return ((this.flags[n] as number) & (FLAG_CORDONED | FLAG_REMOVED)) === 0;
  }

  private init(): void {
    const { N, R: Rn, L } = this;
    this.wFree.set(this.free);
    this.capT.fill(0);
    this.wDom.fill(0);
    for (let n = 0; n < N; n++) {
      if (!this.usable(n)) continue;
      for (let r = 0; r < Rn; r++) {
        const a = this.alloc[n * Rn + r] as number;
        if (a > 0) this.capT[r] = (this.capT[r] as number) + a;
      }
      for (let l = 0; l < L; l++) {
        const d = this.nodeDom[n * L + l] as number;
        if (d < 0) break;
        for (let r = 0; r < Rn; r++) {
          const f = this.wFree[n * Rn + r] as number;
          if (f > 0) this.wDom[d * Rn + r] = (this.wDom[d * Rn + r] as number) + f;
        }
      }
    }
    for (let r = 0; r < Rn; r++) if ((this.capT[r] as number) <= 0) this.capT[r] = 1;
    this.singleLeaf = L > 0;
    if (L > 0) {
      const d1 = this.levelDom[L] as number;
      for (let d = this.levelDom[L - 1] as number; d < d1 && this.singleLeaf; d++)
        if ((this.domEnd[d] as number) - (this.domStart[d] as number) !== 1) this.singleLeaf = false;
    }
    for (let s = 0; s < this.S; s++) {
      let count = 0;
      for (let n = 0; n < N; n++) {
        const ok = this.usable(n) && this.feasible(s, n);
        this.elig[s * N + n] = ok ? 1 : 0;
        if (ok) count++;
      }
      this.eligCount[s] = count;
    }
    const T = this.T;
    this.tDemand.fill(0);
    this.tFull.fill(0);
    for (let t = 0; t < T; t++) {
      const g = this.tGroup[t] as number;
      this.tNeed[t] = g >= 0 ? (this.gMin[g] as number) : 0;
      this.tDom[t] = -1;
      if (g >= 0)
        for (let r = 0; r < Rn; r++) {
          this.tDemand[t * Rn + r] = (this.gMin[g] as number) * (this.gReq[g * Rn + r] as number);
          this.tFull[t * Rn + r] = (this.gCount[g] as number) * (this.gReq[g * Rn + r] as number);
        }
    }
    for (let t = T - 1; t >= 0; t--) {
      const p = this.tParent[t] as number;
      if (p < 0) continue;
      this.tNeed[p] = (this.tNeed[p] as number) + (this.tNeed[t] as number);
      for (let r = 0; r < Rn; r++) {
        this.tDemand[p * Rn + r] =
          (this.tDemand[p * Rn + r] as number) + (this.tDemand[t * Rn + r] as number);
        this.tFull[p * Rn + r] = (this.tFull[p * Rn + r] as number) + (this.tFull[t * Rn + r] as number);
      }
    }
    // Children with the most pods first: the hardest part of a domain is claimed first.
    for (let t = 0; t < T; t++) {
      const a = this.tChOff[t] as number;
      const b = this.tChOff[t + 1] as number;
      for (let i = a + 1; i < b; i++) {
        const c = this.tChild[i] as number;
        let j = i - 1;
        while (j >= a && this.childBefore(c, this.tChild[j] as number)) {
          this.tChild[j + 1] = this.tChild[j] as number;
          j--;
        }
        this.tChild[j + 1] = c;
      }
    }
    this.podNode.fill(-1, 0, this.PODS);
    this.gPlaced.fill(0, 0, this.G);
    this.gangOk.fill(0, 0, this.K);
    this.reason.fill(0, 0, this.K * REASON_SLOTS);
    this.stats.fill(0);
    this.undoTop = 0;
    this.ripBudget = REPAIR_WORK * (this.PODS + N) + REPAIR_FLOOR;
  }

  private childBefore(a: number, b: number): boolean {
    const na = this.tNeed[a] as number;
    const nb = this.tNeed[b] as number;
    return na > nb || (na === nb && a < b);
  }

  // ---- filters: taints, nodeSelector, required node affinity -------------------------------

  private labelIndex(n: number, key: number): number {
    const b = this.labOff[n + 1] as number;
    for (let i = this.labOff[n] as number; i < b; i++) if (this.labKey[i] === key) return i;
    return -1;
  }

  private feasible(s: number, n: number): boolean {
    const t1 = this.taintOff[n + 1] as number;
    const o0 = this.tolOff[s] as number;
    const o1 = this.tolOff[s + 1] as number;
    for (let i = this.taintOff[n] as number; i < t1; i++) {
      let tolerated = false;
      for (let j = o0; j < o1; j++) {
        const eff = this.tolEff[j] as number;
        if (eff !== 0 && eff !== this.taintEff[i]) continue;
        const key = this.tolKey[j] as number;
        if (key < 0) {
          if (this.tolOp[j] === 1) {
            tolerated = true;
            break;
          }
          continue;
        }
        if (key !== this.taintKey[i]) continue;
        if (this.tolOp[j] === 1 || this.tolVal[j] === this.taintVal[i]) {
          tolerated = true;
          break;
        }
      }
      if (!tolerated) return false;
    }
    const s1 = this.selOff[s + 1] as number;
    for (let i = this.selOff[s] as number; i < s1; i++) {
      const li = this.labelIndex(n, this.selKey[i] as number);
      if (li < 0 || this.labVal[li] !== this.selVal[i]) return false;
    }
    if (this.sAff[s] !== 0) {
      const e1 = this.termOff[s + 1] as number;
      let any = false;
      for (let term = this.termOff[s] as number; term < e1 && !any; term++) any = this.termHolds(term, n);
      if (!any) return false;
    }
    return true;
  }

  private termHolds(term: number, n: number): boolean {
    const a = this.exprOff[term] as number;
    const b = this.exprOff[term + 1] as number;
    if (a === b) return false;
    for (let e = a; e < b; e++) {
      const li = this.labelIndex(n, this.exprKey[e] as number);
      const op = this.exprOp[e] as number;
      let ok: boolean;
      if (op === 0) ok = li >= 0 && this.valueIn(e, this.labVal[li] as number);
      else if (op === 1) ok = li < 0 || !this.valueIn(e, this.labVal[li] as number);
      else if (op === 2) ok = li >= 0;
      else if (op === 3) ok = li < 0;
      else if (op === 4) ok = li >= 0 && (this.labNum[li] as number) > (this.exprNum[e] as number);
      else ok = li >= 0 && (this.labNum[li] as number) < (this.exprNum[e] as number);
      if (!ok) return false;
    }
    return true;
  }

  private valueIn(e: number, v: number): boolean {
    const b = this.exprVOff[e + 1] as number;
    for (let i = this.exprVOff[e] as number; i < b; i++) if (this.exprVal[i] === v) return true;
    return false;
  }

  // ---- one gang ----------------------------------------------------------------------------

  private solveGang(k: number): boolean {
    this.undoTop = 0;
    return this.solveGangFrom(k, 0);
  }

  /** Places gang k's minimum on top of the undo log's `mark`; on failure rolls back to it. */
  private solveGangFrom(k: number, mark: number): boolean {
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      if ((this.gMin[g] as number) > 0 && this.eligCount[this.gShape[g] as number] === 0) {
        this.setReason(0, R.NO_NODE, this.gTree[g] as number, -1, 0, this.gMin[g] as number);
        return false;
      }
    }
    if (this.placeTree(this.gangRoot[k] as number, -1, 0)) return true;
    this.rollback(mark);
    return false;
  }

  private levelOf(d: number): number {
    return d < 0 ? -1 : (this.domLevel[d] as number);
  }

  private placeTree(t: number, scope: number, depth: number): boolean {
    const req = this.tReq[t] as number;
    const pref = this.tPref[t] as number;
    if (req < 0 && pref < 0) {
      this.tDom[t] = scope;
      return this.placeChildren(t, scope, depth);
    }
    const start = pref >= 0 ? pref : req;
    const stop = req >= 0 ? req : -1;
    const sl = this.levelOf(scope);
    const base = depth * (this.D + 1);
    let last = start;
    for (let lvl = start; lvl >= stop; lvl--) {
      last = lvl;
      if (lvl <= sl) {
        // The scope already lies in one domain of this level (and of every broader one).
        const mark = this.undoTop;
        this.tDom[t] = scope;
        this.stats[0] = (this.stats[0] as number) + 1;
        if (this.placeChildren(t, scope, depth)) return true;
        this.rollback(mark);
        break;
      }
      let n = this.collect(t, scope, lvl, base);
      heapify(this.cId, this.cKey, base, n, null);
      while (n > 0) {
        const d = this.cId[base] as number;
        n = heapPop(this.cId, this.cKey, base, n, null);
        const mark = this.undoTop;
        this.tDom[t] = d;
        this.stats[0] = (this.stats[0] as number) + 1;
        if (this.placeChildren(t, d, depth)) return true;
        this.rollback(mark);
      }
    }
    this.recordFailure(t, scope, last);
    return false;
  }

  /** Domains of level `lvl` inside `scope` whose free capacity covers t's minimum, keyed by what would be left. */
  private collect(t: number, scope: number, lvl: number, base: number): number {
    const Rn = this.R;
    let a = this.levelDom[lvl] as number;
    let b = this.levelDom[lvl + 1] as number;
    if (scope >= 0) {
      const s0 = this.domStart[scope] as number;
      const s1 = this.domEnd[scope] as number;
      let lo = a;
      let hi = b;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.domStart[mid] as number) < s0) lo = mid + 1;
        else hi = mid;
      }
      a = lo;
      lo = a;
      hi = b;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.domStart[mid] as number) < s1) lo = mid + 1;
        else hi = mid;
      }
      b = lo;
    }
    let n = 0;
    for (let d = a; d < b; d++) {
      let key = 0;
      let fits = true;
      for (let r = 0; r < Rn; r++) {
        const need = this.tDemand[t * Rn + r] as number;
        if (need <= 0) continue;
        const f = this.wDom[d * Rn + r] as number;
        if (f < need) {
          fits = false;
          break;
        }
        key += (f - need) / (this.capT[r] as number);
      }
      if (!fits) continue;
      // Domains that can also take the pods above the minimum come first (tightest for all of
      // them): those pods may only go inside the chosen domain.
      // Among the others, the one that leaves the fewest of them out.
      let full = true;
      let keyFull = 0;
      for (let r = 0; r < Rn; r++) {
        const want = this.tFull[t * Rn + r] as number;
        if (want <= 0) continue;
        const f = this.wDom[d * Rn + r] as number;
        if (f < want) {
          full = false;
          break;
        }
        keyFull += (f - want) / (this.capT[r] as number);
      }
      this.cId[base + n] = d;
      this.cKey[base + n] = full ? keyFull : PARTIAL + key;
      n++;
    }
    return n;
  }

  private placeChildren(t: number, scope: number, depth: number): boolean {
    const g = this.tGroup[t] as number;
    if (g >= 0) {
      const need = this.gMin[g] as number;
      const placed = this.fill(g, scope, need);
      if (placed < need) {
        this.setReason(0, R.LEAF, t, this.levelOf(scope), placed, need);
        return false;
      }
      return true;
    }
    // Siblings go in order; when one fails after others were placed, it moves to the front and
    // the siblings are placed again (at most once per sibling), since the earlier ones may have
    // taken what it needed.
    const a = this.tChOff[t] as number;
    const b = this.tChOff[t + 1] as number;
    const mark = this.undoTop;
    for (let retry = a; retry < b; retry++) {
      let failed = -1;
      for (let i = a; i < b && failed < 0; i++)
        if (!this.placeTree(this.tChild[i] as number, scope, depth + 1)) failed = i;
      if (failed < 0) return true;
      if (failed === a) return false;
      this.rollback(mark);
      const c = this.tChild[failed] as number;
      for (let i = failed; i > a; i--) this.tChild[i] = this.tChild[i - 1] as number;
      this.tChild[a] = c;
    }
    return false;
  }

  // ---- nodes -------------------------------------------------------------------------------

  private podsFit(g: number, x: number): number {
    const Rn = this.R;
    let m = 1073741824;
    for (let r = 0; r < Rn; r++) {
      const q = this.gReq[g * Rn + r] as number;
      if (q <= 0) continue;
      const k = Math.floor((this.wFree[x * Rn + r] as number) / q);
      if (k < m) m = k;
    }
    return Math.max(m, 0);
  }

  /** How much of the asked resources is still free on the node, as fractions summed: low = most allocated. */
  private freeFrac(g: number, x: number): number {
    const Rn = this.R;
    let s = 0;
    for (let r = 0; r < Rn; r++) {
      if ((this.gReq[g * Rn + r] as number) <= 0) continue;
      const a = this.alloc[x * Rn + r] as number;
      if (a > 0) s += (this.wFree[x * Rn + r] as number) / a;
    }
    return s;
  }

  /**
   * Places up to `want` pods of g inside `scope`; returns how many. Locality first: below the
   * scope, level by level, the pods take as few domains as they can (while no domain holds all
   * that is left, the one that holds the most of them; then the tightest that holds the rest, by
   * free capacity as in collect(): the most-used domain that fits), and inside the last level's domains the most-allocated
   * nodes. Nodes without a level's label come before that level's domains. `spread` keeps the
   * whole scope as one pool.
   */
  private fill(g: number, scope: number, want: number): number {
    const s = this.gShape[g] as number;
    const pr = this.sPref[s] as number;
    if (this.nCap > 0 && want > 0 && this.capped(g)) return this.fillCapped(g, scope, want, pr);
    return this.fillPref(g, scope, want, pr);
  }

  /** Whether some domain cap holds g. */
  private capped(g: number): boolean {
    const grp = this.capGrp;
    const end = grp[this.nCap] as number;
    for (let i = this.nCap + 1; i < end; i++) if (grp[i] === g) return true;
    return false;
  }

  /**
   * fill() for a group some domain caps hold: in rounds, the nodes whose domains have room under
   * every cap of g (an eligibility row of their own, shape S+1) take at most as many pods as the
   * smallest room among them, so no domain goes over; the rounds end when nothing more fits.
   * The counts, the row and the rooms that bound a round are kept as the rounds place pods (each
   * round's pods adjust them; a domain that fills drops its nodes), so a round costs its pods and
   * the cap domains of the scope, not a pass over the placed pods and the nodes.
   */
  private fillCapped(g: number, scope: number, want: number, pr: number): number {
    const N = this.N;
    const a = scope < 0 ? 0 : (this.domStart[scope] as number);
    const b = scope < 0 ? N : (this.domEnd[scope] as number);
    const s = this.gShape[g] as number;
    const row = s * N;
    const crow = (this.S + 1) * N;
    const grp = this.capGrp;
    const dom = this.capDom;
    const cm = this.capMax;
    const nCap = this.nCap;
    // g's caps, and the span [lo, hi] of their slots on the eligible nodes of the scope.
    let nG = 0;
    let lo = 0x7fffffff;
    let hi = -1;
    for (let c = 0; c < nCap; c++) {
      if (!this.capHolds(c, g)) continue;
      nG++;
      for (let x = a; x < b; x++) {
        const j = dom[c * N + x] as number;
        if (j < 0 || this.elig[row + x] === 0) continue;
        if (j < lo) lo = j;
        if (j > hi) hi = j;
      }
    }
    const span = hi >= lo ? hi - lo + 1 : 0;
    // Scratch: g's caps (CG), per node of the scope the index among them of the first cap that
    // blocks it (CUT, nG: none), per slot the eligible nodes whose caps before their first
    // blocking one include it (CON: the slots whose room bounds a round), and each slot's
    // eligible nodes (OFF: ends, LST: nodes).
    const CUT = nG;
    const CON = CUT + (b - a);
    const OFF = CON + span;
    const LST = OFF + span + 1;
    const size = LST + nG * (b - a);
    if (this.capScratch.length < size) this.capScratch = new Int32Array(size);
    const w = this.capScratch;
    nG = 0;
    for (let c = 0; c < nCap; c++) if (this.capHolds(c, g)) w[nG++] = c;
    // Pods of each cap's groups per domain slot, as placed now.
    for (let i = 0; i < nG; i++) {
      const c = w[i] as number;
      for (let x = a; x < b; x++) {
        const j = dom[c * N + x] as number;
        if (j >= 0) cm[2 * j + 1] = 0;
      }
      for (let pass = 0; pass < 2; pass++)
        for (let m = grp[c] as number; m < (grp[c + 1] as number); m++) {
          const h = grp[m] as number;
          const g0 = this.gSlot[h] as number;
          for (let q = 0; q < (this.gPlaced[h] as number); q++) {
            const j = dom[c * N + (this.podNode[g0 + q] as number)] as number;
            if (j >= 0) cm[2 * j + 1] = pass === 0 ? 0 : (cm[2 * j + 1] as number) + 1;
          }
        }
    }
    w.fill(0, CON, LST);
    let alive = 0;
    for (let x = a; x < b; x++) {
      if (this.elig[row + x] === 0) {
        this.elig[crow + x] = 0;
        continue;
      }
      let cut = nG;
      for (let i = 0; i < nG; i++) {
        const j = dom[(w[i] as number) * N + x] as number;
        if (j >= 0) w[OFF + j - lo + 1] = (w[OFF + j - lo + 1] as number) + 1;
        if (cut < nG) continue;
        if (j === -2 || (j >= 0 && (cm[2 * j] as number) - (cm[2 * j + 1] as number) <= 0)) cut = i;
        else if (j >= 0) w[CON + j - lo] = (w[CON + j - lo] as number) + 1;
      }
      w[CUT + x - a] = cut;
      this.elig[crow + x] = cut === nG ? 1 : 0;
      if (cut === nG) alive++;
    }
    for (let t = 0; t < span; t++) w[OFF + t + 1] = (w[OFF + t + 1] as number) + (w[OFF + t] as number);
    for (let x = a; x < b; x++) {
      if (this.elig[row + x] === 0) continue;
      for (let i = 0; i < nG; i++) {
        const j = dom[(w[i] as number) * N + x] as number;
        if (j < 0) continue;
        const at = OFF + j - lo;
        w[LST + (w[at] as number)] = x;
        w[at] = (w[at] as number) + 1;
      }
    }
    // Now w[OFF + t] is where slot lo + t's nodes end (and lo + t + 1's start).
    this.gShape[g] = this.S + 1;
    const g0 = this.gSlot[g] as number;
    let placed = 0;
    while (placed < want && alive > 0) {
      let k = want - placed;
      for (let t = 0; t < span; t++) {
        if ((w[CON + t] as number) <= 0) continue;
        const room = (cm[2 * (lo + t)] as number) - (cm[2 * (lo + t) + 1] as number);
        if (room < k) k = room;
      }
      const got = this.fillPref(g, scope, k, pr);
      if (got <= 0) break;
      placed += got;
      const end = g0 + (this.gPlaced[g] as number);
      for (let q = end - got; q < end; q++) {
        const x = this.podNode[q] as number;
        for (let i = 0; i < nG; i++) {
          const j = dom[(w[i] as number) * N + x] as number;
          if (j < 0) continue;
          cm[2 * j + 1] = (cm[2 * j + 1] as number) + 1;
          if ((cm[2 * j] as number) - (cm[2 * j + 1] as number) > 0) continue;
          // Slot j is full: its nodes are blocked from cap i on.
          const from = j === lo ? 0 : (w[OFF + j - lo - 1] as number);
          for (let p = from; p < (w[OFF + j - lo] as number); p++) {
            const y = w[LST + p] as number;
            const cut = w[CUT + y - a] as number;
            if (cut <= i) continue;
            for (let i2 = i; i2 < cut; i2++) {
              const j2 = dom[(w[i2] as number) * N + y] as number;
              if (j2 >= 0) w[CON + j2 - lo] = (w[CON + j2 - lo] as number) - 1;
            }
            if (cut === nG) {
              this.elig[crow + y] = 0;
              alive--;
            }
            w[CUT + y - a] = i;
          }
        }
      }
    }
    this.gShape[g] = s;
    return placed;
  }

  /** Whether cap c lists group g. */
  private capHolds(c: number, g: number): boolean {
    const grp = this.capGrp;
    for (let i = grp[c] as number; i < (grp[c + 1] as number); i++) if (grp[i] === g) return true;
    return false;
  }

  /** fill() with node preferences `pr` (-1: none) over g's current eligibility row. */
  private fillPref(g: number, scope: number, want: number, pr: number): number {
    const s = this.gShape[g] as number;
    if (pr < 0 || want <= 0) return this.fillIn(g, scope, want);
    // Node preferences: the tiers of the scope's node scores, best first. Each tier's fill sees the
    // nodes scoring at least the tier's score (an eligibility row of its own, shape S), so the pods
    // take the best nodes that hold them, with locality and packing inside each tier.
    const N = this.N;
    const a = scope < 0 ? 0 : (this.domStart[scope] as number);
    const b = scope < 0 ? N : (this.domEnd[scope] as number);
    const row = s * N;
    const tmp = this.S * N;
    const prow = pr * N;
    this.gShape[g] = this.S;
    let placed = 0;
    let tier = Number.POSITIVE_INFINITY;
    while (placed < want) {
      let next = Number.NEGATIVE_INFINITY;
      for (let x = a; x < b; x++) {
        if (this.elig[row + x] === 0) continue;
        const sc = this.pScore[prow + x] as number;
        if (sc < tier && sc > next) next = sc;
      }
      if (next === Number.NEGATIVE_INFINITY) break;
      for (let x = a; x < b; x++)
        this.elig[tmp + x] = this.elig[row + x] !== 0 && (this.pScore[prow + x] as number) >= next ? 1 : 0;
      placed += this.fillIn(g, scope, want - placed);
      tier = next;
    }
    this.gShape[g] = s;
    return placed;
  }

  private fillIn(g: number, scope: number, want: number): number {
    if (want <= 0) return 0;
    const a = scope < 0 ? 0 : (this.domStart[scope] as number);
    const b = scope < 0 ? this.N : (this.domEnd[scope] as number);
    const lvl0 = this.levelOf(scope) + 1;
    const L = this.L;
    if (this.spread || this.packing || lvl0 >= L) return this.fillNodes(g, a, b, want, -1);
    if (lvl0 === L - 1 && this.singleLeaf) {
      const got = this.fillSingles(g, a, b, want);
      if (got >= 0) return got;
    }
    // Pods of g each domain below the scope holds (nodes are in domain order, so a domain's
    // first node resets its sum).
    const row = (this.gShape[g] as number) * this.N;
    const dCap = this.dCap;
    let orphans = false;
    for (let x = a; x < b; x++) {
      const fit = this.elig[row + x] === 0 ? 0 : this.podsFit(g, x);
      for (let l = lvl0; l < L; l++) {
        const d = this.nodeDom[x * L + l] as number;
        if (d < 0) {
          orphans = true;
          break;
        }
        if (x === (this.domStart[d] as number)) dCap[d] = fit;
        else dCap[d] = (dCap[d] as number) + fit;
      }
    }
    this.orphans = orphans;
    return this.fillDom(g, scope, lvl0, want);
  }

  /**
   * fillDom() over the narrowest level when its domains are single nodes (hosts): the same
   * choices in one pass over the nodes per choice. -1 (nothing placed) when a node of [a, b)
   * lacks the level's label: then fillDom() does it.
   */
  private fillSingles(g: number, a: number, b: number, want: number): number {
    const L = this.L;
    const leaf = L - 1;
    const row = (this.gShape[g] as number) * this.N;
    let fitX = -1;
    let fitKey = 0;
    let total = 0;
    let n = 0;
    // One pass: the tightest node that holds every pod, else the nodes' pod counts in a heap.
    for (let x = a; x < b; x++) {
      if ((this.nodeDom[x * L + leaf] as number) < 0) return -1;
      if (this.elig[row + x] === 0) continue;
      const k = this.podsFit(g, x);
      if (k < 1) continue;
      if (k >= want) {
        const key = this.leafKey(g, x);
        if (fitX < 0 || key < fitKey) {
          fitX = x;
          fitKey = key;
        }
      } else if (fitX < 0) {
        this.hId[n] = x;
        this.hKey[n] = -k;
        n++;
        total += k;
      }
    }
    if (fitX >= 0) {
      for (let j = 0; j < want; j++) this.placePod(g, fitX);
      return want;
    }
    heapify(this.hId, this.hKey, 0, n, null);
    let placed = 0;
    while (n > 0) {
      const rem = want - placed;
      if (total <= rem) return placed + this.fillNodes(g, a, b, rem, -1);
      const big = -(this.hKey[0] as number);
      if (rem <= big) {
        // The tightest of the nodes left that holds the rest (ties: the first in node order).
        let best = -1;
        let bestKey = 0;
        for (let i = 0; i < n; i++) {
          if (-(this.hKey[i] as number) < rem) continue;
          const x = this.hId[i] as number;
          const key = this.leafKey(g, x);
          if (best < 0 || key < bestKey || (key === bestKey && x < best)) {
            best = x;
            bestKey = key;
          }
        }
        for (let j = 0; j < rem; j++) this.placePod(g, best);
        return want;
      }
      // None holds the rest: the biggest, in node order, while the rest is more than they hold.
      while (n > 0 && -(this.hKey[0] as number) === big && want - placed > big) {
        const x = this.hId[0] as number;
        for (let j = 0; j < big; j++) this.placePod(g, x);
        placed += big;
        total -= big;
        n = heapPop(this.hId, this.hKey, 0, n, null);
      }
    }
    return placed;
  }

  /** fillDom()'s tightness key of a one-node domain: free capacity left in g's resources. */
  private leafKey(g: number, x: number): number {
    const Rn = this.R;
    const d = this.nodeDom[x * this.L + this.L - 1] as number;
    let key = 0;
    for (let r = 0; r < Rn; r++)
      if ((this.gReq[g * Rn + r] as number) > 0)
        key += (this.wDom[d * Rn + r] as number) / (this.capT[r] as number);
    return key;
  }

  /** Up to `want` pods of g in the domains of level `lvl` inside d (fewest, then tightest), after d's nodes without that level. */
  private fillDom(g: number, d: number, lvl: number, want: number): number {
    const s0 = d < 0 ? 0 : (this.domStart[d] as number);
    const s1 = d < 0 ? this.N : (this.domEnd[d] as number);
    if (lvl >= this.L) return this.fillNodes(g, s0, s1, want, -1);
    if (lvl === this.L - 1 && this.singleLeaf && !this.orphans) return this.fillSingles(g, s0, s1, want);
    let ca = this.levelDom[lvl] as number;
    let cb = this.levelDom[lvl + 1] as number;
    if (d >= 0) {
      ca = this.firstDom(ca, cb, s0);
      cb = this.firstDom(ca, cb, s1);
    }
    const dCap = this.dCap;
    const Rn = this.R;
    // Nodes without this level's label first: no constrained gang can use them at this level.
    let placed = 0;
    if (this.orphans) {
      let covered = 0;
      for (let c = ca; c < cb; c++) covered += (this.domEnd[c] as number) - (this.domStart[c] as number);
      if (covered < s1 - s0) placed = this.fillNodes(g, s0, s1, want, lvl);
    }
    while (placed < want) {
      const rem = want - placed;
      let fitD = -1;
      let fitKey = 0;
      let bigCap = 0;
      let total = 0;
      for (let c = ca; c < cb; c++) {
        const cap = dCap[c] as number;
        if (cap <= 0) continue;
        total += cap;
        if (cap >= rem) {
          // Tightest: least free capacity left in the resources g asks for (as in collect()).
          let key = 0;
          for (let r = 0; r < Rn; r++)
            if ((this.gReq[g * Rn + r] as number) > 0)
              key += (this.wDom[c * Rn + r] as number) / (this.capT[r] as number);
          if (fitD < 0 || key < fitKey) {
            fitD = c;
            fitKey = key;
          }
        }
        if (cap > bigCap) bigCap = cap;
      }
      // Every domain left is needed whole: the order they are taken in changes nothing, one pass.
      if (total <= rem) return placed + this.fillNodes(g, s0, s1, rem, -1);
      if (fitD >= 0) {
        dCap[fitD] = 0;
        placed += this.fillDom(g, fitD, lvl + 1, rem);
        continue;
      }
      if (bigCap <= 0) break;
      // None holds the rest: the biggest, in domain order, while the rest is more than it holds
      // (then no other domain holds the rest either).
      for (let c = ca; c < cb && want - placed > bigCap; c++) {
        if ((dCap[c] as number) !== bigCap) continue;
        dCap[c] = 0;
        placed += this.fillDom(g, c, lvl + 1, bigCap);
      }
    }
    return placed;
  }

  /** The first domain in [a, b) (one level, in node order) that starts at or after node `s`. */
  private firstDom(a: number, b: number, s: number): number {
    let lo = a;
    let hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.domStart[mid] as number) < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Places up to `want` pods of g on nodes [a, b), most-allocated first (`spread`: least); with
   * `orphan` >= 0 only on nodes without a domain of that level. Returns how many.
   */
  private fillNodes(g: number, a: number, b: number, want: number, orphan: number): number {
    if (want <= 0) return 0;
    const row = (this.gShape[g] as number) * this.N;
    const spread = this.spread;
    const rank = this.rank;
    let n = 0;
    let best = -1;
    let bestKey = 0;
    let bestFit = 0;
    const L = this.L;
    for (let x = a; x < b; x++) {
      if (this.elig[row + x] === 0) continue;
      if (orphan >= 0 && (this.nodeDom[x * L + orphan] as number) >= 0) continue;
      const fit = this.podsFit(g, x);
      if (fit < 1) continue;
      const key = spread ? -this.freeFrac(g, x) : this.freeFrac(g, x);
      this.hId[n] = x;
      this.hKey[n] = key;
      n++;
      if (best < 0 || key < bestKey || (key === bestKey && (rank[x] as number) < (rank[best] as number))) {
        best = x;
        bestKey = key;
        bestFit = fit;
      }
    }
    // The first node in order takes everything: what the heap would do, without building it.
    if (best >= 0 && (spread ? want === 1 : bestFit >= want)) {
      for (let j = 0; j < want; j++) this.placePod(g, best);
      return want;
    }
    heapify(this.hId, this.hKey, 0, n, rank);
    let placed = 0;
    while (placed < want && n > 0) {
      const x = this.hId[0] as number;
      if (!spread) {
        const c = Math.min(this.podsFit(g, x), want - placed);
        for (let j = 0; j < c; j++) this.placePod(g, x);
        placed += c;
        n = heapPop(this.hId, this.hKey, 0, n, rank);
      } else {
        this.placePod(g, x);
        placed++;
        if (this.podsFit(g, x) >= 1) {
          this.hKey[0] = -this.freeFrac(g, x);
          siftDown(this.hId, this.hKey, 0, n, 0, rank);
        } else n = heapPop(this.hId, this.hKey, 0, n, rank);
      }
    }
    return placed;
  }

  private placePod(g: number, x: number): void {
    const slot = (this.gSlot[g] as number) + (this.gPlaced[g] as number);
    this.putPod(g, x);
    this.undo[2 * this.undoTop] = slot;
    this.undo[2 * this.undoTop + 1] = g;
    this.undoTop++;
  }

  /** A pod of g on node x, in the group's next slot, without an undo record. */
  private putPod(g: number, x: number): void {
    const slot = (this.gSlot[g] as number) + (this.gPlaced[g] as number);
    this.podNode[slot] = x;
    this.gPlaced[g] = (this.gPlaced[g] as number) + 1;
    this.charge(g, x, -1);
  }

  /** Takes (sign -1) or gives back (+1) one pod's requests of g on node x and its domains. */
  private charge(g: number, x: number, sign: number): void {
    const Rn = this.R;
    const L = this.L;
    for (let r = 0; r < Rn; r++) {
      const q = sign * (this.gReq[g * Rn + r] as number);
      if (q === 0) continue;
      this.wFree[x * Rn + r] = (this.wFree[x * Rn + r] as number) + q;
      for (let l = 0; l < L; l++) {
        const d = this.nodeDom[x * L + l] as number;
        if (d < 0) break;
        this.wDom[d * Rn + r] = (this.wDom[d * Rn + r] as number) + q;
      }
    }
  }

  private rollback(mark: number): void {
    while (this.undoTop > mark) {
      this.undoTop--;
      const slot = this.undo[2 * this.undoTop] as number;
      const g = this.undo[2 * this.undoTop + 1] as number;
      this.charge(g, this.podNode[slot] as number, 1);
      this.podNode[slot] = -1;
      this.gPlaced[g] = (this.gPlaced[g] as number) - 1;
    }
  }

  // ---- repairs: taking placed gangs out and putting them back --------------------------------

  /** Takes every pod of gang k out, remembering nodes, counts and chosen domains; returns the pods. */
  private takeOut(k: number): number {
    let pods = 0;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      const s0 = this.gSlot[g] as number;
      const n = this.gPlaced[g] as number;
      pods += n;
      this.gSave[g] = n;
      for (let i = 0; i < n; i++) {
        const x = this.podNode[s0 + i] as number;
        this.save[s0 + i] = x;
        this.charge(g, x, 1);
        this.podNode[s0 + i] = -1;
      }
      this.gPlaced[g] = 0;
    }
    const t1 = this.treeEnd(k);
    for (let t = this.gangRoot[k] as number; t < t1; t++) this.tSave[t] = this.tDom[t] as number;
    this.gangOk[k] = 0;
    return pods;
  }

  /** Puts gang k back exactly as takeOut found it (its pods are out). */
  private putBack(k: number): void {
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      const s0 = this.gSlot[g] as number;
      const n = this.gSave[g] as number;
      for (let i = 0; i < n; i++) this.putPod(g, this.save[s0 + i] as number);
    }
    const t1 = this.treeEnd(k);
    for (let t = this.gangRoot[k] as number; t < t1; t++) this.tDom[t] = this.tSave[t] as number;
    this.gangOk[k] = 1;
  }

  /** The tree node of gang k with the broadest required constraint (the first such), -1 if none. */
  private anchor(k: number): number {
    const t1 = this.treeEnd(k);
    let anchor = -1;
    for (let t = this.gangRoot[k] as number; t < t1; t++) {
      const req = this.tReq[t] as number;
      if (req >= 0 && (anchor < 0 || req < (this.tReq[anchor] as number))) anchor = t;
    }
    return anchor;
  }

  /** The domain of level `lvl` that holds domain d (d itself when it is of that level; -1 stays -1). */
  private domainAt(d: number, lvl: number): number {
    if (d < 0 || this.domLevel[d] === lvl) return d;
    return this.nodeDom[(this.domStart[d] as number) * this.L + lvl] as number;
  }

  /** The domain of gang k's broadest required constraint as takeOut saved it; -1 the cluster. */
  private savedScope(k: number): number {
    const anchor = this.anchor(k);
    if (anchor < 0) return -1;
    return this.domainAt(this.tSave[anchor] as number, this.tReq[anchor] as number);
  }

  private treeEnd(k: number): number {
    return k + 1 < this.K ? (this.gangRoot[k + 1] as number) : this.T;
  }

  /**
   * Gang k (at position `pos` of the order) did not fit beside the gangs placed before it. Tries a
   * few domains where it could fit if those gangs moved: takes out the earlier gangs with pods
   * there, places k, then places them again in their order. Kept only when every one of them is
   * placed again, so an earlier gang never loses its place to a later one.
   */
  private ripUp(k: number, pos: number): boolean {
    if (this.ripBudget <= 0) return false;
    const Rn = this.R;
    const L = this.L;
    const root = this.gangRoot[k] as number;
    // Moving pods frees nothing overall: unless the cluster's free capacity covers the gang, no
    // rearrangement can fit it.
    this.ripBudget -= this.N;
    for (let r = 0; r < Rn; r++) {
      const need = this.tDemand[root * Rn + r] as number;
      if (need <= 0) continue;
      let f = 0;
      for (let x = 0; x < this.N; x++) if (this.usable(x)) f += this.wFree[x * Rn + r] as number;
      if (f < need) return false;
    }
    const o = k * REASON_SLOTS;
    for (let i = 0; i < REASON_SLOTS; i++) this.rSave[i] = this.reason[o + i] as number;
    // The anchor: the gang's required constraint, else its broadest required one inside.
    const anchor = this.anchor(k);
    const lc = anchor < 0 ? -1 : (this.tReq[anchor] as number);
    const a = lc < 0 ? 0 : (this.levelDom[lc] as number);
    const nd = lc < 0 ? 1 : (this.levelDom[lc + 1] as number) - a;
    // Pods of earlier gangs per candidate domain.
    for (let i = 0; i < nd; i++) this.rKey[i] = 0;
    let work = this.N;
    for (let i = 0; i < pos; i++) {
      const v = this.gangOrder[i] as number;
      if (this.gangOk[v] === 0) continue;
      const g1 = this.gangGrp[v + 1] as number;
      for (let g = this.gangGrp[v] as number; g < g1; g++) {
        const s0 = this.gSlot[g] as number;
        const n = this.gPlaced[g] as number;
        work += n;
        for (let j = 0; j < n; j++) {
          const x = this.podNode[s0 + j] as number;
          const d = lc < 0 ? 0 : (this.nodeDom[x * L + lc] as number) - a;
          if (d >= 0) this.rKey[d] = (this.rKey[d] as number) + 1;
        }
      }
    }
    this.ripBudget -= work;
    // Candidates: domains with earlier pods whose capacity before this call covers the anchor's
    // minimum; fewest pods to move first.
    let nc = 0;
    const demand = anchor < 0 ? root : anchor;
    for (let i = 0; i < nd; i++) {
      if ((this.rKey[i] as number) === 0) continue;
      const d = lc < 0 ? -1 : a + i;
      const x0 = d < 0 ? 0 : (this.domStart[d] as number);
      const x1 = d < 0 ? this.N : (this.domEnd[d] as number);
      let fits = true;
      for (let r = 0; r < Rn && fits; r++) {
        const need = this.tDemand[demand * Rn + r] as number;
        if (need <= 0) continue;
        let f = 0;
        for (let x = x0; x < x1; x++) if (this.usable(x)) f += this.free[x * Rn + r] as number;
        if (f < need) fits = false;
      }
      if (!fits) continue;
      this.rCand[nc++] = i;
    }
    for (let tries = 0; tries < RIP_TRIES && nc > 0 && this.ripBudget > 0; tries++) {
      let bi = 0;
      for (let c = 1; c < nc; c++) {
        const ki = this.rKey[this.rCand[c] as number] as number;
        const kb = this.rKey[this.rCand[bi] as number] as number;
        if (ki < kb || (ki === kb && (this.rCand[c] as number) < (this.rCand[bi] as number))) bi = c;
      }
      const i = this.rCand[bi] as number;
      this.rCand[bi] = this.rCand[--nc] as number;
      if (this.tryWithout(k, 0, pos, lc < 0 ? -1 : a + i)) return true;
    }
    // Last, every earlier gang moves: k first, then all of them in their order.
    if (lc >= 0 && this.ripBudget > 0) {
      if (this.tryWithout(k, 0, pos, -1)) return true;
    }
    for (let i = 0; i < REASON_SLOTS; i++) this.reason[o + i] = this.rSave[i] as number;
    this.curGang = k;
    return false;
  }

  /** Takes out the earlier gangs with pods in domain d (-1: the whole cluster), places k, then them. */
  private tryWithout(k: number, from: number, to: number, d: number): boolean {
    const x0 = d < 0 ? 0 : (this.domStart[d] as number);
    const x1 = d < 0 ? this.N : (this.domEnd[d] as number);
    let nv = 0;
    for (let i = from; i < to; i++) {
      const v = this.gangOrder[i] as number;
      if (this.gangOk[v] === 0) continue;
      let inside = false;
      const g1 = this.gangGrp[v + 1] as number;
      for (let g = this.gangGrp[v] as number; g < g1 && !inside; g++) {
        const s0 = this.gSlot[g] as number;
        const n = this.gPlaced[g] as number;
        for (let j = 0; j < n && !inside; j++) {
          const x = this.podNode[s0 + j] as number;
          inside = x >= x0 && x < x1;
        }
      }
      if (inside) this.victim[nv++] = v;
    }
    let work = this.tNeed[this.gangRoot[k] as number] as number;
    for (let i = 0; i < nv; i++) work += this.takeOut(this.victim[i] as number);
    this.ripBudget -= work;
    this.undoTop = 0;
    this.curGang = k;
    let ok = this.solveGangFrom(k, 0);
    for (let i = 0; i < nv && ok; i++) {
      const v = this.victim[i] as number;
      this.curGang = v;
      ok = this.solveGangFrom(v, this.undoTop);
    }
    if (ok) {
      for (let i = 0; i < nv; i++) this.gangOk[this.victim[i] as number] = 1;
      this.undoTop = 0;
      this.curGang = k;
      return true;
    }
    this.rollback(0);
    for (let i = 0; i < nv; i++) this.putBack(this.victim[i] as number);
    return false;
  }

  // ---- reasons -----------------------------------------------------------------------------

  private setReason(at: number, code: number, t: number, lvl: number, a: number, b: number): void {
    const o = this.curGang * REASON_SLOTS + at;
    this.reason[o] = code;
    this.reason[o + 1] = t;
    this.reason[o + 2] = lvl;
    this.reason[o + 3] = a;
    this.reason[o + 4] = b;
  }

  /** Pods of t's minimum that the domain could take, each group counted on its own. */
  private fitIn(t: number, d: number): number {
    const k = this.curGang;
    const a = d < 0 ? 0 : (this.domStart[d] as number);
    const b = d < 0 ? this.N : (this.domEnd[d] as number);
    const g1 = this.gangGrp[k + 1] as number;
    let total = 0;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      let u = this.gTree[g] as number;
      while (u >= 0 && u !== t) u = this.tParent[u] as number;
      if (u !== t) continue;
      const need = this.gMin[g] as number;
      const row = (this.gShape[g] as number) * this.N;
      let got = 0;
      for (let x = a; x < b && got < need; x++) if (this.elig[row + x] !== 0) got += this.podsFit(g, x);
      total += Math.min(got, need);
    }
    return total;
  }

  private recordFailure(t: number, scope: number, lvl: number): void {
    const need = this.tNeed[t] as number;
    let best = 0;
    let holders = 0;
    if (lvl <= this.levelOf(scope)) {
      best = this.fitIn(t, scope);
      if (best >= need) holders = 1;
    } else {
      const n = this.collectAll(scope, lvl);
      const base = 0;
      for (let i = 0; i < n; i++) {
        const f = this.fitIn(t, this.hId[base + i] as number);
        if (f > best) best = f;
        if (f >= need) holders++;
      }
    }
    const o = this.curGang * REASON_SLOTS;
    if (best < need) {
      this.setReason(0, R.SHORTFALL, t, lvl, best, need);
      this.reason[o + 5] = 0;
    } else {
      for (let i = 0; i < 5; i++) this.reason[o + 5 + i] = this.reason[o + i] as number;
      this.setReason(0, R.NESTED, t, lvl, holders, need);
    }
  }

  /** Every domain of level lvl inside scope, into the node heap's id array (free at this point). */
  private collectAll(scope: number, lvl: number): number {
    const a = this.levelDom[lvl] as number;
    const b = this.levelDom[lvl + 1] as number;
    const s0 = scope < 0 ? 0 : (this.domStart[scope] as number);
    const s1 = scope < 0 ? this.N : (this.domEnd[scope] as number);
    let n = 0;
    for (let d = a; d < b; d++) {
      const x = this.domStart[d] as number;
      if (x >= s0 && x < s1) this.hId[n++] = d;
    }
    return n;
  }

  // ---- pods above the minimums -------------------------------------------------------------

  private surplus(): boolean {
    let prev = -1;
    for (let i = 0; i < this.K; i++) {
      const k = this.gangOrder[i] as number;
      if (this.gangOk[k] === 0) continue;
      if (this.beat >= 0) {
        // Packing pass with the same gangs: an earlier gang's pods are final once its turn is
        // over (later turns move only later gangs), so the reach drops by what it lacks.
        if (prev >= 0) this.reach -= this.lacking(prev);
        prev = k;
        if (this.reach <= this.beat) {
          this.undoTop = 0;
          return false;
        }
      }
      this.undoTop = 0;
      if (this.fillGang(k) || this.ripBudget <= 0) continue;
      // Short: the gang's minimum may sit where its other pods cannot follow. Place the whole gang
      // again as if more of its pods were its minimum: every wanted pod, else half of what is
      // missing, else one more per short group; each alone, then moving the later gangs (whose
      // surplus is not placed yet) out of its domain, then out of the cluster, and back after it.
      // If none fits, it goes back where it was.
      const g0 = this.gangGrp[k] as number;
      const g1 = this.gangGrp[k + 1] as number;
      this.takeOut(k);
      this.undoTop = 0;
      for (let g = g0; g < g1; g++) this.mSave[g] = this.gMin[g] as number;
      let ok = false;
      for (let step = 0; step < 3 && !ok; step++) {
        for (let g = g0; g < g1; g++) {
          const c = this.gCount[g] as number;
          const got = this.gSave[g] as number;
          this.gMin[g] = step === 0 ? c : step === 1 ? got + ((c - got + 1) >> 1) : Math.min(c, got + 1);
        }
        this.demand(k);
        this.ripBudget -= this.tNeed[this.gangRoot[k] as number] as number;
        this.curGang = k;
        ok = this.solveGang(k);
        if (!ok && this.ripBudget > 0) {
          const dk = this.savedScope(k);
          ok = this.tryWithout(k, i + 1, this.K, dk);
          if (!ok && dk >= 0 && this.ripBudget > 0) ok = this.tryWithout(k, i + 1, this.K, -1);
        }
      }
      for (let g = g0; g < g1; g++) this.gMin[g] = this.mSave[g] as number;
      this.demand(k);
      if (!ok) {
        this.putBack(k);
        continue;
      }
      this.gangOk[k] = 1;
      this.undoTop = 0;
      this.fillGang(k);
    }
    this.undoTop = 0;
    return true;
  }

  /** Pods of gang k's groups not placed. */
  private lacking(k: number): number {
    let n = 0;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++)
      n += (this.gCount[g] as number) - (this.gPlaced[g] as number);
    return n;
  }

  /** Pods above the minimum for each group of gang k, inside its domains; true when all fit. */
  private fillGang(k: number): boolean {
    let all = true;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      const extra = (this.gCount[g] as number) - (this.gPlaced[g] as number);
      if (extra <= 0) continue;
      const t = this.gTree[g] as number;
      const s1 = this.tDom[t] as number;
      let got = this.fill(g, s1, extra);
      if (got < extra) {
        const s2 = this.requiredScope(t);
        if (s2 !== s1) got += this.fill(g, s2, extra - got);
      }
      if (got < extra) all = false;
    }
    return all;
  }

  /** tNeed and tDemand of gang k's tree from its groups' current minCounts (as init computes them). */
  private demand(k: number): void {
    const Rn = this.R;
    const root = this.gangRoot[k] as number;
    const t1 = this.treeEnd(k);
    for (let t = root; t < t1; t++) {
      const g = this.tGroup[t] as number;
      this.tNeed[t] = g >= 0 ? (this.gMin[g] as number) : 0;
      for (let r = 0; r < Rn; r++)
        this.tDemand[t * Rn + r] = g >= 0 ? (this.gMin[g] as number) * (this.gReq[g * Rn + r] as number) : 0;
    }
    for (let t = t1 - 1; t > root; t--) {
      const p = this.tParent[t] as number;
      this.tNeed[p] = (this.tNeed[p] as number) + (this.tNeed[t] as number);
      for (let r = 0; r < Rn; r++)
        this.tDemand[p * Rn + r] =
          (this.tDemand[p * Rn + r] as number) + (this.tDemand[t * Rn + r] as number);
    }
  }

  /** The domain every pod of leaf t must stay in: the chosen domain of its narrowest required constraint. */
  private requiredScope(t: number): number {
    let u = t;
    while (u >= 0) {
      const req = this.tReq[u] as number;
      if (req >= 0) return this.domainAt(this.tDom[u] as number, req);
      u = this.tParent[u] as number;
    }
    return -1;
  }
}

// ---- a binary min-heap over (key, tie) kept in parallel arrays from `base` -------------------
// tie: the node's name rank when `rank` is given, else the id itself (domain ids follow names).

function less(ids: Int32Array, keys: Float64Array, i: number, j: number, rank: Int32Array | null): boolean {
  const a = keys[i] as number;
  const b = keys[j] as number;
  if (a !== b) return a < b;
  const x = ids[i] as number;
  const y = ids[j] as number;
  return rank === null ? x < y : (rank[x] as number) < (rank[y] as number);
}

function siftDown(
  ids: Int32Array,
  keys: Float64Array,
  base: number,
  n: number,
  i0: number,
  rank: Int32Array | null,
): void {
  let i = i0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let m = l;
    if (l + 1 < n && less(ids, keys, base + l + 1, base + l, rank)) m = l + 1;
    if (!less(ids, keys, base + m, base + i, rank)) return;
    const ti = ids[base + i] as number;
    ids[base + i] = ids[base + m] as number;
    ids[base + m] = ti;
    const tk = keys[base + i] as number;
    keys[base + i] = keys[base + m] as number;
    keys[base + m] = tk;
    i = m;
  }
}

function heapify(
  ids: Int32Array,
  keys: Float64Array,
  base: number,
  n: number,
  rank: Int32Array | null,
): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(ids, keys, base, n, i, rank);
}

function heapPop(
  ids: Int32Array,
  keys: Float64Array,
  base: number,
  n: number,
  rank: Int32Array | null,
): number {
  const last = n - 1;
  ids[base] = ids[base + last] as number;
  keys[base] = keys[base + last] as number;
  siftDown(ids, keys, base, last, 0, rank);
  return last;
}
