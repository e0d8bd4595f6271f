// Grove's OnDelete suite OD1-OD9 (grove-behaviour.md §18.5, §13.5, upstream
// operator/e2e/tests/update/ondelete_test.go) on our wl-ondelete.yaml (updateStrategy OnDelete;
// pc-a r2/min1; sg-x r2/min2 of pc-b r1/min1 and pc-c r3/min3: 10 pods), operator in-process, the
// real kubectl against grove-sim on agent nodes of the §17.1 shape (one pod per node). An update is
// upstream's: the env UPDATE_TRIGGER set on a clique's first container (here with kubectl patch).
// Split over three files (each its own grove-sim) so that each finishes in about 2 minutes.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E } from "./harness.js";
import { excludesNode, OnDelete, triggerOf } from "./ondelete.js";
import { waitFor } from "./wait.js";

const PATH = join(import.meta.dirname, "..", "workloads", "wl-ondelete.yaml");
const PCS = "wl-od";

/** One describe block (its own grove-sim of `nodes` agent nodes) running the scenarios `ids` of OD1-OD9. */
export function onDeleteSuite(title: string, nodes: number, ids: readonly string[]): void {
  describe(title, () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await E2E.start({ cluster: agentCluster(nodes) });
    });
    afterEach(async () => {
      await e2e.cleanup({ uncordon: "now" });
    });
    afterAll(async () => {
      await e2e?.close();
    });

    /** PrepareTest(n), apply, (scale the PCS), wait until every pod is Ready. */
    async function deploy(n: number, pcsReplicas = 1): Promise<OnDelete> {
      await e2e.prepareTest(n);
      await e2e.apply(PATH);
      const total = 10 * pcsReplicas;
      if (pcsReplicas > 1) {
        await e2e.waitPods(PCS, { total: 10, running: 10, ready: 10 });
        await e2e.kubectl.ok(["scale", "pcs", PCS, `--replicas=${pcsReplicas}`]);
      }
      await e2e.waitPods(PCS, { total, running: total, ready: total, pending: 0 });
      return new OnDelete(e2e, PCS);
    }
    const hashOf = async (od: OnDelete) => (await od.getPcs()).status?.currentGenerationHash;

    if (ids.includes("OD1"))
      it("OD1: update pc-a -> no pod deleted for 10 s, 10 pods, updateEndedAt set, currentlyUpdating nil, counts sane", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const hash = await hashOf(od);
        await od.trigger("pc-a");
        await od.expectNoDeletion(before, hash, 10);
      }, 120_000);

    if (ids.includes("OD2"))
      it("OD2: update pc-a, delete one pc-a pod -> its replacement has UPDATE_TRIGGER; PodClique pc-a updatedReplicas 1", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const [victim] = await od.podsOf("pc-a");
        if (!victim) throw new Error("no pc-a pod");
        const hash = await hashOf(od);
        const value = await od.trigger("pc-a");
        await od.waitUpdateEnded(hash);
        await od.deletePod(victim, 10);
        const fresh = await od.newPods(before);
        expect(fresh.map((p) => p.pclq)).toEqual([`${PCS}-0-pc-a`]);
        expect(await triggerOf(e2e, fresh[0]?.name ?? "")).toBe(value);
        await e2e.waitNames(
          `${PCS}-0-pc-a: status.updatedReplicas`,
          async () => [
            await e2e.kubectl.ok([
              "get",
              "pclq",
              `${PCS}-0-pc-a`,
              "-o",
              "jsonpath={.status.updatedReplicas}",
            ]),
          ],
          ["1"],
        );
      }, 120_000);

    if (ids.includes("OD3"))
      it("OD3: update pc-a, delete one pc-a pod (1 new + 1 old), kubectl scale pclq pc-a 2 -> 1 -> the updated pod survives", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const [victim] = await od.podsOf("pc-a");
        if (!victim) throw new Error("no pc-a pod");
        const hash = await hashOf(od);
        await od.trigger("pc-a");
        await od.waitUpdateEnded(hash);
        await od.deletePod(victim, 10);
        await e2e.waitPods(PCS, { total: 10, running: 10, ready: 10, pending: 0 });
        const [updated] = await od.newPods(before);
        expect(updated?.pclq).toBe(`${PCS}-0-pc-a`);
        await e2e.kubectl.ok(["scale", "pclq", `${PCS}-0-pc-a`, "--replicas=1"]);
        await e2e.waitPods(PCS, { total: 9, running: 9, ready: 9, pending: 0 });
        expect(
          (await od.podsOf("pc-a")).map((p) => p.uid),
          "pc-a after scale-in: the updated pod",
        ).toEqual([updated?.uid]);
      }, 120_000);

    if (ids.includes("OD4"))
      it("OD4: update pc-b (PCSG member) -> no pod or PCSG replica deleted, update marked complete", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const hash = await hashOf(od);
        await od.trigger("pc-b");
        await od.expectNoDeletion(before, hash, 10);
      }, 120_000);

    if (ids.includes("OD5"))
      it("OD5: update pc-c (PCSG member), delete one pc-c pod -> its replacement has the new spec", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const [victim] = await od.podsOf("pc-c");
        if (!victim) throw new Error("no pc-c pod");
        const hash = await hashOf(od);
        const value = await od.trigger("pc-c");
        await od.waitUpdateEnded(hash);
        await od.deletePod(victim, 10);
        const fresh = await od.newPods(before);
        expect(fresh.map((p) => p.pclq)).toEqual([victim.pclq]);
        expect(await triggerOf(e2e, fresh[0]?.name ?? "")).toBe(value);
      }, 120_000);

    if (ids.includes("OD6"))
      it("OD6: update pc-a, pc-b and pc-c -> no pod deleted; delete one pc-a and one pc-c pod -> both replacements have the new spec", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        const hash = await hashOf(od);
        const values = {
          "pc-a": await od.trigger("pc-a"),
          "pc-b": await od.trigger("pc-b"),
          "pc-c": await od.trigger("pc-c"),
        };
        await od.expectNoDeletion(before, hash, 10);
        const [a] = await od.podsOf("pc-a");
        const [c] = await od.podsOf("pc-c");
        if (!a || !c) throw new Error("no pc-a or pc-c pod");
        await od.deletePod(a, 10);
        await od.deletePod(c, 10);
        const fresh = await od.newPods(before);
        expect(fresh.length).toBeGreaterThanOrEqual(2);
        for (const p of fresh) {
          const clique = p.pclq.endsWith("-pc-a") ? "pc-a" : p.pclq.endsWith("-pc-b") ? "pc-b" : "pc-c";
          expect(await triggerOf(e2e, p.name), `${p.name}: UPDATE_TRIGGER`).toBe(values[clique]);
        }
      }, 150_000);

    if (ids.includes("OD7"))
      it("OD7: 20 nodes, PCS 2 replicas (20 pods), update pc-a -> no pod deleted in either replica", async () => {
        const od = await deploy(20, 2);
        const before = await od.uids();
        expect(before.size).toBe(20);
        const hash = await hashOf(od);
        await od.trigger("pc-a");
        await od.expectNoDeletion(before, hash, 20);
      }, 150_000);

    if (ids.includes("OD8"))
      it("OD8: 11 nodes; pc-a's affinity excludes the node of a pc-a pod -> no deletion; delete that pod -> its replacement carries the exclusion and runs elsewhere; the others untouched", async () => {
        const od = await deploy(11);
        const before = await od.uids();
        const [victim] = await od.podsOf("pc-a");
        const failed = victim?.node;
        if (!victim || !failed) throw new Error("no bound pc-a pod");
        const healthy = new Map([...before].filter(([name]) => name !== victim.name));
        const hash = await hashOf(od);
        await od.patchClique(
          "pc-a",
          "affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/-",
          { key: "kubernetes.io/hostname", operator: "NotIn", values: [failed] },
        );
        await od.expectNoDeletion(before, hash, 10);
        await od.deletePod(victim, 10);
        const fresh = await od.newPods(before);
        expect(fresh.map((p) => p.pclq)).toEqual([`${PCS}-0-pc-a`]);
        const p = fresh[0];
        expect(await excludesNode(e2e, p?.name ?? "", failed), `${p?.name}: hostname NotIn [${failed}]`).toBe(
          true,
        );
        expect(p?.node, `${p?.name}: node`).toBeDefined();
        expect(p?.node).not.toBe(failed);
        const now = await od.uids();
        expect(
          [...healthy].filter(([name, uid]) => now.get(name) !== uid).map(([n]) => n),
          "disturbed",
        ).toEqual([]);
      }, 150_000);

    if (ids.includes("OD9"))
      it("OD9: OnDelete update pc-a (no deletion) -> RollingRecreate, update pc-b -> pods recreated, update completes -> OnDelete, update pc-c -> no deletion", async () => {
        const od = await deploy(10);
        const before = await od.uids();
        let hash = await hashOf(od);
        await od.trigger("pc-a");
        await od.expectNoDeletion(before, hash, 10);

        await od.setStrategy("RollingRecreate");
        const pre = await od.uids();
        hash = await hashOf(od);
        await od.trigger("pc-b");
        await od.waitUpdateEnded(hash, true, 120_000);
        await e2e.waitPods(PCS, { total: 10, running: 10, ready: 10, pending: 0 });
        expect((await od.newPods(pre)).length, "pods recreated by RollingRecreate").toBeGreaterThan(0);

        await od.setStrategy("OnDelete");
        // Settle: the strategy change alone replaces nothing.
        await waitFor("10 Ready pods", async () => ({ ok: (await od.uids()).size === 10, state: "" }));
        const post = await od.uids();
        hash = await hashOf(od);
        await od.trigger("pc-c");
        await od.expectNoDeletion(post, hash, 10);
      }, 180_000);
  });
}
