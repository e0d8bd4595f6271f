// Preemption on a snapshot reused across decisions (packages/placement/src/preempt-agg.ts keeps the
// per-domain aggregates between calls and recomputes only what changed): on seeded clusters, a
// snapshot that carried out several decisions (victims freed, nominations bound, a node cordoned
// and uncordoned between them) answers every decision as a fresh snapshot built in the same state
// does, on js and both WebAssembly builds; and the engines agree with each other.
import {
  createSnapshot,
  type Gang,
  type PlacementProblem,
  type PlacementSnapshot,
  type PreemptionResult,
  type RunningGang,
} from "@grove-ts/placement";
import { type RandomProblemOptions, randomProblem, rng } from "@grove-ts/testing";
import { describe, expect, it } from "vitest";
import { renamed, runningFromPlacement } from "./preempt-scenario.js";

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

const batches: { name: string; seeds: number[]; options: (seed: number) => RandomProblemOptions }[] = [
  { name: "small, 1 to 4 levels", seeds: range(1, 60), options: (s) => ({ gangs: 8 + (s % 10) }) },
  {
    name: "medium, 200 to 400 nodes",
    seeds: range(3001, 2),
    options: (s) => ({ nodes: 200 + ((s * 37) % 200), gangs: 60, maxPods: 12, levels: 1 + (s % 4) }),
  },
];

const engines = [
  { engine: "js", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "debug" },
] as const;

type EngineOptions = (typeof engines)[number];

/** The placed gangs run at seeded priorities; the unplaced ones, and copies of two running, arrive. */
function scenario(seed: number, options: RandomProblemOptions) {
  const problem = randomProblem(seed, options) as PlacementProblem;
  const rand = rng(seed * 53 + 11);
  const { running, unplaced: arriving } = runningFromPlacement(problem, rand);
  for (const r of running.slice(0, 2)) arriving.push(problem.gangs.find((x) => x.name === r.name) as Gang);
  // Each arrives three times (renamed): gangs asking the same minimum one after another, as on
  // the bench, keep the aggregates of the last call.
  const repeated = arriving.flatMap((g) => ["a", "b", "c"].map((k) => ({ ...renamed(g, k), priority: 100 })));
  return { problem, running, arriving: repeated, rand };
}

/** One decision carried out as a scheduler would: victims' pods freed, the nomination bound. */
function carryOut(snap: PlacementSnapshot, r: PreemptionResult, gang: Gang, candidates: RunningGang[]) {
  const gone = new Set(r.victims);
  for (const v of candidates) if (gone.has(v.name)) for (const p of v.pods) snap.free(p.node, p.requests);
  const bound: { node: string; requests: Record<string, string> }[] = [];
  for (const g of r.groups) {
    const requests = (gang.groups.find((x) => x.name === g.name)?.requests ?? {}) as Record<string, string>;
    for (const node of g.nodes) {
      snap.bind(node, requests);
      bound.push({ node, requests });
    }
  }
  return { left: candidates.filter((v) => !gone.has(v.name)), bound };
}

interface World {
  topology: PlacementProblem["topology"];
  nodes: PlacementProblem["nodes"];
  running: RunningGang[];
  arriving: Gang[];
  rand: () => number;
  spread?: { spread?: boolean };
  /** What a pod no candidate owns asks. */
  other?: Record<string, string>;
  /** Such pods bound before the first decision (freed now and then, as the others). */
  preBound?: Pod[];
  /**
   * How the caller keeps its candidates: a new array less the victims (default), the victims
   * spliced out of the one array, or that and, every third decision, the last victim given back
   * (its pods bound again, in its place among the running gangs) or a candidate dropped while its
   * pods stay (a gang the caller no longer offers: the lowest priority).
   */
  keep?: "filter" | "splice" | "giveBack" | "drop";
}

type Pod = { node: string; requests: Record<string, string> };

/**
 * Every decision of the sequence on one reused snapshot, and each on a fresh one in the same state.
 * Between two decisions, now and then, a node is cordoned or uncordoned, a pod no candidate owns is
 * bound to a node or one of those freed: changes in domains no victim was taken from.
 */
function sequences(w: World, e: EngineOptions) {
  const { topology, nodes, running, arriving, rand } = w;
  const spread = w.spread ?? {};
  const reused = createSnapshot(topology, nodes, e);
  for (const g of running) for (const p of g.pods) reused.bind(p.node, p.requests);
  let candidates = running.slice();
  const bound: Pod[] = [];
  const others: Pod[] = (w.preBound ?? []).slice();
  for (const p of others) reused.bind(p.node, p.requests);
  const cordoned = new Set<string>();
  // The last cordon() of every node it was called for: a node unschedulable from the start and
  // uncordoned since is schedulable in the fresh snapshot too.
  const lastCordon = new Map<string, boolean>();
  const out: { reused: PreemptionResult; fresh: PreemptionResult }[] = [];
  let last: RunningGang | null = null;
  let decided = 0;
  for (const gang of arriving) {
    const node = nodes[Math.floor(rand() * nodes.length)]?.name as string;
    const x = rand();
    if (x < 0.2) {
      const on = !cordoned.has(node);
      reused.cordon(node, on);
      if (on) cordoned.add(node);
      else cordoned.delete(node);
      lastCordon.set(node, on);
    } else if (x < 0.5) {
      const pod = { node, requests: w.other ?? { cpu: "1" } };
      reused.bind(pod.node, pod.requests);
      others.push(pod);
    } else if (x < (w.preBound ? 0.9 : 0.7) && others.length > 0) {
      const [pod] = others.splice(Math.floor(rand() * others.length), 1) as [Pod];
      reused.free(pod.node, pod.requests);
    }
    const r = reused.preempt(gang, candidates, spread);
    const fresh = createSnapshot(topology, nodes, e);
    for (const g of candidates) for (const p of g.pods) fresh.bind(p.node, p.requests);
    for (const b of [...bound, ...others]) fresh.bind(b.node, b.requests);
    for (const [n, on] of lastCordon) fresh.cordon(n, on);
    out.push({ reused: r, fresh: fresh.preempt(gang, candidates, spread) });
    fresh.dispose();
    if (r.placed) {
      const done = carryOut(reused, r, gang, candidates);
      if (w.keep === undefined || w.keep === "filter") candidates = done.left;
      else {
        const gone = new Set(r.victims);
        for (let k = candidates.length - 1; k >= 0; k--)
          if (gone.has((candidates[k] as RunningGang).name)) {
            if (w.keep === "giveBack") last = candidates[k] as RunningGang;
            candidates.splice(k, 1);
          }
      }
      bound.push(...done.bound);
    }
    if (w.keep === "drop" && candidates.length > 0 && ++decided % 3 === 0) {
      // The lowest priority: the one the next decision would take first.
      let k = 0;
      for (let i = 1; i < candidates.length; i++)
        if ((candidates[i] as RunningGang).priority < (candidates[k] as RunningGang).priority) k = i;
      const [gone] = candidates.splice(k, 1) as [RunningGang];
      for (const p of gone.pods)
        others.push({ node: p.node, requests: (p.requests ?? {}) as Record<string, string> });
    }
    if (w.keep === "giveBack" && last !== null && ++decided % 3 === 0) {
      for (const p of last.pods) reused.bind(p.node, p.requests);
      const back = new Set([...candidates, last]);
      candidates.length = 0;
      candidates.push(...running.filter((g) => back.has(g)));
      last = null;
    }
  }
  reused.dispose();
  return out;
}

describe.each(batches)("preemption on a reused snapshot: $name", (batch) => {
  // 60 clusters x 3 engines, a fresh snapshot per decision: over a minute on a loaded 2-core machine.
  it(`${batch.seeds.length} clusters: reused = fresh on every decision, js = wasm release = wasm debug`, () => {
    let decisions = 0;
    let withVictims = 0;
    for (const seed of batch.seeds) {
      const results = engines.map((e) => {
        const { problem, running, arriving, rand } = scenario(seed, batch.options(seed));
        const spread = problem.options?.spread ? { spread: true as const } : {};
        return sequences(
          { topology: problem.topology, nodes: problem.nodes, running, arriving, rand, spread },
          e,
        );
      });
      for (const [i, e] of engines.entries()) {
        const rs = results[i] as { reused: PreemptionResult; fresh: PreemptionResult }[];
        for (const [j, r] of rs.entries())
          expect(r.reused, `seed ${seed} decision ${j} on ${e.engine} ${e.wasmBuild}`).toEqual(r.fresh);
        expect(rs, `seed ${seed} on ${e.engine} ${e.wasmBuild} against js`).toEqual(results[0]);
      }
      for (const r of results[0] ?? []) {
        decisions++;
        if (r.reused.placed && r.reused.victims.length > 0) withVictims++;
      }
    }
    // Decisions that evict and build on each other, or the comparison proves little.
    expect(decisions).toBeGreaterThan(batch.seeds.length);
    expect(withVictims).toBeGreaterThan(batch.seeds.length / 4);
  }, 180_000);
});

describe.each(["splice", "giveBack", "drop"] as const)(
  "preemption on a reused snapshot, candidates kept by %s",
  (keep) => {
    // The candidates read once are kept (preempt-input.ts): a later call passing a subsequence of
    // them, in the same array changed in place, with a victim given back or a candidate dropped
    // (its pods still there), is read from them.
    it("20 clusters: reused = fresh on every decision, js = wasm release = wasm debug", () => {
      let withVictims = 0;
      for (const seed of range(101, 20)) {
        const results = engines.map((e) => {
          const { problem, running, arriving, rand } = scenario(seed, { gangs: 8 + (seed % 10) });
          const spread = problem.options?.spread ? { spread: true as const } : {};
          const world = {
            topology: problem.topology,
            nodes: problem.nodes,
            running,
            arriving,
            rand,
            spread,
            keep,
          };
          return sequences(world, e);
        });
        for (const [i, e] of engines.entries()) {
          const rs = results[i] as { reused: PreemptionResult; fresh: PreemptionResult }[];
          for (const [j, r] of rs.entries())
            expect(r.reused, `seed ${seed} decision ${j} on ${e.engine} ${e.wasmBuild}`).toEqual(r.fresh);
          expect(rs, `seed ${seed} on ${e.engine} ${e.wasmBuild} against js`).toEqual(results[0]);
        }
        for (const r of results[0] ?? []) if (r.reused.placed && r.reused.victims.length > 0) withVictims++;
      }
      expect(withVictims).toBeGreaterThan(5);
    });
  },
);

describe.each(["filter", "splice", "giveBack", "drop"] as const)(
  "preemption on a reused snapshot: the KEP-5732 shape's racks, candidates kept by %s",
  (keep) => {
    it("rack-required gangs one after another: reused = fresh on every decision", () => {
      // 2 blocks x 8 racks x 6 hosts of 8 GPUs, full of low-priority gangs (whole hosts, and hosts
      // shared by 2-GPU gangs); 14 gangs of 3 hosts arrive.
      const topology = {
        levels: [
          { domain: "block", key: "block" },
          { domain: "rack", key: "rack" },
          { domain: "host", key: "kubernetes.io/hostname" },
        ],
      };
      const nodes = range(0, 96).map((i) => ({
        name: `n${i}`,
        labels: {
          block: `b${Math.floor(i / 48)}`,
          rack: `r${Math.floor(i / 6)}`,
          "kubernetes.io/hostname": `n${i}`,
        },
        allocatable: { cpu: "64", memory: "512Gi", "nvidia.com/gpu": "8", pods: "110" },
      }));
      const rand = rng(5);
      const running: RunningGang[] = [];
      for (let i = 0; i < 96; ) {
        if (rand() < 0.3) {
          for (let k = 0; k < 4; k++)
            running.push({
              name: `low-${running.length}`,
              priority: Math.floor(rand() * 10),
              pods: [{ node: `n${i}`, requests: { cpu: "16", "nvidia.com/gpu": "2" } }],
            });
          i++;
          continue;
        }
        const span = Math.min(1 + Math.floor(rand() * 3), 6 - (i % 6));
        running.push({
          name: `low-${running.length}`,
          priority: Math.floor(rand() * 10),
          pods: range(i, span).map((x) => ({
            node: `n${x}`,
            requests: { cpu: "64", "nvidia.com/gpu": "8" },
          })),
        });
        i += span;
      }
      const arriving: Gang[] = range(0, 14).map((i) => ({
        name: `high-${i}`,
        priority: 1000,
        constraint: { required: "rack" },
        groups: [{ name: `high-${i}-w`, count: 3, requests: { cpu: "64", "nvidia.com/gpu": "8" } }],
      }));
      for (const e of engines) {
        // A third of the hosts also run a 1-GPU pod no candidate owns: a rack gets cheaper to free
        // when one of those goes, with no victim taken there.
        const other = { cpu: "8", "nvidia.com/gpu": "1" };
        const preBound = nodes.filter((_, i) => i % 3 === 1).map((n) => ({ node: n.name, requests: other }));
        const rs = sequences({ topology, nodes, running, arriving, rand: rng(9), other, preBound, keep }, e);
        for (const [j, r] of rs.entries())
          expect(r.reused, `decision ${j} on ${e.engine} ${e.wasmBuild}`).toEqual(r.fresh);
        const placed = rs.filter((r) => r.reused.placed).length;
        expect(placed).toBeGreaterThan(8);
      }
    });
  },
);

describe("preemption on a reused snapshot: candidates the caller stops offering", () => {
  it("a rack whose candidates were dropped (their pods still running) is not freed from them", () => {
    // 4 racks of 2 hosts of 8 GPUs, each host running one 8-GPU gang; rack r0 is cheapest, then r1.
    const topology = {
      levels: [
        { domain: "rack", key: "rack" },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    };
    const nodes = range(0, 8).map((i) => ({
      name: `n${i}`,
      labels: { rack: `r${i >> 1}`, "kubernetes.io/hostname": `n${i}` },
      allocatable: { cpu: "64", "nvidia.com/gpu": "8", pods: "110" },
    }));
    const requests = { cpu: "64", "nvidia.com/gpu": "8" };
    const running: RunningGang[] = range(0, 8).map((i) => ({
      name: `low-${i}`,
      priority: i >> 1,
      pods: [{ node: `n${i}`, requests }],
    }));
    const gang = (i: number): Gang => ({
      name: `high-${i}`,
      priority: 100,
      constraint: { required: "rack" },
      groups: [{ name: `high-${i}-w`, count: 2, requests }],
    });
    for (const e of engines) {
      const reused = createSnapshot(topology, nodes, e);
      for (const g of running) for (const p of g.pods) reused.bind(p.node, p.requests);
      const candidates = running.slice();
      const first = reused.preempt(gang(0), candidates);
      expect(first.victims).toEqual(["low-0", "low-1"]);
      carryOut(reused, first, gang(0), candidates);
      // The caller stops offering r1's gangs: they keep running, and are no candidates any more.
      const left = candidates.filter((c) => !first.victims.includes(c.name) && c.priority !== 1);
      const second = reused.preempt(gang(1), left);
      const fresh = createSnapshot(topology, nodes, e);
      for (const g of running.slice(2)) for (const p of g.pods) fresh.bind(p.node, p.requests);
      for (const n of ["n0", "n1"]) fresh.bind(n, requests);
      expect(second, `${e.engine} ${e.wasmBuild}`).toEqual(fresh.preempt(gang(1), left));
      expect(second.victims).toEqual(["low-4", "low-5"]);
      reused.dispose();
      fresh.dispose();
    }
  });
});
