// The confirmations of preempt(): the gang placed by the engine on the snapshot's state with some
// candidates' pods freed. For a gang with a required level the attempt runs on the nodes of one
// domain of that level only (a small cluster encoded for the search and released after it): the
// gang lies in one such domain anyway, and an attempt then costs the domain, not the cluster.
// Without a required level the attempt runs on the snapshot's own encoding, freed and restored.
import type { CheckedGang, CheckedLevel, CheckedNode, Quantities } from "./check-types.js";
import { ClusterEncoding, FLAG_REMOVED } from "./encode.js";
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

/** Places the gang with the victims' (candidate indices) pods freed; counts every call. */
export class Attempts {
  count = 0;
  private sub: ClusterEncoding | null = null;
  /** Encoded index in the snapshot -> index in `sub` (-1: not in it), for nodes from `start`. */
  private subIndex = new Int32Array(0);
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

  /** Releases the domain encoding, if any. */
  done(): void {
    if (this.sub !== null) this.ctx.eng.release(this.sub.region);
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
    this.done();
    const flags = v.i32(C.FLAGS, cl.nodes.length);
    const nodes: CheckedNode[] = [];
    if (this.subIndex.length < end - start) this.subIndex = new Int32Array(end - start);
    for (let x = start; x < end; x++) {
      const removed = ((flags[x] as number) & FLAG_REMOVED) !== 0;
      this.subIndex[x - start] = removed ? -1 : nodes.length;
      if (!removed) nodes.push(cl.nodes[x] as CheckedNode);
    }
    this.sub = new ClusterEncoding(this.ctx.levels, nodes, cl.resources, this.ctx.eng, this.ctx.labels);
    this.start = start;
    this.end = end;
    return this.sub;
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
