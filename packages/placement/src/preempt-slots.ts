// A tighter necessary condition than the per-domain sums, for gangs whose pods all ask the same:
// per usable node, how many of the gang's pods its free capacity holds (plus what the victims free
// there), summed over the domain. The sums say 16 hosts' worth of GPUs are freed; the slots say
// whether they are freed on whole hosts. preempt() uses it to skip placement attempts that cannot
// succeed; every answer is still confirmed by the engine.
import type { CheckedGang, CheckedGroup } from "./check-types.js";
import { C, FLAG_CORDONED, FLAG_REMOVED } from "./layout.js";
import type { PreemptContext } from "./preempt-attempt.js";
import type { EncodedCandidates } from "./preempt-input.js";

/** floor(a / b) for b > 0, exact for integers below 2^53 (a / b may round up to the next integer). */
function floorDiv(a: number, b: number): number {
  if (a <= 0) return 0;
  let k = Math.floor(a / b);
  if (k * b > a) k--;
  return k;
}

/**
 * The arrays of the last PodSlots, for the next (`free` is written before it is read). `delta` and
 * `mark` are left zeroed by every use (prefix, release); `loaded` lists the node ranges whose
 * `slots` were read, reset to -1 by the next; `clean` is false from a PodSlots' start to its done().
 */
interface Scratch {
  slots: Float64Array;
  free: Float64Array;
  delta: Float64Array;
  mark: Uint8Array;
  loaded: number[];
  clean: boolean;
}

let scratch: Scratch | null = null;

export class PodSlots {
  private readonly R: number;
  /** Per node: pods of the gang its free capacity holds now (0 for unusable nodes). */
  private readonly slots: Float64Array;
  /** Free capacity per node and asked resource. */
  private readonly free: Float64Array;
  private readonly delta: Float64Array;
  private readonly mark: Uint8Array;

  /** Null unless every group of the gang asks the same requests (and at least one pod). */
  static of(ctx: PreemptContext, gang: CheckedGang, c: EncodedCandidates): PodSlots | null {
    const first = gang.groups[0] as CheckedGroup;
    let total = 0;
    for (const g of gang.groups) {
      total += g.minCount;
      const q = g.requests;
      if (q.names.length !== first.requests.names.length) return null;
      for (let j = 0; j < q.names.length; j++)
        if (q.names[j] !== first.requests.names[j] || q.values[j] !== first.requests.values[j]) return null;
    }
    if (total === 0) return null;
    const req = c.resources.map((r) => {
      if (r === 0) return 1000;
      const i = first.requests.names.indexOf(ctx.cluster.resources[r] as string);
      return i < 0 ? 0 : (first.requests.values[i] as number);
    });
    return new PodSlots(ctx, c, req, total);
  }

  /** What the slots count: a pod's request per asked resource and the pods of the minimum. */
  get key(): string {
    return `${this.req.join(",")}/${this.total}`;
  }

  private constructor(
    ctx: PreemptContext,
    private readonly c: EncodedCandidates,
    /** Per asked resource (the candidates' amount columns): what one pod asks. */
    private readonly req: number[],
    /** Pods of the gang's minimum. */
    private readonly total: number,
  ) {
    const cl = ctx.cluster;
    const N = cl.nodes.length;
    this.cluster = cl;
    this.R = req.length;
    // One decision after another on the same cluster: the arrays of the last call are cleared and
    // reused rather than allocated again (calls never overlap: preempt() is synchronous).
    let s = scratch;
    if (s === null || s.slots.length !== N || s.free.length !== N * this.R) {
      s = {
        slots: new Float64Array(N).fill(-1),
        free: new Float64Array(N * this.R),
        delta: new Float64Array(N * this.R),
        mark: new Uint8Array(N),
        loaded: [],
        clean: true,
      };
      scratch = s;
    } else if (!s.clean) {
      // The last one did not end (an exception): everything again.
      s.slots.fill(-1);
      s.delta.fill(0);
      s.mark.fill(0);
    } else for (let i = 0; i < s.loaded.length; i += 2) s.slots.fill(-1, s.loaded[i], s.loaded[i + 1]);
    s.loaded.length = 0;
    s.clean = false;
    this.scratch = s;
    this.slots = s.slots;
    this.free = s.free;
    this.delta = s.delta;
    this.mark = s.mark;
  }

  private readonly scratch: Scratch;

  /** The end of the call: the arrays are left for the next PodSlots. */
  done(): void {
    this.release();
    this.scratch.clean = true;
  }

  private readonly cluster: PreemptContext["cluster"];

  /** Reads the nodes start..end on first use (free capacity and slots; unusable nodes hold 0). */
  private load(start: number, end: number): void {
    if (this.slots[start] !== -1 && this.slots[end - 1] !== -1) return;
    this.scratch.loaded.push(start, end);
    const cl = this.cluster;
    const v = cl.views();
    const N = cl.nodes.length;
    const Rn = cl.resources.length;
    const free = v.f64(C.FREE, N * Rn);
    const flags = v.i32(C.FLAGS, N);
    const res = this.c.resources;
    for (let x = start; x < end; x++) {
      if (this.slots[x] !== -1) continue;
      if (((flags[x] as number) & (FLAG_CORDONED | FLAG_REMOVED)) !== 0) {
        this.slots[x] = 0;
        for (let j = 0; j < this.R; j++) this.free[x * this.R + j] = Number.NEGATIVE_INFINITY;
        continue;
      }
      for (let j = 0; j < this.R; j++)
        this.free[x * this.R + j] = free[x * Rn + (res[j] as number)] as number;
      this.slots[x] = this.slotsOf(x, null);
    }
  }

  private slotsOf(x: number, delta: Float64Array | null): number {
    let s = Number.POSITIVE_INFINITY;
    for (let j = 0; j < this.R; j++) {
      const r = this.req[j] as number;
      if (r <= 0) continue;
      const f =
        (this.free[x * this.R + j] as number) + (delta === null ? 0 : (delta[x * this.R + j] as number));
      s = Math.min(s, floorDiv(f, r));
    }
    return s === Number.POSITIVE_INFINITY ? 0 : s;
  }

  /**
   * The shortest prefix of `victims` (candidate indices) once whose pods are gone the nodes from
   * `start` to `end` (a domain's range, or the whole cluster) hold the gang's minimum, counting
   * capacity only; victims.length + 1 when even all of them do not.
   */
  prefix(start: number, end: number, victims: readonly number[]): number {
    this.load(start, end);
    const c = this.c;
    const R = this.R;
    const touched: number[] = [];
    let sum = 0;
    for (let x = start; x < end; x++) sum += this.slots[x] as number;
    let k = 0;
    for (; k < victims.length && sum < this.total; k++) {
      const v = victims[k] as number;
      for (let p = c.podOff[v] as number; p < (c.podOff[v + 1] as number); p++) {
        const x = c.podNode[p] as number;
        if (x < start || x >= end || (this.free[x * R] as number) === Number.NEGATIVE_INFINITY) continue;
        if (this.mark[x] === 0) {
          this.mark[x] = 1;
          touched.push(x);
        }
        const before = this.slotsOf(x, this.delta);
        const s = c.podShape[p] as number;
        const n = c.podCount[p] as number;
        for (let j = 0; j < R; j++)
          this.delta[x * R + j] = (this.delta[x * R + j] as number) + (c.amounts[s * R + j] as number) * n;
        sum += this.slotsOf(x, this.delta) - before;
      }
    }
    for (const x of touched) {
      this.mark[x] = 0;
      for (let j = 0; j < R; j++) this.delta[x * R + j] = 0;
    }
    return sum >= this.total ? k : victims.length + 1;
  }

  /** Whether the nodes from `start` to `end` hold the minimum once all of `victims` are gone. */
  covers(start: number, end: number, victims: readonly number[]): boolean {
    return this.prefix(start, end, victims) <= victims.length;
  }

  // A victim set kept incrementally, for the reprieve: `hold` frees every victim's pods, then
  // `giveBack` returns one victim when the rest still hold the minimum, at the cost of its pods.
  private heldStart = 0;
  private heldEnd = 0;
  private heldSum = 0;
  private held: number[] = [];

  /** Frees the pods of `victims` on the nodes start..end (undoing the previous hold). */
  hold(start: number, end: number, victims: readonly number[]): void {
    this.release();
    this.load(start, end);
    this.heldStart = start;
    this.heldEnd = end;
    let sum = 0;
    for (let x = start; x < end; x++) sum += this.slots[x] as number;
    for (const v of victims) sum += this.shift(v, 1);
    this.heldSum = sum;
  }

  /** Gives victim `v` back (its pods take their capacity again) if the rest still hold the minimum. */
  giveBack(v: number): boolean {
    const change = this.shift(v, -1);
    if (this.heldSum + change >= this.total) {
      this.heldSum += change;
      return true;
    }
    this.shift(v, 1);
    return false;
  }

  /** Adds (1) or takes back (-1) a victim's pods in the held range; the change in slots. */
  private shift(v: number, sign: number): number {
    const c = this.c;
    const R = this.R;
    let change = 0;
    for (let p = c.podOff[v] as number; p < (c.podOff[v + 1] as number); p++) {
      const x = c.podNode[p] as number;
      if (x < this.heldStart || x >= this.heldEnd) continue;
      if ((this.free[x * R] as number) === Number.NEGATIVE_INFINITY) continue;
      if (this.mark[x] === 0) {
        this.mark[x] = 1;
        this.held.push(x);
      }
      const before = this.slotsOf(x, this.delta);
      const s = c.podShape[p] as number;
      const n = sign * (c.podCount[p] as number);
      for (let j = 0; j < R; j++)
        this.delta[x * R + j] = (this.delta[x * R + j] as number) + (c.amounts[s * R + j] as number) * n;
      change += this.slotsOf(x, this.delta) - before;
    }
    return change;
  }

  /** Undoes the hold. */
  release(): void {
    for (const x of this.held) {
      this.mark[x] = 0;
      for (let j = 0; j < this.R; j++) this.delta[x * this.R + j] = 0;
    }
    this.held = [];
  }

  /** The node range of domain `d` of the cluster arena (-1: every node). */
  range(d: number): [number, number] {
    if (d < 0) return [0, this.slots.length];
    const v = this.cluster.views();
    const D = v.hdr[C.D] as number;
    return [v.i32(C.DOMSTART, D)[d] as number, v.i32(C.DOMEND, D)[d] as number];
  }
}
