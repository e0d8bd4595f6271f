// What the autoscaling suite checks about gangs while HPAs resize a clique and a scaling group:
// - settled (after each step converged): every PodGang's pods exist and are all Running and Ready,
//   every PCSG replica has all its cliques' pods, and the counts are what the HPAs asked for;
// - at every observation in between (an observer polling throughout): no PodGang is partly
//   scheduled below its minimum, i.e. a gang with a bound pod has at least minReplicas bound pods
//   in each of its pod groups (a gang whose pods are being created or deleted is not judged).
import type { KubeObject } from "@grove-ts/runtime";
import { type E2E, T } from "./harness.js";
import { type PodView, podView } from "./pods.js";

interface PodGang extends KubeObject {
  spec: { podgroups: { name: string; minReplicas: number; podReferences?: { name: string }[] }[] };
}

interface Snapshot {
  gangs: PodGang[];
  pods: Map<string, PodView & { deleting: boolean }>;
}

async function snapshot(e2e: E2E, pcs: string): Promise<Snapshot> {
  const [gangs, pods] = await Promise.all([
    e2e.list<PodGang>(T.podgang, `app.kubernetes.io/part-of=${pcs}`),
    e2e.list(T.pod, `app.kubernetes.io/part-of=${pcs}`),
  ]);
  return {
    gangs,
    pods: new Map(
      pods.map((p) => [
        p.metadata.name ?? "",
        { ...podView(p), deleting: p.metadata.deletionTimestamp !== undefined },
      ]),
    ),
  };
}

/** The gangs scheduled below their minimum (empty when none); gangs in flux are skipped. */
export function partialGangs(s: Snapshot): string[] {
  const bad: string[] = [];
  for (const g of s.gangs) {
    if (g.metadata.deletionTimestamp) continue;
    const groups = g.spec.podgroups.map((pg) => ({
      pg,
      pods: (pg.podReferences ?? []).map((r) => s.pods.get(r.name)),
    }));
    const refs = groups.flatMap((x) => x.pods);
    if (refs.some((p) => p === undefined || p.deleting)) continue;
    if (!refs.some((p) => p?.node)) continue;
    for (const { pg, pods } of groups) {
      const bound = pods.filter((p) => p?.node).length;
      if (bound < pg.minReplicas)
        bad.push(
          `${g.metadata.name}/${pg.name}: ${bound} of ${pods.length} bound, minReplicas ${pg.minReplicas}`,
        );
    }
  }
  return bad;
}

/** Polls the PCS's gangs until stopped; `violations` lists every partial gang seen. */
export function watchGangs(
  e2e: E2E,
  pcs: string,
): { violations: string[]; observations: () => number; stop(): Promise<void> } {
  const violations: string[] = [];
  let observations = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const v of partialGangs(await snapshot(e2e, pcs))) violations.push(v);
        observations++;
      } catch {
        // a list that failed mid-shutdown says nothing about gangs
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    violations,
    observations: () => observations,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The settled state: `fe` pods of the clique and whole replicas of the scaling group (wa x2 +
 * wb x1 each), every pod of every PodGang Running and Ready; returns a description or "" when it
 * holds (for waitFor's state).
 */
export async function settled(e2e: E2E, pcs: string, fe: number, sg: number): Promise<string> {
  const s = await snapshot(e2e, pcs);
  const live = [...s.pods.values()].filter((p) => !p.deleting);
  const problems: string[] = [];
  const count = (clique: string) => live.filter((p) => p.pclq.endsWith(`-${clique}`)).length;
  if (count("fe") !== fe) problems.push(`fe pods ${count("fe")}, want ${fe}`);
  for (let r = 0; r < Math.max(sg, 4); r++) {
    const wa = live.filter((p) => p.pclq === `${pcs}-0-sg-${r}-wa`).length;
    const wb = live.filter((p) => p.pclq === `${pcs}-0-sg-${r}-wb`).length;
    const want = r < sg ? [2, 1] : [0, 0];
    if (wa !== want[0] || wb !== want[1])
      problems.push(`sg replica ${r}: wa ${wa} wb ${wb}, want ${want.join("+")}`);
  }
  if (live.length !== s.pods.size) problems.push(`${s.pods.size - live.length} pods terminating`);
  const notReady = live.filter((p) => p.phase !== "Running" || !p.ready).map((p) => p.name);
  if (notReady.length) problems.push(`not Running and Ready: ${notReady.join(", ")}`);
  for (const g of s.gangs)
    for (const pg of g.spec.podgroups)
      for (const r of pg.podReferences ?? [])
        if (!s.pods.get(r.name)) problems.push(`${g.metadata.name} names missing pod ${r.name}`);
  return problems.join("; ");
}
