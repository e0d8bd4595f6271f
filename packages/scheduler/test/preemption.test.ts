// Priority preemption (README "Preemption"), against the in-process API server. No kubelet runs
// here, so a preempted pod stays terminating (its graceful delete is only marked) until the test
// deletes it for good, as a kubelet would: that is what lets the tests look at the waiting state.
import { type Client, EventType, NodeType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { createGangScheduler, type GangSchedulerOptions } from "../src/index.js";
import { createAll, eventually, getPod, type K, node, pod } from "./harness.js";
import {
  condition,
  gang,
  gangCondition,
  kubeletDeletes,
  refused,
  run,
  start,
  terminating,
  withPodClass,
} from "./preemption-lib.js";

describe.each([true, false])("priority preemption (incremental snapshot: %s)", (incremental) => {
  it("evicts exactly the cheapest victims, holds their room for the preemptor and binds it once they are gone", async () => {
    const h = await start({ incremental });
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" }), node({ name: "n2", cpu: "2" })] });
    // 4 cpu full: mid-a (2 pods, priority 50), low-b and low-c (1 pod each, priority 10).
    await run(h, gang("mid-a", 2, "1", "mid"), gang("low-b", 1, "1", "low"), gang("low-c", 1, "1", "low"));
    await createAll(h.client, gang("high", 2, "1", "high"));
    // Two victims of priority 10 are cheaper than one of priority 50.
    await eventually(async () =>
      expect(await terminating(h, ["mid-a-0", "mid-a-1", "low-b-0", "low-c-0"])).toEqual([
        "low-b-0",
        "low-c-0",
      ]),
    );
    for (const v of ["low-b-0", "low-c-0"]) {
      const c = condition(await getPod(h.client, v), "DisruptionTarget");
      expect(c).toMatchObject({ status: "True", reason: "PreemptionByScheduler" });
      expect(c?.message).toBe(
        "grove-scheduler: preempting to accommodate a higher priority podgang default/high",
      );
    }
    // The victim PodGangs carry it too; the other one does not.
    await eventually(async () => {
      for (const g of ["low-b", "low-c"])
        expect(await gangCondition(h, g, "DisruptionTarget")).toMatchObject({
          status: "True",
          reason: "PreemptionByScheduler",
          message: "grove-scheduler: preempting to accommodate a higher priority podgang default/high",
        });
    });
    expect(await gangCondition(h, "mid-a", "DisruptionTarget")).toBeUndefined();
    await eventually(async () => {
      const events = (
        await h.client.list<K<{ reason?: string; message?: string; involvedObject?: { name?: string } }>>(
          EventType,
          { namespace: "default" },
        )
      ).items;
      for (const v of ["low-b-0", "low-c-0"])
        expect(events.find((e) => e.involvedObject?.name === v && e.reason === "Preempted")?.message).toMatch(
          /^Preempted by podgang default\/high on node n[12]$/,
        );
    });
    // Nominated: pods know their node, the PodGang says why it waits; nothing bound yet.
    const victimNodes = new Set(
      await Promise.all(["low-b-0", "low-c-0"].map(async (v) => (await getPod(h.client, v)).spec?.nodeName)),
    );
    await eventually(async () => {
      for (const p of ["high-0", "high-1"]) {
        const hp = await getPod(h.client, p);
        expect(victimNodes.has(hp.status?.nominatedNodeName)).toBe(true);
        expect(hp.spec?.nodeName).toBeUndefined();
      }
      const sc = await gangCondition(h, "high", "Scheduled");
      expect(sc?.reason).toBe("Preempting");
      expect(sc?.message).toContain("preempting default/low-b, default/low-c");
    });
    // One victim gone: its room is held for the nominated gang; a new pod of lower priority
    // that would fit there is not placed.
    await kubeletDeletes(h, ["low-b-0"]);
    await createAll(h.client, { pods: [pod({ name: "late", cpu: "1" })] });
    await refused(h, "late");
    expect((await getPod(h.client, "late")).spec?.nodeName).toBeUndefined();
    await kubeletDeletes(h, ["low-c-0"]);
    await eventually(async () => {
      for (const p of ["high-0", "high-1"]) expect((await getPod(h.client, p)).spec?.nodeName).toBeDefined();
    });
    const late = await getPod(h.client, "late");
    expect(late.spec?.nodeName).toBeUndefined();
    expect(condition(late, "DisruptionTarget")).toBeUndefined();
    expect(await terminating(h, ["mid-a-0", "mid-a-1"])).toEqual([]);
  });

  it("never preempts for equal priority nor for preemptionPolicy Never; a higher class then evicts one gang", async () => {
    const h = await start({ incremental });
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" }), node({ name: "n2", cpu: "2" })] });
    await run(h, gang("low-x", 1, "2", "low"), gang("low-y", 1, "2", "low"));
    await createAll(h.client, gang("eq", 1, "2", "low"));
    expect(await refused(h, "eq-0")).toContain("no running gang of priority below 10 may be preempted");
    await createAll(h.client, withPodClass(gang("never", 1, "2"), "never"));
    expect((await getPod(h.client, "never-0")).spec?.preemptionPolicy).toBe("Never");
    expect(await refused(h, "never-0")).toMatch(
      /; preemption: not eligible due to preemptionPolicy=Never\.$/,
    );
    expect(await terminating(h, ["low-x-0", "low-y-0"])).toEqual([]);
    // A gang that may preempt takes exactly one 2-cpu gang's room.
    await createAll(h.client, gang("mid", 1, "2", "mid"));
    const victims = await eventually(async () => {
      const t = await terminating(h, ["low-x-0", "low-y-0"]);
      expect(t.length).toBe(1);
      return t;
    });
    await kubeletDeletes(h, victims);
    await eventually(async () => expect((await getPod(h.client, "mid-0")).spec?.nodeName).toBeDefined());
    for (const p of ["eq-0", "never-0"]) expect((await getPod(h.client, p)).spec?.nodeName).toBeUndefined();
    expect(await terminating(h, ["low-x-0", "low-y-0"])).toEqual([]);
  });
});

describe("a nomination that ends", () => {
  it("clears nominatedNodeName when the victims are gone and the gang still cannot be placed", async () => {
    const h = await start();
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" }), node({ name: "n2", cpu: "2" })] });
    await run(h, gang("low-b", 1, "2", "low"), gang("low-c", 1, "2", "low"));
    await createAll(h.client, gang("high", 1, "2", "high"));
    const victim = await eventually(async () => {
      const t = await terminating(h, ["low-b-0", "low-c-0"]);
      expect(t.length).toBe(1);
      expect((await getPod(h.client, "high-0")).status?.nominatedNodeName).toBeDefined();
      return t[0] as string;
    });
    // Every node cordoned before the victim goes: the gang fits nowhere, and may evict nobody.
    for (const n of ["n1", "n2"])
      await h.client.patch(NodeType, n, undefined, {
        type: "merge",
        body: { spec: { unschedulable: true } },
      });
    await kubeletDeletes(h, [victim]);
    await eventually(async () => {
      const hp = await getPod(h.client, "high-0");
      expect(hp.status?.nominatedNodeName).toBeUndefined();
      expect(hp.spec?.nodeName).toBeUndefined();
    });
    expect(await terminating(h, ["low-b-0", "low-c-0"])).toEqual([]);
  });
});

describe("KAI's non-preemptible priority", () => {
  const fill = async (options: GangSchedulerOptions) => {
    const h = await start(options);
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" }), node({ name: "n2", cpu: "2" })] });
    await run(h, gang("guarded", 1, "2", "guarded"), gang("low", 1, "2", "low"));
    // Needs both nodes: only evicting both gangs makes room.
    await createAll(h.client, gang("high", 2, "2", "high"));
    return h;
  };

  it("by default never evicts a pod of priority >= 100, so no victim set exists", async () => {
    const h = await fill({});
    expect(await refused(h, "high-0")).toContain("preemption: no set of running gangs");
    expect(await terminating(h, ["guarded-0", "low-0"])).toEqual([]);
  });

  it("with nonPreemptiblePriority null evicts it like any lower priority", async () => {
    const h = await fill({ nonPreemptiblePriority: null });
    await eventually(async () =>
      expect(await terminating(h, ["guarded-0", "low-0"])).toEqual(["guarded-0", "low-0"]),
    );
    await kubeletDeletes(h, ["guarded-0", "low-0"]);
    await eventually(async () => {
      for (const p of ["high-0", "high-1"]) expect((await getPod(h.client, p)).spec?.nodeName).toBeDefined();
    });
  });

  it("refuses a nonPreemptiblePriority that is not an integer", async () => {
    expect(() => createGangScheduler({} as Client, { nonPreemptiblePriority: 1.5 })).toThrow(
      "nonPreemptiblePriority: must be an integer or null, got 1.5",
    );
  });
});
