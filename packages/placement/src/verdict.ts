// Why a gang was not placed, as a code a scheduler can act on (README, "Result codes"):
// - "Unresolvable": it could never be placed on this cluster as given, even with every node empty
//   (other gangs' pods and the nodes' `allocated` ignored): some group with a minimum has no node
//   that passes its filters (cordon, taints, nodeSelector, node affinity) and can hold one of its
//   pods in its allocatable, or not enough such room in any domain of its narrowest `required`
//   level; or the minimum of the gang (or of a sub-group) exceeds the allocatable of every domain
//   of its `required` level (of the whole cluster without one);
// - "Unschedulable": none of that, so freeing capacity may let it in;
// - "Error": the engine left the gang unplaced without a reason (it failed on it).
// Each check is a necessary condition of any placement, so "Unresolvable" is never said of a gang
// that could fit; a gang that fails for subtler reasons (fragmentation) stays "Unschedulable".
//
// It runs after the engine, once per gang that was not placed, over the arenas both engines leave
// behind: the nodes' allocatable, the domain tree, and the eligibility of every node for every
// group shape (P.ELIG, filled by the engines' init and not touched after). The engines' hot path
// is unchanged, and the two engines cannot disagree on a code where they agree on the rest.
import type { CallEncoding } from "./encode.js";
import { GangArenas } from "./gang-arenas.js";
import { C, FLAG_CORDONED, FLAG_REMOVED, P, R } from "./layout.js";
import type { GangCode } from "./types.js";

export class Verdicts extends GangArenas {
  private readonly alloc: Float64Array;
  private readonly flags: Int32Array;
  private readonly nodeDom: Int32Array;
  private readonly tGroup: Int32Array;
  /** Allocatable per domain and resource, row D the whole cluster (usable nodes only); built on first use. */
  private caps: Float64Array | null = null;
  private readonly demand: Float64Array;
  /** shapeCapacities' answers. */
  private readonly byShape = new Map<number, { most: Float64Array; sum: Float64Array }>();

  constructor(call: CallEncoding) {
    super(call);
    const c = call.cluster.views();
    const { N, Rn, L } = this;
    this.alloc = c.f64(C.ALLOC, N * Rn);
    this.flags = c.i32(C.FLAGS, N);
    this.nodeDom = c.i32(C.NODEDOM, N * L);
    this.tGroup = call.views().i32(P.TGROUP, this.T);
    this.demand = new Float64Array(Rn);
  }

  /** The code of gang k, not placed, whose reason the engine wrote as `reasonCode` (layout.ts R). */
  of(k: number, reasonCode: number): GangCode {
    if (reasonCode <= R.NONE || reasonCode > R.NO_NODE) return "Error";
    return this.possible(k) ? "Unschedulable" : "Unresolvable";
  }

  /** False when gang k can never be placed, whatever else the cluster runs. */
  private possible(k: number): boolean {
    const g0 = this.gangGrp[k] as number;
    const g1 = this.gangGrp[k + 1] as number;
    for (let g = g0; g < g1; g++) if ((this.gMin[g] as number) > 0 && !this.groupFits(g)) return false;
    const root = this.gangRoot[k] as number;
    const end = k + 1 < this.gangRoot.length ? (this.gangRoot[k + 1] as number) : this.T;
    for (let t = root; t < end; t++) {
      // Groups were checked node by node above; a sub-group without `required` is covered by the gang.
      if ((this.tGroup[t] as number) >= 0 || (t !== root && (this.tReq[t] as number) < 0)) continue;
      if (!this.minimumFits(t, g0, g1)) return false;
    }
    return true;
  }

  /** Whether some domain of group g's narrowest required level holds its minimum on empty nodes. */
  private groupFits(g: number): boolean {
    let lvl = -1;
    for (let t = this.gTree[g] as number; t >= 0; t = this.tParent[t] as number)
      lvl = Math.max(lvl, this.tReq[t] as number);
    const need = this.gMin[g] as number;
    const { D, Rn } = this;
    const { most, sum } = this.shapeCapacities(this.gShape[g] as number);
    const d0 = lvl < 0 ? D : (this.levelDom[lvl] as number);
    const d1 = lvl < 0 ? D + 1 : (this.levelDom[lvl + 1] as number);
    for (let d = d0; d < d1; d++) {
      // Node by node only where the domain's best node and its sum could hold the pods: a
      // group that fits nowhere is mostly told by these bounds, without a scan of every node.
      let may = true;
      for (let r = 0; r < Rn && may; r++) {
        const q = this.gReq[g * Rn + r] as number;
        if (q > 0) may = (most[d * Rn + r] as number) >= q && (sum[d * Rn + r] as number) >= need * q;
      }
      if (!may) continue;
      const a = d === D ? 0 : (this.domStart[d] as number);
      const b = d === D ? this.N : (this.domEnd[d] as number);
      if (this.podsFit(g, a, b, need) >= need) return true;
    }
    return false;
  }

  /**
   * Over the nodes eligible for shape s: the largest allocatable of one node and the sum, per
   * domain (row D: the whole cluster) and resource; built once per shape per call.
   */
  private shapeCapacities(s: number): { most: Float64Array; sum: Float64Array } {
    const known = this.byShape.get(s);
    if (known !== undefined) return known;
    const { N, Rn, L, D, alloc, elig, nodeDom } = this;
    const most = new Float64Array((D + 1) * Rn);
    const sum = new Float64Array((D + 1) * Rn);
    const add = (d: number, r: number, a: number) => {
      if (a > (most[d * Rn + r] as number)) most[d * Rn + r] = a;
      sum[d * Rn + r] = (sum[d * Rn + r] as number) + a;
    };
    for (let n = 0; n < N; n++) {
      if (elig[s * N + n] === 0) continue;
      for (let r = 0; r < Rn; r++) {
        const a = alloc[n * Rn + r] as number;
        add(D, r, a);
        for (let l = 0; l < L; l++) {
          const d = nodeDom[n * L + l] as number;
          if (d < 0) break;
          add(d, r, a);
        }
      }
    }
    const caps = { most, sum };
    this.byShape.set(s, caps);
    return caps;
  }

  /** Pods of group g that nodes a..b-1 hold when empty, counted up to `need`. */
  private podsFit(g: number, a: number, b: number, need: number): number {
    const { Rn, alloc, elig, gReq } = this;
    const row = (this.gShape[g] as number) * this.N;
    const q0 = g * Rn;
    let count = 0;
    for (let n = a; n < b; n++) {
      if (elig[row + n] === 0) continue;
      // Pods of g that node n holds: the least allocatable / request over the requested
      // resources (resource 0, `pods`, is requested by every pod, so it ends finite).
      let fit = Number.POSITIVE_INFINITY;
      for (let r = 0; r < Rn; r++) {
        const q = gReq[q0 + r] as number;
        if (q <= 0) continue;
        const f = (alloc[n * Rn + r] as number) / q;
        if (f < fit) {
          fit = f;
          if (fit < 1) break;
        }
      }
      if (fit < 1) continue;
      count += Math.floor(fit);
      if (count >= need) return count;
    }
    return count;
  }

  /** Whether some domain of tree node t's required level (the cluster without one) can hold the minimum of the pods under t. */
  private minimumFits(t: number, g0: number, g1: number): boolean {
    const { Rn, D } = this;
    const demand = this.demand.fill(0);
    for (let g = g0; g < g1; g++) {
      if (!this.under(this.gTree[g] as number, t)) continue;
      const m = this.gMin[g] as number;
      for (let r = 0; r < Rn; r++) demand[r] = (demand[r] as number) + m * (this.gReq[g * Rn + r] as number);
    }
    const caps = this.capacities();
    const lvl = this.tReq[t] as number;
    const d0 = lvl < 0 ? D : (this.levelDom[lvl] as number);
    const d1 = lvl < 0 ? D + 1 : (this.levelDom[lvl + 1] as number);
    for (let d = d0; d < d1; d++) {
      let fits = true;
      for (let r = 0; r < Rn && fits; r++) fits = (demand[r] as number) <= (caps[d * Rn + r] as number);
      if (fits) return true;
    }
    return false;
  }

  private under(leaf: number, t: number): boolean {
    for (let x = leaf; x >= 0; x = this.tParent[x] as number) if (x === t) return true;
    return false;
  }

  private capacities(): Float64Array {
    if (this.caps !== null) return this.caps;
    const { N, Rn, L, D } = this;
    const caps = new Float64Array((D + 1) * Rn);
    for (let n = 0; n < N; n++) {
      if (((this.flags[n] as number) & (FLAG_CORDONED | FLAG_REMOVED)) !== 0) continue;
      for (let r = 0; r < Rn; r++) {
        const a = this.alloc[n * Rn + r] as number;
        caps[D * Rn + r] = (caps[D * Rn + r] as number) + a;
        for (let l = 0; l < L; l++) {
          const d = this.nodeDom[n * L + l] as number;
          if (d < 0) break;
          caps[d * Rn + r] = (caps[d * Rn + r] as number) + a;
        }
      }
    }
    this.caps = caps;
    return caps;
  }
}
