// Encodes one place() call (layout.ts P): gangs, their tree, group shapes (tolerations, selectors,
// affinity), scratch and outputs, sized for an encoded cluster; and answers what a tree node of the
// call stands for, to word reasons.
import type { CheckedGang, CheckedGroup, CheckedSubGroup } from "./check-types.js";
import { capSizes, writeCaps } from "./domain-caps.js";
import type { ClusterEncoding } from "./encode-cluster.js";
import { type Allocator, Columns, Dict, type Region, Scratch } from "./encode-common.js";
import { ArenaViews, DEPTH, P, plan, REASON_SLOTS, type Section, writeHeader } from "./layout.js";
import { writeScores } from "./node-prefs.js";

/** The call encoder's: the shape of every group. */
const shapeScratch = new Scratch();

/** The tree node above group gi of a gang with sub-groups (root: the gang's). */
function parentOf(gang: CheckedGang, root: number, gi: number): number {
  for (let s = 0; s < gang.subGroups.length; s++)
    if ((gang.subGroups[s] as CheckedSubGroup).groups.includes(gi)) return root + 1 + s;
  return root;
}

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
    let nPref = 0;
    for (const g of shapeOf) if (g.prefs) nPref++;
    const caps = capSizes(gangs, cluster.nodes);

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
      { slot: P.ELIG, kind: "u8", length: (caps.caps > 0 ? S + 2 : nPref > 0 ? S + 1 : S) * N },
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
      i32(P.GPLACED, 2 * G),
      i32(P.ELIGCOUNT, S),
      i32(P.PODNODE, 2 * pods),
      i32(P.GANGOK, 2 * K),
      i32(P.REASON, 2 * K * REASON_SLOTS),
      i32(P.STATS, 8),
      i32(P.SAVE, pods),
      i32(P.GSAVE, G),
      i32(P.TSAVE, T),
      i32(P.RCAND, D + 1),
      f64(P.RKEY, D + 1),
      i32(P.VICTIM, K),
      i32(P.RSAVE, REASON_SLOTS),
      i32(P.MSAVE, G),
      f64(P.DCAP, D),
      i32(P.PREF, S),
      f64(P.PSCORE, nPref * N),
      i32(P.CAPGRP, caps.caps + 1 + caps.members),
      i32(P.CAPDOM, caps.caps * N),
      i32(P.CAPMAX, 2 * caps.slots),
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
    v.hdr[P.NPREF] = nPref;
    writeScores(v.i32(P.PREF, S), v.f64(P.PSCORE, nPref * N), shapeOf, cluster.nodes);

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
    v.hdr[P.NCAP] = caps.caps;
    if (caps.caps > 0)
      writeCaps(
        v.i32(P.CAPGRP, caps.caps + 1 + caps.members),
        v.i32(P.CAPDOM, caps.caps * N),
        v.i32(P.CAPMAX, 2 * caps.slots),
        gangs,
        this.groupFirst,
        cluster.nodes,
      );
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
