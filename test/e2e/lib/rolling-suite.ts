// Grove's RollingRecreate suite RU7-RU12, RU16, RU18-RU21 (grove-behaviour.md §18.4, upstream
// operator/e2e/tests/update/rolling_recreate_test.go) on our own WL1 (workloads/wl1.yaml) and
// WL1-sigterm (containers that ignore SIGTERM, for RU11/RU12), operator in-process, with the real
// kubectl against grove-sim on agent nodes of the §17.1 shape (one pod per node). Each scenario
// deploys, scales to its starting shape, starts the pod watcher (pod-watch.ts), triggers the update
// (UPDATE_TRIGGER by server-side apply, rolling.ts), scales during or before it where the scenario
// says, waits for completion, and checks the end state (replicas updated, pod count, every pod on
// the new spec) and, for RU7-RU9, the "one at a time" orderings (rolling-verify.ts).

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LabelPodCliqueScalingGroup } from "@grove-ts/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E } from "./harness.js";
import { type PodEvent, PodWatch } from "./pod-watch.js";
import { RollingUpdate } from "./rolling.js";
import {
  type InFlight,
  maxInFlight,
  pcsgReplicasGlobally,
  pcsgReplicasPerPcsg,
  pcsReplicas,
  podsGlobally,
} from "./rolling-verify.js";

const here = join(import.meta.dirname, "..");
const WL1 = { path: join(here, "workloads/wl1.yaml"), pcs: "wl1" };
const WL1_SIGTERM = { path: join(here, "workloads/wl1-sigterm.yaml"), pcs: "wl1-sigterm" };
const ALL = ["pc-a", "pc-b", "pc-c"];
/** Upstream's 100 ms between the first and the second of two concurrent steps. */
const THEN_MS = 100;
/** Generous waits for a scenario's starting shape (a loaded machine, the real control plane). */
const SETUP = { timeoutMs: 90_000 };

const expectAtMostOne = (what: string, r: InFlight) =>
  expect(r.max, `${what} at once (most seen: ${r.witness})`).toBeLessThanOrEqual(1);

/** Standalone PodCliques' pods in flight per PodClique (a PCSG replica is recreated whole, §13.4). */
const standalonePodsPerPodClique = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) =>
    e.labels[LabelPodCliqueScalingGroup]
      ? undefined
      : { scope: e.labels["grove.io/podclique"] ?? "?", unit: e.hostname },
  );

/** Names of the PodCliques (by clique suffix) whose pods the watch saw DELETED. */
const deletedCliques = (events: readonly PodEvent[]) =>
  [
    ...new Set(
      events
        .filter((e) => e.type === "DELETED")
        .map((e) => (e.labels["grove.io/podclique"] ?? "").replace(/^.*-(pc-[a-z])$/, "$1")),
    ),
  ].sort();

/**
 * The SIGTERM-ignoring pods really lingered: some deleted pod was reported Terminating (MODIFIED
 * with a deletionTimestamp) well before its DELETED event, its 5 s grace period running out.
 */
function expectGraceHonoured(events: readonly PodEvent[]): void {
  const since = new Map<string, number>();
  let longest = 0;
  for (const e of events) {
    if (e.type === "MODIFIED" && e.terminating && !since.has(e.uid)) since.set(e.uid, e.at);
    const t = since.get(e.uid);
    if (e.type === "DELETED" && t !== undefined) longest = Math.max(longest, e.at - t);
  }
  expect(longest, "longest Terminating -> DELETED of a SIGTERM-ignoring pod (ms)").toBeGreaterThanOrEqual(
    3_000,
  );
}

/** One describe block (its own grove-sim with `nodes` agent nodes) running the scenarios `ids`. */
export function rollingSuite(title: string, ids: readonly string[], nodes: number): void {
  describe(title, () => {
    let e2e: E2E;
    let watch: PodWatch | undefined;
    beforeAll(async () => {
      e2e = await E2E.start({ cluster: agentCluster(nodes) });
    });
    afterEach(async () => {
      watch?.stop();
      watch = undefined;
      await e2e.cleanup({ uncordon: "now" });
    });
    afterAll(async () => {
      await e2e?.close();
    });

    /** PrepareTest(workers), apply, 10 Ready pods, then PCS scaled to `pcsReplicas` (10 pods each). */
    async function deploy(
      wl: { path: string; pcs: string },
      workers: number,
      pcsReplicas = 1,
    ): Promise<RollingUpdate> {
      await e2e.prepareTest(workers);
      await e2e.apply(wl.path);
      await e2e.waitPods(wl.pcs, { total: 10, running: 10, ready: 10, pending: 0 }, SETUP);
      const ru = new RollingUpdate(e2e, wl.pcs);
      if (pcsReplicas > 1) {
        await ru.scalePcs(pcsReplicas);
        const n = 10 * pcsReplicas;
        await e2e.waitPods(wl.pcs, { total: n, running: n, ready: n, pending: 0 }, SETUP);
      }
      return ru;
    }

    async function startWatch(pcs: string): Promise<PodWatch> {
      watch = await PodWatch.start(e2e, pcs);
      return watch;
    }

    if (ids.includes("RU7"))
      it("RU7: update pc-a -> completes; one pod deleted at a time globally; one PCS replica at a time; only pc-a replaced", async () => {
        const ru = await deploy(WL1, 10);
        const w = await startWatch(WL1.pcs);
        const since = await ru.trigger("pc-a");
        await ru.waitComplete(1, since);
        await ru.expectDone(1, 10);
        const events = w.lifecycle();
        expectAtMostOne("pods deleting", podsGlobally(events));
        expectAtMostOne("PCS replicas updating", pcsReplicas(events));
        expect(deletedCliques(events), "cliques whose pods were replaced").toEqual(["pc-a"]);
        ru.expectNoNewPodReplaced(events);
      }, 200_000);

    if (ids.includes("RU8"))
      it("RU8: update pc-b (PCSG member) -> completes; one PCSG replica deleted at a time globally; one PCS replica at a time", async () => {
        const ru = await deploy(WL1, 10);
        const w = await startWatch(WL1.pcs);
        const since = await ru.trigger("pc-b");
        await ru.waitComplete(1, since);
        await ru.expectDone(1, 10);
        const events = w.lifecycle();
        expectAtMostOne("PCSG replicas deleting", pcsgReplicasGlobally(events));
        expectAtMostOne("PCS replicas updating", pcsReplicas(events));
        // A PCSG replica is recreated whole: its pc-c pods go with pc-b; pc-a is untouched.
        expect(deletedCliques(events), "cliques whose pods were replaced").toEqual(["pc-b", "pc-c"]);
        ru.expectNoNewPodReplaced(events);
      }, 200_000);

    if (ids.includes("RU9"))
      it("RU9: update pc-a, pc-b, pc-c -> completes; one pod per standalone PCLQ and one replica per PCSG at a time; one PCS replica at a time", async () => {
        const ru = await deploy(WL1, 10);
        const w = await startWatch(WL1.pcs);
        const since = await ru.trigger(...ALL);
        await ru.waitComplete(1, since);
        await ru.expectDone(1, 10);
        const events = w.lifecycle();
        expectAtMostOne("pods deleting per standalone PodClique", standalonePodsPerPodClique(events));
        expectAtMostOne("replicas deleting per PCSG", pcsgReplicasPerPcsg(events));
        expectAtMostOne("PCS replicas updating", pcsReplicas(events));
        expect(deletedCliques(events), "cliques whose pods were replaced").toEqual(ALL);
        ru.expectNoNewPodReplaced(events);
      }, 200_000);

    if (ids.includes("RU10"))
      it("RU10: every node cordoned, update pc-a -> exactly 1 old pod deleted and 1 new Pending pod, no further progress; uncordon -> completes", async () => {
        const ru = await deploy(WL1, 10);
        const workers = (await e2e.workerNodes()).map((n) => n.name);
        await e2e.cordon(workers);
        const existing = new Set((await e2e.pods(WL1.pcs)).map((p) => p.name));
        const w = await startWatch(WL1.pcs);
        const since = await ru.trigger("pc-a");
        const progress = () => {
          const ev = w.lifecycle();
          const deleted = ev.filter((e) => e.type === "DELETED" && existing.has(e.name)).map((e) => e.name);
          const added = ev.filter((e) => e.type === "ADDED" && !existing.has(e.name)).map((e) => e.name);
          expect(
            deleted.length,
            `old pods deleted before any new one runs (delete-first): ${deleted.join(", ")}`,
          ).toBeLessThanOrEqual(1);
          return { deleted, added };
        };
        await e2e.waitNames("1 old pod deleted, 1 new pod created", async () => {
          const { deleted, added } = progress();
          return [`deleted ${deleted.length}`, `added ${added.length}`];
        }, ["deleted 1", "added 1"]);
        // No further progress while the new pod cannot be scheduled: held through two of the
        // operator's 5 s requeues.
        const until = Date.now() + 11_000;
        while (Date.now() < until) {
          const { deleted, added } = progress();
          expect(added.length, `new pods: ${added.join(", ")}`).toBe(1);
          expect(deleted.length).toBe(1);
          await sleep(500);
        }
        const pods = await e2e.pods(WL1.pcs);
        const fresh = pods.filter((p) => !existing.has(p.name));
        expect(fresh.map((p) => [p.pclq, p.phase, p.node ?? "unbound"])).toEqual([
          ["wl1-0-pc-a", "Pending", "unbound"],
        ]);
        await e2e.uncordonNodes(workers);
        await ru.waitComplete(1, since);
        await ru.expectDone(1, 10);
      }, 200_000);

    if (ids.includes("RU11"))
      it("RU11: SIGTERM-ignoring pods, PCS=2; update pc-a and scale the PCS to 3 100 ms later -> completes with updatedReplicas 3, 30 pods", async () => {
        const ru = await deploy(WL1_SIGTERM, 30, 2);
        const w = await startWatch(WL1_SIGTERM.pcs);
        const since = await ru.trigger("pc-a");
        await sleep(THEN_MS);
        await ru.scalePcs(3);
        await ru.waitComplete(3, since);
        await ru.expectDone(3, 30);
        // The scaled-out replica 2 is created on the new spec and not updated again.
        const events = w.lifecycle();
        ru.expectNoNewPodReplaced(events);
        expectGraceHonoured(w.events);
        // Terminating pods linger 5 s here, so replacements are ADDED before the old pods' DELETED.
        expectAtMostOne("pods deleting", podsGlobally(events));
        expectAtMostOne("PCS replicas updating", pcsReplicas(events));
      }, 200_000);

    if (ids.includes("RU12"))
      it("RU12: SIGTERM-ignoring pods, PCS=2; update all cliques; when replica 1 is currentlyUpdating scale the PCS to 1 -> completes with 1 replica, 10 pods", async () => {
        const ru = await deploy(WL1_SIGTERM, 30, 2);
        const w = await startWatch(WL1_SIGTERM.pcs);
        const since = await ru.trigger(...ALL);
        await ru.waitUpdating(1, 90_000);
        await ru.scalePcs(1);
        await ru.waitComplete(1, since);
        await ru.expectDone(1, 10);
        expectGraceHonoured(w.events);
      }, 200_000);

    if (ids.includes("RU16"))
      it("RU16: PCS=2, sg-x scaled to 3 (28 pods); update all, scale sg-x back to 2 during it -> completes, 20 pods", async () => {
        const ru = await deploy(WL1, 28, 2);
        await ru.scaleEach("pcsg", "sg-x", 3);
        await e2e.waitPods(WL1.pcs, { total: 28, running: 28, ready: 28, pending: 0 }, SETUP);
        await startWatch(WL1.pcs);
        const since = await ru.trigger(...ALL);
        await sleep(THEN_MS);
        await ru.scaleEach("pcsg", "sg-x", 2);
        await ru.waitComplete(2, since);
        await ru.expectDone(2, 20);
      }, 200_000);

    if (ids.includes("RU18"))
      it("RU18: PCS=2; update all, scale pc-a to 4 during it -> completes, 24 pods", async () => {
        const ru = await deploy(WL1, 24, 2);
        const w = await startWatch(WL1.pcs);
        const since = await ru.trigger(...ALL);
        await sleep(THEN_MS);
        await ru.scaleEach("pclq", "pc-a", 4);
        await ru.waitComplete(2, since);
        await ru.expectDone(2, 24);
        ru.expectNoNewPodReplaced(w.lifecycle());
      }, 200_000);

    if (ids.includes("RU19"))
      it("RU19: PCS=2; scale pc-a to 4, then update all 100 ms later -> completes, 24 pods", async () => {
        const ru = await deploy(WL1, 24, 2);
        await startWatch(WL1.pcs);
        await ru.scaleEach("pclq", "pc-a", 4);
        await sleep(THEN_MS);
        const since = await ru.trigger(...ALL);
        await ru.waitComplete(2, since);
        await ru.expectDone(2, 24);
      }, 200_000);

    if (ids.includes("RU20"))
      it("RU20: PCS=2, pc-a scaled to 3 (22 pods); update all, scale pc-a to 2 during it -> completes, 20 pods", async () => {
        const ru = await deploy(WL1, 22, 2);
        await ru.scaleEach("pclq", "pc-a", 3);
        await e2e.waitPods(WL1.pcs, { total: 22, running: 22, ready: 22, pending: 0 }, SETUP);
        await startWatch(WL1.pcs);
        const since = await ru.trigger(...ALL);
        await sleep(THEN_MS);
        await ru.scaleEach("pclq", "pc-a", 2);
        await ru.waitComplete(2, since);
        await ru.expectDone(2, 20);
      }, 200_000);

    if (ids.includes("RU21"))
      it("RU21: PCS=2, pc-a scaled to 3 (22 pods); scale pc-a to 2, then update all 100 ms later -> completes, 20 pods", async () => {
        const ru = await deploy(WL1, 22, 2);
        await ru.scaleEach("pclq", "pc-a", 3);
        await e2e.waitPods(WL1.pcs, { total: 22, running: 22, ready: 22, pending: 0 }, SETUP);
        await startWatch(WL1.pcs);
        await ru.scaleEach("pclq", "pc-a", 2);
        await sleep(THEN_MS);
        const since = await ru.trigger(...ALL);
        await ru.waitComplete(2, since);
        await ru.expectDone(2, 20);
      }, 200_000);
  });
}
