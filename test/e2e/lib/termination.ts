// The steps of Grove's gang-termination suite (grove-behaviour.md §18.2) through the real kubectl:
// "kill" a pod as upstream does (cordon its node, then delete it, so its replacement stays
// Pending), remember pod UIDs, and wait for a scope to be recreated (every pod of it has a UID not
// seen before) or check that nothing was recreated while the termination delay ran out.

import type { KubeObject } from "@grove-ts/runtime";
import { expect } from "vitest";
import { type E2E, T } from "./harness.js";
import type { PodView } from "./pods.js";
import { waitFor } from "./wait.js";

interface PodCliqueLike extends KubeObject {
  spec?: { minAvailable?: number };
  status?: {
    scheduledReplicas?: number;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
  };
}

/** Upstream's workloads use terminationDelay 10 s; it waits delay + 15 s for a termination. */
export const TERMINATION_DELAY_MS = 10_000;
const TERMINATION_WAIT_MS = TERMINATION_DELAY_MS + 35_000;
/** Grove's InitialScheduleGrace (5 s) plus the second lost to creationTimestamp's precision and a margin. */
const GRACE_MS = 6_500;
/** How long "no gang termination" is watched: the delay plus two of the operator's 5 s requeues. */
const HOLD_MS = TERMINATION_DELAY_MS + 10_000;

export class GangTermination {
  constructor(
    private readonly e2e: E2E,
    readonly pcs: string,
  ) {}

  /** The live pods of one PodClique, `<pcs>-<suffix>` (e.g. "0-sg-x-0-pc-c"), Ready ones first, by name. */
  async podsOf(suffix: string): Promise<PodView[]> {
    const pclq = `${this.pcs}-${suffix}`;
    return (await this.e2e.pods(this.pcs))
      .filter((p) => p.pclq === pclq)
      .sort((a, b) => Number(b.ready) - Number(a.ready) || a.name.localeCompare(b.name));
  }

  /**
   * Grove does not count a PodCliqueScheduled=False set within 5 s of the PodClique's creation as a
   * loss (InitialScheduleGrace, grove-behaviour.md §10.1: WasPCLQEverScheduled), so a pod killed in
   * the first 5 s never triggers gang termination. Upstream's pods take longer than that to become
   * Ready on a real cluster; grove-sim's take about a second, so the suite waits until every
   * PodClique of the PCS is past the grace (creationTimestamp has second precision) before it kills.
   */
  async waitPastInitialGrace(): Promise<void> {
    await waitFor(
      `${this.pcs}: every PodClique older than the 5 s initial schedule grace`,
      async () => {
        const pclqs = await this.e2e.list<PodCliqueLike>(T.pclq, `app.kubernetes.io/part-of=${this.pcs}`);
        const young = pclqs.filter(
          (q) => Date.now() < (Date.parse(q.metadata.creationTimestamp ?? "") || Date.now()) + GRACE_MS,
        );
        return {
          ok: pclqs.length > 0 && young.length === 0,
          state: `young: ${young.map((q) => q.metadata.name).join(", ")}`,
        };
      },
      { intervalMs: 250 },
    );
  }

  /** pod name -> UID of every live pod of the PCS. */
  async uids(): Promise<Map<string, string>> {
    return new Map((await this.e2e.pods(this.pcs)).map((p) => [p.name, p.uid]));
  }

  /** Kill = `kubectl cordon <its node>` then `kubectl delete pod`; waits until the pod is gone or terminating. */
  async kill(pods: readonly PodView[]): Promise<void> {
    const nodes = pods.map((p) => {
      if (!p.node) throw new Error(`kill ${p.name}: the pod is not bound to a node`);
      return p.node;
    });
    await this.e2e.cordon(nodes);
    await this.e2e.kubectl.ok(["delete", "pod", ...pods.map((p) => p.name), "--wait=false"]);
    const gone = new Set(pods.map((p) => p.uid));
    await waitFor(`${pods.map((p) => p.name).join(", ")} deleted`, async () => {
      const left = (await this.e2e.pods(this.pcs)).filter((p) => gone.has(p.uid));
      return { ok: left.length === 0, state: `still live: ${left.map((p) => p.name).join(", ")}` };
    });
  }

  /** Kills the first `n` pods of a PodClique (Ready ones first); returns them. */
  async killOf(suffix: string, n: number): Promise<PodView[]> {
    const pods = (await this.podsOf(suffix)).slice(0, n);
    expect(pods.length, `${this.pcs}-${suffix}: pods to kill`).toBe(n);
    await this.kill(pods);
    return pods;
  }

  /**
   * Waits until the PCS has `total` live pods, every pod of the PodCliques under `scope` (the PCLQ
   * FQN prefix, e.g. "<pcs>-0-" for the PCS replica, "<pcs>-0-sg-x-0-" for a PCSG replica) has a UID
   * not in `before`, and every pod outside the scope still has its UID from `before`.
   */
  async waitRecreated(scope: string, before: Map<string, string>, total: number): Promise<PodView[]> {
    const old = new Set(before.values());
    let pods: PodView[] = [];
    await waitFor(
      `${scope}* recreated (every pod a new UID), the rest intact, ${total} pods`,
      async () => {
        pods = await this.e2e.pods(this.pcs);
        const inScope = pods.filter((p) => p.pclq.startsWith(scope));
        const stale = inScope.filter((p) => old.has(p.uid)).map((p) => p.name);
        const lost = [...before]
          .filter(([name]) => !name.startsWith(scope))
          .filter(([name, uid]) => !pods.some((p) => p.name === name && p.uid === uid))
          .map(([name]) => name);
        return {
          ok: pods.length === total && stale.length === 0 && lost.length === 0,
          state: `${pods.length} pods; old UIDs in scope: [${stale.join(", ")}]; outside the scope gone: [${lost.join(", ")}]; ${await this.breaches()}`,
        };
      },
      { timeoutMs: TERMINATION_WAIT_MS, intervalMs: 250 },
    );
    return pods;
  }

  /**
   * No gang termination: for the termination delay and two requeues after it, every pod in
   * `survivors` keeps its UID and at least `minRunning` pods run (upstream waits delay + 15 s).
   */
  async expectNoTermination(survivors: Map<string, string>, minRunning: number): Promise<void> {
    const until = Date.now() + HOLD_MS;
    for (;;) {
      const pods = await this.e2e.pods(this.pcs);
      const lost = [...survivors].filter(
        ([name, uid]) => !pods.some((p) => p.name === name && p.uid === uid),
      );
      expect(
        lost.map(([name]) => name),
        `${this.pcs}: survivors recreated (gang termination)`,
      ).toEqual([]);
      const running = pods.filter((p) => p.phase === "Running").length;
      expect(running, `${this.pcs}: running pods`).toBeGreaterThanOrEqual(minRunning);
      if (Date.now() >= until) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Each PodClique's scheduled/min and MinAvailableBreached, for failure messages. */
  async breaches(): Promise<string> {
    const pclqs = await this.e2e.list<PodCliqueLike>(T.pclq, `app.kubernetes.io/part-of=${this.pcs}`);
    return pclqs
      .map((q) => {
        const c = q.status?.conditions?.find((x) => x.type === "MinAvailableBreached");
        return `${q.metadata.name} ${q.status?.scheduledReplicas ?? 0}/${q.spec?.minAvailable ?? "?"} breached=${c?.status ?? "-"}${c ? `@${c.lastTransitionTime}` : ""}`;
      })
      .join("; ");
  }

  /** Uncordons every node the kills cordoned and waits for `total` Ready pods. */
  async recover(total: number): Promise<void> {
    await this.e2e.uncordonNodes([...this.e2e.cordoned]);
    await this.e2e.waitPods(this.pcs, { total, running: total, ready: total, pending: 0 });
  }
}

/** `before` without the given pods. */
export function without(before: Map<string, string>, pods: readonly PodView[]): Map<string, string> {
  const out = new Map(before);
  for (const p of pods) out.delete(p.name);
  return out;
}
