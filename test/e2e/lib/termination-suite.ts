// Grove's gang-termination suite GT1-GT6 (grove-behaviour.md §18.2, upstream
// operator/e2e/tests/gang_termination_test.go) on our own WL1-gt, WL2-gt and WL5-gt (workloads/,
// terminationDelay 10 s), operator in-process, with the real kubectl against grove-sim on 10 agent
// nodes of the §17.1 shape (one pod per node). "Kill" is upstream's: cordon the pod's node, then
// delete the pod, so the replacement stays Pending. Each scenario waits for 10 Ready pods, kills,
// checks which scope was recreated (new UIDs for every pod of it, the survivors' UIDs intact) or
// that nothing was, then uncordons and waits for 10 Ready. Split over two files (each its own
// grove-sim) so that each finishes in about 2 minutes.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E } from "./harness.js";
import { GangTermination, without } from "./termination.js";

const here = join(import.meta.dirname, "..");
const WL = {
  wl1: { path: join(here, "workloads/wl1-gt.yaml"), pcs: "wl1-gt" },
  wl2: { path: join(here, "workloads/wl2-gt.yaml"), pcs: "wl2-gt" },
  wl5: { path: join(here, "workloads/wl5-gt.yaml"), pcs: "wl5-gt" },
};
const BASE_PODGANG = "grove.io/base-podgang";

/** One describe block (its own grove-sim) running the scenarios `ids` of GT1-GT6. */
export function terminationSuite(title: string, ids: readonly string[]): void {
  describe(title, () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await E2E.start({ cluster: agentCluster(10) });
    });
    afterEach(async () => {
      await e2e.cleanup({ uncordon: "now" });
    });
    afterAll(async () => {
      await e2e?.close();
    });

    /** PrepareTest(10), apply, wait for 10 Ready pods and for the PodCliques to be past Grove's initial grace. */
    async function deploy(wl: { path: string; pcs: string }): Promise<GangTermination> {
      await e2e.prepareTest(10);
      await e2e.apply(wl.path);
      await e2e.waitPods(wl.pcs, { total: 10, running: 10, ready: 10, pending: 0 });
      const gt = new GangTermination(e2e, wl.pcs);
      await gt.waitPastInitialGrace();
      return gt;
    }

    if (ids.includes("GT1"))
      it("GT1: a pc-a pod lost (min 2 of 2) -> after the delay every pod of the PCS replica is new; uncordon -> 10 Ready", async () => {
        const gt = await deploy(WL.wl1);
        const before = await gt.uids();
        await gt.killOf("0-pc-a", 1);
        await gt.waitRecreated("wl1-gt-0-", before, 10);
        await gt.recover(10);
      }, 120_000);

    if (ids.includes("GT2"))
      it("GT2: a pod of sg-x-0-pc-c lost (min 3) -> the PCSG falls below min 2 of 2 -> whole PCS replica recreated; recovery", async () => {
        const gt = await deploy(WL.wl1);
        const before = await gt.uids();
        await gt.killOf("0-sg-x-0-pc-c", 1);
        await gt.waitRecreated("wl1-gt-0-", before, 10);
        await gt.recover(10);
      }, 120_000);

    if (ids.includes("GT3"))
      it("GT3: 1 of 2 pc-a lost (min 1) -> no termination; the other lost -> all 10 recreated; uncordon -> 10 Ready", async () => {
        const gt = await deploy(WL.wl2);
        const before = await gt.uids();
        const [first] = await gt.killOf("0-pc-a", 1);
        await gt.expectNoTermination(without(before, first ? [first] : []), 9);
        const before2 = await gt.uids();
        await gt.killOf("0-pc-a", 1);
        await gt.waitRecreated("wl2-gt-0-", before2, 10);
        await gt.recover(10);
      }, 150_000);

    if (ids.includes("GT4"))
      it("GT4: sg-x-0-pc-c lost 1 then 2 -> only PCSG replica 0 recreated; sg-x-1-pc-c lost 1 then 2 -> all 10 recreated", async () => {
        const gt = await deploy(WL.wl2);
        const s0 = await gt.uids();
        const k1 = await gt.killOf("0-sg-x-0-pc-c", 1);
        await gt.expectNoTermination(without(s0, k1), 9);
        const s1 = await gt.uids();
        await gt.killOf("0-sg-x-0-pc-c", 2);
        // Only PCSG replica 0's 4 pods are new; sg-x-1 and pc-a keep their UIDs.
        await gt.waitRecreated("wl2-gt-0-sg-x-0-", s1, 10);
        const s2 = await gt.uids();
        const k3 = await gt.killOf("0-sg-x-1-pc-c", 1);
        const pcA = new Map([...s2].filter(([name]) => name.startsWith("wl2-gt-0-pc-a-")));
        expect(pcA.size, "pc-a pods").toBe(2);
        await gt.expectNoTermination(pcA, 5);
        expect(k3.length).toBe(1);
        const s3 = await gt.uids();
        await gt.killOf("0-sg-x-1-pc-c", 2);
        await gt.waitRecreated("wl2-gt-0-", s3, 10);
        await gt.recover(10);
      }, 180_000);

    if (ids.includes("GT5"))
      it("GT5: all 3 of sg-x-0-pc-c lost (min 3) -> only PCSG replica 0 recreated (4 pods), the rest intact; recovery", async () => {
        const gt = await deploy(WL.wl5);
        const before = await gt.uids();
        await gt.killOf("0-sg-x-0-pc-c", 3);
        await gt.waitRecreated("wl5-gt-0-sg-x-0-", before, 10);
        await gt.recover(10);
      }, 120_000);

    if (ids.includes("GT6"))
      it("GT6: a Ready pc-c pod of the scaled gang (grove.io/base-podgang) lost -> no gang termination, pc-a intact, >= 9 running; uncordon -> 10 Ready", async () => {
        const gt = await deploy(WL.wl2);
        const before = await gt.uids();
        const victim = (await gt.podsOf("0-sg-x-1-pc-c")).find((p) => p.ready && p.labels[BASE_PODGANG]);
        expect(victim, `a Ready wl2-gt-0-sg-x-1-pc-c pod labelled ${BASE_PODGANG}`).toBeDefined();
        if (!victim) return;
        expect(victim.labels[BASE_PODGANG]).toBe("wl2-gt-0");
        await gt.kill([victim]);
        await gt.expectNoTermination(without(before, [victim]), 9);
        await gt.recover(10);
      }, 120_000);
  });
}
