// A victim PodGang's DisruptionTarget (gang-disruption.ts): True while it is evicted, set False
// (Rescheduled) once its pods are recreated and hold their minimum again, through the status
// subresource, once. No kubelet runs here: the test deletes the terminating pods and recreates them,
// as the kubelet and the PodClique controller would.
import { PodGangType } from "@grove-ts/api";
import { describe, expect, it } from "vitest";
import { createAll, eventually, getPod, type K, node, pod } from "./harness.js";
import { gang, gangCondition, kubeletDeletes, run, start, terminating } from "./preemption-lib.js";

describe.each([true, false])("victim PodGang DisruptionTarget (incremental snapshot: %s)", (incremental) => {
  it("stays True while its pods are gone or pending, goes False once recreated pods are bound", async () => {
    const h = await start({ incremental });
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
    await run(h, gang("victim", 2, "1", "low"));
    await createAll(h.client, gang("high", 2, "1", "high"));
    await eventually(async () =>
      expect(await terminating(h, ["victim-0", "victim-1"])).toEqual(["victim-0", "victim-1"]),
    );
    const marked = await eventually(async () => {
      const c = await gangCondition(h, "victim", "DisruptionTarget");
      expect(c).toMatchObject({ status: "True", reason: "PreemptionByScheduler" });
      return c;
    });
    await kubeletDeletes(h, ["victim-0", "victim-1"]);
    await eventually(async () => expect((await getPod(h.client, "high-0")).spec?.nodeName).toBe("n1"));
    // Recreated (new uids, same names) with no room: pending, the PodGang still disrupted.
    await createAll(h.client, {
      pods: ["victim-0", "victim-1"].map((n) => pod({ name: n, gang: "victim", cpu: "1" })),
    });
    await eventually(async () =>
      expect(
        (await getPod(h.client, "victim-0")).status?.conditions?.find((c) => c.type === "PodScheduled")
          ?.status,
      ).toBe("False"),
    );
    expect(await gangCondition(h, "victim", "DisruptionTarget")).toEqual(marked);
    // Room appears: the gang binds anew and the condition goes False, Rescheduled.
    await createAll(h.client, { nodes: [node({ name: "n2", cpu: "2" })] });
    const cleared = await eventually(async () => {
      const c = await gangCondition(h, "victim", "DisruptionTarget");
      expect(c).toMatchObject({
        status: "False",
        reason: "Rescheduled",
        message:
          "every PodGroup has at least minReplicas pods bound again, none of them a victim of the disruption",
      });
      return c;
    });
    for (const n of ["victim-0", "victim-1"]) expect((await getPod(h.client, n)).spec?.nodeName).toBe("n2");
    const pg = await h.client.get<K<{ status?: { conditions?: { type: string }[] } }>>(
      PodGangType,
      "victim",
      "default",
    );
    expect(pg?.status?.conditions?.filter((c) => c.type === "DisruptionTarget")).toHaveLength(1);
    // Once: a later status pass (a pod gone, the phase back to Pending) leaves it as written.
    await kubeletDeletes(h, ["victim-1"]);
    await eventually(async () => {
      const g = await h.client.get<K<{ status?: { phase?: string } }>>(PodGangType, "victim", "default");
      expect(g?.status?.phase).toBe("Pending");
    });
    expect(await gangCondition(h, "victim", "DisruptionTarget")).toEqual(cleared);
  });
});
