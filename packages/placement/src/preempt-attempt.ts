// The confirmations of preempt(): the gang placed by the engine on the snapshot's state with some
// candidates' pods freed. For a gang with a required level the attempt runs on the nodes of one
// domain of that level only (a small cluster encoded for the search): the gang lies in one such
// domain anyway, and an attempt then costs the domain, not the cluster. The last domain's encoding
// is kept between calls (its free capacity and cordons copied from the snapshot's encoding when
// used again) and released with the snapshot's encoding (releaseDomain). Without a required level
// the attempt runs on the snapshot's own encoding, freed and restored.
import type { CheckedGang, CheckedLevel, CheckedNode, Quantities } from "./check-types.js";
import { ClusterEncoding, FLAG_CORDONED, FLAG_REMOVED } from "./encode.js";
import type { Engine } from "./engines.js";
import { C } from "./layout.js";
import type { EncodedCandidates } from "./preempt-input.js";
import { placeEncoded } from "./solve.js";
import type { GangPlacement } from "./types.js";

export interface PreemptContext {
  eng: Engine;
  cluster: ClusterEncoding;
  levels: CheckedLevel[];
  spread: boolean;
  /** Whether the gang filters nodes by labels (the domain encoding then carries them). */
  labels: boolean;
}

/** A domain's nodes encoded on their own, kept per snapshot encoding between calls. */
interface Domain {
  sub: ClusterEncoding;
  start: number;
  end: number;
  /** Encoded index in the snapshot -> index in `sub` (-1: not in it), for nodes from `start`. */
  index: Int32Array;
}

const domains = new WeakMap<ClusterEncoding, Domain>();

/** Releases the domain encoding kept for `cluster` (before the cluster's own is released). */
export function releaseDomain(cluster: ClusterEncoding, eng: Engine): void {
  const d = domains.get(cluster);
  if (d === undefined) return;
  domains.delete(cluster);
  eng.release(d.sub.region);
}

/** Places the gang with the victims' (candidate indices) pods freed; counts every call. */
export class Attempts {
  count = 0;
  private sub: ClusterEncoding | null = null;
  private subIndex: Int32Array = new Int32Array(0);
  private start = 0;
  private end = 0;

  constructor(
    private readonly ctx: PreemptContext,
    private readonly gang: CheckedGang,
    private readonly c: EncodedCandidates,
  ) {}

  /** Attempts on the whole cluster. */
  whole(victims: readonly number[]): GangPlacement {
    this.count++;
    const cl = this.ctx.cluster;
    this.free(cl, victims, 1, 0, cl.nodes.length, null);
    try {
      return this.place(cl);
    } finally {
      this.free(cl, victims, -1, 0, cl.nodes.length, null);
    }
  }

  /** Attempts inside domain `d` (a domain id of the snapshot's encoding). */
  inDomain(d: number, victims: readonly number[]): GangPlacement {
    this.count++;
    const sub = this.domain(d);
    this.free(sub, victims, 1, this.start, this.end, this.subIndex);
    try {
      return this.place(sub);
    } finally {
      this.free(sub, victims, -1, this.start, this.end, this.subIndex);
    }
  }

  /** The end of the call (the domain encoding stays kept for the next). */
  done(): void {
    this.sub = null;
  }

  private place(cluster: ClusterEncoding): GangPlacement {
    const { eng, levels, spread } = this.ctx;
    return placeEncoded(eng, cluster, levels, [this.gang], spread, performance.now()).result
      .gangs[0] as GangPlacement;
  }

  private domain(d: number): ClusterEncoding {
    const cl = this.ctx.cluster;
    const v = cl.views();
    const D = v.hdr[C.D] as number;
    const start = v.i32(C.DOMSTART, D)[d] as number;
    const end = v.i32(C.DOMEND, D)[d] as number;
    if (this.sub !== null && this.start === start && this.end === end) return this.sub;
    const kept = domains.get(cl);
    const use = (k: Domain) => {
      this.sub = k.sub;
      this.subIndex = k.index;
      this.start = start;
      this.end = end;
      return k.sub;
    };
    if (kept !== undefined && kept.start === start && kept.end === end && this.refresh(kept))
      return use(kept);
    if (kept !== undefined) releaseDomain(cl, this.ctx.eng);
    const flags = v.i32(C.FLAGS, cl.nodes.length);
    const nodes: CheckedNode[] = [];
    const index = new Int32Array(end - start);
    for (let x = start; x < end; x++) {
      const removed = ((flags[x] as number) & FLAG_REMOVED) !== 0;
      index[x - start] = removed ? -1 : nodes.length;
      if (!removed) nodes.push(cl.nodes[x] as CheckedNode);
    }
    const sub = new ClusterEncoding(this.ctx.levels, nodes, cl.resources, this.ctx.eng, this.ctx.labels);
    const made = { sub, start, end, index };
    domains.set(cl, made);
    return use(made);
  }

  /**
   * A kept domain encoding brought up to the snapshot's state: its nodes' free capacity and cordons
   * copied (all else it holds comes from the nodes, which do not change); false when it no longer
   * fits (a node removed since, other levels or label needs).
   */
  private refresh(k: Domain): boolean {
    const cl = this.ctx.cluster;
    const sub = k.sub;
    if (sub.levels !== this.ctx.levels || sub.labels !== this.ctx.labels) return false;
    const v = cl.views();
    const N = cl.nodes.length;
    const flags = v.i32(C.FLAGS, N);
    for (let x = k.start; x < k.end; x++)
      if ((((flags[x] as number) & FLAG_REMOVED) !== 0) !== (k.index[x - k.start] as number) < 0)
        return false;
    const Rn = cl.resources.length;
    const free = v.f64(C.FREE, N * Rn);
    const sv = sub.views();
    const M = sub.nodes.length;
    const subFree = sv.f64(C.FREE, M * Rn);
    const subFlags = sv.i32(C.FLAGS, M);
    for (let x = k.start; x < k.end; x++) {
      const y = k.index[x - k.start] as number;
      if (y < 0) continue;
      if (sub.nodes[y] !== cl.nodes[x]) return false;
      subFree.set(free.subarray(x * Rn, (x + 1) * Rn), y * Rn);
      subFlags[y] = ((subFlags[y] as number) & ~FLAG_CORDONED) | ((flags[x] as number) & FLAG_CORDONED);
    }
    return true;
  }

  /** Adds (sign 1) or takes back (-1) the victims' pods on nodes start..end to `enc`'s free capacity. */
  private free(
    enc: ClusterEncoding,
    victims: readonly number[],
    sign: number,
    start: number,
    end: number,
    index: Int32Array | null,
  ): void {
    const c = this.c;
    for (const k of victims)
      for (let p = c.podOff[k] as number; p < (c.podOff[k + 1] as number); p++) {
        const x = c.podNode[p] as number;
        if (x < start || x >= end) continue;
        const y = index === null ? x : (index[x - start] as number);
        if (y >= 0)
          enc.adjustFree(y, c.shapes[c.podShape[p] as number] as Quantities, c.podCount[p] as number, sign);
      }
  }
}
