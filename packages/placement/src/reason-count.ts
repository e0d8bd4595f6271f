// Recounts the numbers of an unplaced gang's top reason so that shared capacity is counted once.
//
// The engines note, when a gang fails at a level, how many pods of its minimum the best domain
// "fits"; they count each group on its own, so one free node is counted for the leader and again
// for a worker ("the best rack fits 2 of 3 pods" with one 8-GPU node per rack and three 8-GPU
// pods), and a domain that cannot hold the minimum is counted as one that can, which turns the
// reason into "... can hold the pods, but the nested constraints fail" for a gang with none.
// Here the pods of the covered groups are packed together, node by node, into what the call left
// free (the cluster's free capacity less every pod this call placed): each pod counted fits
// together with the others counted. Packing is first fit in group order, so a count may fall
// short of the best packing; it never counts capacity twice. Both engines leave the same record
// and the same placements, so the words stay the same on js and wasm.
import type { CallEncoding } from "./encode.js";
import { GangArenas } from "./gang-arenas.js";
import { C, P, R } from "./layout.js";

/** A reason record as the engines write it: [code, tree node, level, count, need]. */
export interface ReasonRecord {
  code: number;
  t: number;
  lvl: number;
  a: number;
  need: number;
  /** NESTED only: whether any constraint lies below t (else the groups failed to fit together). */
  nested: boolean;
}

export class ReasonCounter extends GangArenas {
  private readonly tPref: Int32Array;
  /** Free capacity per node and resource once this call's placements are taken out. */
  private readonly free: Float64Array;
  private readonly work: Float64Array;
  /** Free capacity per domain and resource (sums over its nodes): a group that cannot place one pod in the sum skips the domain. */
  private readonly domFree: Float64Array;
  /** top()'s answers by the shape of what it counted: unplaced gangs of one shape are worded once per call. */
  private readonly memo = new Map<string, { best: number; holders: number }>();

  constructor(call: CallEncoding, ok: Int32Array, placedPer: Int32Array, podNode: Int32Array) {
    super(call);
    const c = call.cluster.views();
    const v = call.views();
    const { N, Rn, D, L, K, G } = this;
    this.tPref = v.i32(P.TPREF, this.T);
    const slot = v.i32(P.GSLOT, G);
    this.free = Float64Array.from(c.f64(C.FREE, N * Rn));
    for (let k = 0; k < K; k++) {
      if (ok[k] === 0) continue;
      for (let g = this.gangGrp[k] as number; g < (this.gangGrp[k + 1] as number); g++) {
        const s0 = slot[g] as number;
        for (let j = 0; j < (placedPer[g] as number); j++) {
          const x = podNode[s0 + j] as number;
          if (x < 0) continue;
          for (let r = 0; r < Rn; r++)
            this.free[x * Rn + r] = (this.free[x * Rn + r] as number) - (this.gReq[g * Rn + r] as number);
        }
      }
    }
    this.work = new Float64Array(N * Rn);
    const nodeDom = c.i32(C.NODEDOM, N * L);
    this.domFree = new Float64Array(D * Rn);
    for (let x = 0; x < N; x++)
      for (let l = 0; l < L; l++) {
        const d = nodeDom[x * L + l] as number;
        if (d < 0) break;
        for (let r = 0; r < Rn; r++)
          this.domFree[d * Rn + r] = (this.domFree[d * Rn + r] as number) + (this.free[x * Rn + r] as number);
      }
  }

  /**
   * Gang k's top record (the engines' slot 0) with SHORTFALL and NESTED recounted: the best domain
   * of the record's level over the whole cluster (the top record's scope: a constrained gang is
   * tried across the cluster, and an unconstrained one passes the cluster down), a NESTED record
   * whose domains turn out not to hold the minimum becoming the SHORTFALL it is.
   */
  top(k: number, rec: ReasonRecord): ReasonRecord {
    if (rec.code !== R.SHORTFALL && rec.code !== R.NESTED) return rec;
    const { D } = this;
    const key = this.shapeKey(k, rec.t, rec.lvl);
    let known = this.memo.get(key);
    if (known === undefined) {
      const d0 = rec.lvl < 0 ? D : (this.levelDom[rec.lvl] as number);
      const d1 = rec.lvl < 0 ? D + 1 : (this.levelDom[rec.lvl + 1] as number);
      known = { best: 0, holders: 0 };
      for (let d = d0; d < d1; d++) {
        const f = this.fitTogether(k, rec.t, d);
        if (f > known.best) known.best = f;
        if (f >= rec.need) known.holders++;
      }
      this.memo.set(key, known);
    }
    const { best, holders } = known;
    if (holders === 0) return { ...rec, code: R.SHORTFALL, a: best, nested: false };
    return { ...rec, code: R.NESTED, a: holders, nested: this.constrainedBelow(k, rec.t) };
  }

  /** What top() counts for (k, t, lvl): the level and each covered group's shape, minimum and requests. */
  private shapeKey(k: number, t: number, lvl: number): string {
    const { Rn } = this;
    let key = `${lvl}`;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      if (!this.under(this.gTree[g] as number, t)) continue;
      key += `|${this.gShape[g]}:${this.gMin[g]}`;
      for (let r = 0; r < Rn; r++) key += `:${this.gReq[g * Rn + r]}`;
    }
    return key;
  }

  /** Whether the domain's summed free capacity has room for one pod of group g (D: the cluster, always tried). */
  private mayHold(g: number, d: number): boolean {
    if (d === this.D) return true;
    const { Rn } = this;
    for (let r = 0; r < Rn; r++) {
      const q = this.gReq[g * Rn + r] as number;
      if (q > 0 && (this.domFree[d * Rn + r] as number) < q) return false;
    }
    return true;
  }

  /** Pods of the minimum of the groups under tree node t that domain d (D: the cluster) holds together. */
  private fitTogether(k: number, t: number, d: number): number {
    const { Rn, N, D, gReq, elig } = this;
    const a = d === D ? 0 : (this.domStart[d] as number);
    const b = d === D ? N : (this.domEnd[d] as number);
    const work = this.work;
    let copied = false;
    let total = 0;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = this.gangGrp[k] as number; g < g1; g++) {
      if (!this.under(this.gTree[g] as number, t) || !this.mayHold(g, d)) continue;
      if (!copied) {
        work.set(this.free.subarray(a * Rn, b * Rn), a * Rn);
        copied = true;
      }
      const row = (this.gShape[g] as number) * N;
      let left = this.gMin[g] as number;
      for (let x = a; x < b && left > 0; x++) {
        if (elig[row + x] === 0) continue;
        let fit = left;
        for (let r = 0; r < Rn && fit > 0; r++) {
          const q = gReq[g * Rn + r] as number;
          if (q > 0) fit = Math.min(fit, Math.floor((work[x * Rn + r] as number) / q));
        }
        if (fit <= 0) continue;
        for (let r = 0; r < Rn; r++)
          work[x * Rn + r] = (work[x * Rn + r] as number) - fit * (gReq[g * Rn + r] as number);
        left -= fit;
      }
      total += (this.gMin[g] as number) - left;
    }
    return total;
  }

  private under(leaf: number, t: number): boolean {
    for (let x = leaf; x >= 0; x = this.tParent[x] as number) if (x === t) return true;
    return false;
  }

  /** Whether a tree node strictly under t (in gang k's tree) carries a required or preferred level. */
  private constrainedBelow(k: number, t: number): boolean {
    const root = this.gangRoot[k] as number;
    const end = k + 1 < this.gangRoot.length ? (this.gangRoot[k + 1] as number) : this.T;
    for (let u = root; u < end; u++) {
      if (u === t || !this.under(u, t)) continue;
      if ((this.tReq[u] as number) >= 0 || (this.tPref[u] as number) >= 0) return true;
    }
    return false;
  }
}
