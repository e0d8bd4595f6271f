// The per-domain aggregates of preempt() (README "Preemption"), kept between the decisions of one
// snapshot. The engine's preemption kernel (preempt-kernel.ts) computes them from every candidate
// pod and node; the next decision on the same snapshot, for a gang asking the same minimum, with
// candidates read from the same root (preempt-input.ts: the last call's less the victims evicted,
// or some given back), recomputes only the domains that changed since: those of nodes whose free
// capacity or flags changed (ClusterEncoding.takeChanges) and those of the candidates gone or
// back. The kernel then reads only those domains' candidate pods; the other domains keep their
// entries (candidates are the root's indices, so they stay valid), sorted lists and plans, and the
// plans are merged back in the kernel's order. What a domain's aggregates are
// depends only on its nodes, the candidate pods on them and the gang's minimum, so the answer is
// the one a full run gives (test/placement/preempt-incremental.test.ts compares them).
import type { ClusterEncoding } from "./encode.js";
import { ArenaViews, C, plan, type Section, writeHeader } from "./layout.js";
import type { PreemptContext } from "./preempt-attempt.js";
import type { EncodedCandidates } from "./preempt-input.js";
import { Q } from "./preempt-kernel.js";

/** The kernel's answer, per domain of the level. */
export interface Aggregates {
  /** Domains of the level (1: the whole cluster), and the cluster arena's id of the first. */
  domains: number;
  d0: number;
  /** domains x R: free capacity on usable nodes. */
  base: Float64Array;
  /** Per entry, its candidate (entries of domains recomputed since are left unreferenced). */
  entCand: Int32Array;
  /** entries x R: what each entry's candidate frees in its domain. */
  entVec: Float64Array;
  /** A domain's entries in the order victims are taken. */
  byDomain: (d: number) => number[];
}

export interface DomainPlan {
  d: number;
  /** The shortest prefix of the sorted entries that covers the minimum (at least 1). */
  prefix: number;
  /** Lower bound of any covering set's cost: (highest priority, victims). */
  bound: [number, number];
}

/** What one snapshot keeps between decisions (per cluster encoding). */
interface State {
  /** Level, asked resources and minimum the aggregates are for. */
  key: string;
  /** The candidates the entries' indices refer to. */
  c: EncodedCandidates;
  domains: number;
  d0: number;
  base: Float64Array;
  entCand: Int32Array;
  entVec: Float64Array;
  /** Entries in use (live or left behind by recomputed domains), and live after the last full run. */
  E: number;
  fullE: number;
  lists: Int32Array[];
  plans: DomainPlan[];
  /** Per domain, the root indices (ascending) of the root's candidates with pods on its nodes. */
  domCands: Int32Array[];
  /** Per domain, what the caller derived from its aggregates alone (dropped when it is recomputed). */
  memo: Map<number, unknown>;
  memoKey: string;
}

const states = new WeakMap<ClusterEncoding, State>();

/** The kernel's input: candidates (some or all) and their pod rows. */
interface Input {
  prio: Float64Array;
  cpods: Int32Array;
  podOff: Int32Array;
  podNode: Int32Array;
  podShape: Int32Array;
  podCount: Int32Array;
}

/**
 * The aggregates and the domains in the order to try, and a memo per domain for the caller: it
 * holds what the caller stored under `memoKey` for the domains not recomputed since.
 */
export function aggregates(
  ctx: PreemptContext,
  c: EncodedCandidates,
  L: number,
  need: number[],
  memoKey: string,
): { agg: Aggregates; order: DomainPlan[]; memo: Map<number, unknown> } {
  const cl = ctx.cluster;
  const changes = cl.takeChanges();
  const key = `${L}|${c.resources.join(",")}|${need.join(",")}`;
  let st = states.get(cl);
  const step =
    st !== undefined && st.key === key && st.E <= 2 * st.fullE + 64 ? since(ctx, st, c, L, changes) : null;
  if (st === undefined || step === null) {
    st = full(ctx, c, L, need, key);
    states.set(cl, st);
  } else incremental(ctx, st, c, L, need, step);
  if (st.memoKey !== memoKey) {
    st.memo.clear();
    st.memoKey = memoKey;
  }
  const s = st;
  const agg: Aggregates = {
    domains: s.domains,
    d0: s.d0,
    base: s.base,
    entCand: s.entCand,
    entVec: s.entVec,
    byDomain: (d) => {
      // A loop, not Array.from: that goes through the iterator, one object per entry.
      const l = s.lists[d] as Int32Array;
      const out = new Array<number>(l.length);
      for (let i = 0; i < l.length; i++) out[i] = l[i] as number;
      return out;
    },
  };
  return { agg, order: s.plans, memo: s.memo };
}

/** Per domain 1 if it must be recomputed; null when a full run is due (another candidate list,
 * another root, too many changes). */
function since(
  ctx: PreemptContext,
  st: State,
  c: EncodedCandidates,
  L: number,
  changes: number[] | null,
): Uint8Array | null {
  const m = c.from;
  if (L < 0 || changes === null || m === undefined || m.prev !== st.c) return null;
  const v = ctx.cluster.views();
  const Lc = ctx.levels.length;
  const nodeDom = v.i32(C.NODEDOM, ctx.cluster.nodes.length * Lc);
  const dirty = new Uint8Array(st.domains);
  let count = 0;
  const mark = (x: number) => {
    const d = nodeDom[x * Lc + L] as number;
    if (d >= 0 && dirty[d - st.d0] === 0) {
      dirty[d - st.d0] = 1;
      count++;
    }
  };
  for (const x of changes) mark(x);
  for (const k of m.changed)
    for (let p = c.podOff[k] as number; p < (c.podOff[k + 1] as number); p++) mark(c.podNode[p] as number);
  return 2 * count > st.domains ? null : dirty;
}

/** The kernel's input for root candidates `kk` (ascending), their rows where `keep` (all: null). */
function gather(c: EncodedCandidates, kk: readonly number[], keep: ((x: number) => boolean) | null): Input {
  const n = kk.length;
  let P = 0;
  for (const k of kk) P += (c.podOff[k + 1] as number) - (c.podOff[k] as number);
  const input: Input = {
    prio: new Float64Array(n),
    cpods: new Int32Array(n),
    podOff: new Int32Array(n + 1),
    podNode: new Int32Array(P),
    podShape: new Int32Array(P),
    podCount: new Int32Array(P),
  };
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const k = kk[i] as number;
    input.prio[i] = c.priority[k] as number;
    input.cpods[i] = c.pods[k] as number;
    for (let p = c.podOff[k] as number; p < (c.podOff[k + 1] as number); p++) {
      if (keep !== null && !keep(c.podNode[p] as number)) continue;
      input.podNode[rows] = c.podNode[p] as number;
      input.podShape[rows] = c.podShape[p] as number;
      input.podCount[rows] = c.podCount[p] as number;
      rows++;
    }
    input.podOff[i + 1] = rows;
  }
  input.podNode = input.podNode.subarray(0, rows);
  input.podShape = input.podShape.subarray(0, rows);
  input.podCount = input.podCount.subarray(0, rows);
  return input;
}

/** Every domain from every candidate pod. */
function full(ctx: PreemptContext, c: EncodedCandidates, L: number, need: number[], key: string): State {
  const K = c.names.length;
  const live = c.live;
  // This call's candidates (root indices) when not every root candidate is one.
  const kk: number[] = [];
  if (live !== null) for (let k = 0; k < K; k++) if (live[k] === 1) kk.push(k);
  let input: Input;
  if (live === null)
    input = {
      prio: c.priority,
      cpods: c.pods,
      podOff: c.podOff,
      podNode: c.podNode,
      podShape: c.podShape,
      podCount: c.podCount,
    };
  else input = gather(c, kk, null);
  const out = run(ctx, c, L, need, input);
  // The kernel's candidates are this call's: back to root indices.
  if (live !== null) for (let e = 0; e < out.E; e++) out.entCand[e] = kk[out.entCand[e] as number] as number;
  const lists: Int32Array[] = [];
  const byDom: number[][] = Array.from({ length: out.domains }, () => []);
  if (L >= 0) {
    const v = ctx.cluster.views();
    const Lc = ctx.levels.length;
    const nodeDom = v.i32(C.NODEDOM, ctx.cluster.nodes.length * Lc);
    for (let k = 0; k < K; k++)
      for (let p = c.podOff[k] as number; p < (c.podOff[k + 1] as number); p++) {
        const x = nodeDom[(c.podNode[p] as number) * Lc + L] as number;
        if (x < 0) continue;
        const d = x - out.d0;
        const list = byDom[d] as number[];
        if (list[list.length - 1] !== k) list.push(k);
      }
  }
  for (let d = 0; d < out.domains; d++)
    lists.push(out.domEnt.slice(out.domOff[d] as number, out.domOff[d + 1] as number));
  return {
    key,
    c,
    domains: out.domains,
    d0: out.d0,
    base: out.base,
    entCand: out.entCand,
    entVec: out.entVec,
    E: out.E,
    fullE: out.E,
    lists,
    plans: out.plans,
    domCands: byDom.map((l) => Int32Array.from(l)),
    memo: new Map(),
    memoKey: "",
  };
}

/** The dirty domains again from their candidates' pods; the rest kept. */
function incremental(
  ctx: PreemptContext,
  st: State,
  c: EncodedCandidates,
  L: number,
  need: number[],
  dirty: Uint8Array,
): void {
  const R = need.length;
  const v = ctx.cluster.views();
  const Lc = ctx.levels.length;
  const nodeDom = v.i32(C.NODEDOM, ctx.cluster.nodes.length * Lc);
  const live = c.live;
  // This call's candidates with pods in dirty domains (root indices, ascending), and those pods.
  const kk: number[] = [];
  for (let d = 0; d < st.domains; d++) {
    if (dirty[d] === 0) continue;
    const roots = st.domCands[d] as Int32Array;
    for (let i = 0; i < roots.length; i++) {
      const k = roots[i] as number;
      if (live === null || live[k] === 1) kk.push(k);
    }
  }
  kk.sort((a, b) => a - b);
  let n = 0;
  for (let i = 0; i < kk.length; i++) if (i === 0 || kk[i] !== kk[i - 1]) kk[n++] = kk[i] as number;
  kk.length = n;
  const input = gather(c, kk, (x) => {
    const d = (nodeDom[x * Lc + L] as number) - st.d0;
    return d >= 0 && d < st.domains && dirty[d] === 1;
  });
  // The kernel reads the nodes of the dirty domains only (a domain is a range of nodes): the
  // others' free capacity is kept (none of their nodes changed).
  const D = v.hdr[C.D] as number;
  const domStart = v.i32(C.DOMSTART, D);
  const domEnd = v.i32(C.DOMEND, D);
  let x0 = ctx.cluster.nodes.length;
  let x1 = 0;
  for (let d = 0; d < st.domains; d++)
    if (dirty[d] === 1) {
      x0 = Math.min(x0, domStart[st.d0 + d] as number);
      x1 = Math.max(x1, domEnd[st.d0 + d] as number);
    }
  const out = run(ctx, c, L, need, input, [x0, x1]);
  for (let d = 0; d < st.domains; d++)
    if (dirty[d] === 1) st.base.set(out.base.subarray(d * R, (d + 1) * R), d * R);
  // Entries of dirty domains are left behind (their lists are replaced below; never read again).
  const E0 = st.E;
  const E = E0 + out.E;
  if (E > st.entCand.length) {
    const cap = Math.max(E, 2 * st.entCand.length);
    const ec = new Int32Array(cap);
    ec.set(st.entCand.subarray(0, E0));
    const ev = new Float64Array(cap * R);
    ev.set(st.entVec.subarray(0, E0 * R));
    st.entCand = ec;
    st.entVec = ev;
  }
  for (let e = 0; e < out.E; e++) st.entCand[E0 + e] = kk[out.entCand[e] as number] as number;
  st.entVec.set(out.entVec.subarray(0, out.E * R), E0 * R);
  st.E = E;
  for (let d = 0; d < st.domains; d++) {
    if (dirty[d] === 0) continue;
    const list = out.domEnt.slice(out.domOff[d] as number, out.domOff[d + 1] as number);
    for (let i = 0; i < list.length; i++) list[i] = (list[i] as number) + E0;
    st.lists[d] = list;
    st.memo.delete(d);
  }
  // Plans: the clean domains' (in order) merged with the dirty ones' (in order).
  const kept = st.plans;
  const plans: DomainPlan[] = [];
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kept.length && dirty[(kept[i] as DomainPlan).d] === 1) i++;
    const a = kept[i];
    const b = out.plans[j];
    if (a === undefined && b === undefined) break;
    if (b === undefined || (a !== undefined && planBefore(a, b))) {
      plans.push(a as DomainPlan);
      i++;
    } else {
      plans.push(b);
      j++;
    }
  }
  st.plans = plans;
  st.c = c;
}

/** The kernel's order of plans: (bound priority, bound count, domain). */
function planBefore(a: DomainPlan, b: DomainPlan): boolean {
  if (a.bound[0] !== b.bound[0]) return a.bound[0] < b.bound[0];
  if (a.bound[1] !== b.bound[1]) return a.bound[1] < b.bound[1];
  return a.d < b.d;
}

/** Runs the engine's preemption kernel on `input`'s candidates and rows (the amounts from `c`). */
function run(
  ctx: PreemptContext,
  c: EncodedCandidates,
  L: number,
  need: number[],
  input: Input,
  nodes: [number, number] = [0, ctx.cluster.nodes.length],
) {
  const cl = ctx.cluster;
  const cv = cl.views();
  const Lc = ctx.levels.length;
  const levelDom = cv.i32(C.LEVELDOM, Lc + 1);
  const d0 = L < 0 ? 0 : (levelDom[L] as number);
  const domains = L < 0 ? 1 : (levelDom[L + 1] as number) - d0;
  const K = input.prio.length;
  const P = input.podNode.length;
  const R = need.length;
  const S = c.shapes.length;
  const sections: Section[] = [
    { slot: Q.RES, kind: "i32", length: R },
    { slot: Q.NEED, kind: "f64", length: R },
    { slot: Q.PRIO, kind: "f64", length: K },
    { slot: Q.CPODS, kind: "i32", length: K },
    { slot: Q.PODOFF, kind: "i32", length: K + 1 },
    { slot: Q.PODNODE, kind: "i32", length: P },
    { slot: Q.PODSHAPE, kind: "i32", length: P },
    { slot: Q.PODCOUNT, kind: "i32", length: P },
    { slot: Q.AMOUNTS, kind: "f64", length: S * R },
    { slot: Q.BASE, kind: "f64", length: domains * R },
    { slot: Q.ENTCAND, kind: "i32", length: P },
    { slot: Q.ENTDOM, kind: "i32", length: P },
    { slot: Q.ENTVEC, kind: "f64", length: P * R },
    { slot: Q.ENTSIZE, kind: "f64", length: P },
    { slot: Q.DOMOFF, kind: "i32", length: domains + 1 },
    { slot: Q.DOMENT, kind: "i32", length: P },
    { slot: Q.PLAND, kind: "i32", length: domains },
    { slot: Q.PLANPREFIX, kind: "i32", length: domains },
    { slot: Q.PLANPRIO, kind: "f64", length: domains },
    { slot: Q.PLANCOUNT, kind: "i32", length: domains },
    { slot: Q.ORDER, kind: "i32", length: domains },
    { slot: Q.SUM, kind: "f64", length: R },
    { slot: Q.FREES, kind: "f64", length: P },
  ];
  const p = plan(Q.HEADER, sections);
  const region = ctx.eng.alloc(p.bytes);
  try {
    let v = new ArenaViews(region.buffer(), region.base, Q.HEADER);
    writeHeader(v, p);
    const h = v.hdr;
    h[Q.K] = K;
    h[Q.P] = P;
    h[Q.R] = R;
    h[Q.L] = L;
    h[Q.S] = S;
    h[Q.DOMS] = domains;
    h[Q.D0] = d0;
    h[Q.X0] = nodes[0];
    h[Q.X1] = nodes[1];
    v.i32(Q.RES, R).set(c.resources);
    v.f64(Q.NEED, R).set(need);
    v.f64(Q.PRIO, K).set(input.prio);
    v.i32(Q.CPODS, K).set(input.cpods);
    v.i32(Q.PODOFF, K + 1).set(input.podOff);
    v.i32(Q.PODNODE, P).set(input.podNode);
    v.i32(Q.PODSHAPE, P).set(input.podShape);
    v.i32(Q.PODCOUNT, P).set(input.podCount);
    v.f64(Q.AMOUNTS, S * R).set(c.amounts);
    ctx.eng.preempt(cl.region, region);
    v = new ArenaViews(region.buffer(), region.base, Q.HEADER);
    const E = v.hdr[Q.E] as number;
    const M = v.hdr[Q.M] as number;
    const planD = v.i32(Q.PLAND, domains);
    const planPrefix = v.i32(Q.PLANPREFIX, domains);
    const planPrio = v.f64(Q.PLANPRIO, domains);
    const planCount = v.i32(Q.PLANCOUNT, domains);
    const ord = v.i32(Q.ORDER, domains);
    const plans: DomainPlan[] = [];
    for (let i = 0; i < M; i++) {
      const m = ord[i] as number;
      plans.push({
        d: planD[m] as number,
        prefix: planPrefix[m] as number,
        bound: [planPrio[m] as number, planCount[m] as number],
      });
    }
    return {
      domains,
      d0,
      E,
      base: v.f64(Q.BASE, domains * R).slice(),
      entCand: v.i32(Q.ENTCAND, E).slice(),
      entVec: v.f64(Q.ENTVEC, E * R).slice(),
      domOff: v.i32(Q.DOMOFF, domains + 1).slice(),
      domEnt: v.i32(Q.DOMENT, E).slice(),
      plans,
    };
  } finally {
    ctx.eng.release(region);
  }
}
