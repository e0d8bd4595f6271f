// Preemption's nomination (README "Preemption"), against the in-process API server: an eviction the
// API server refuses is retried with backoff; victims that do not go within their grace period plus
// the margin end the nomination; the held room yields to strictly higher priority only; a lone pod
// of another scheduler is a victim of its own. No kubelet runs here: a test deletes a terminating
// pod for good (kubeletDeletes) when the scenario needs it gone.
import { type Client, EventType, PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { createGangScheduler } from "../src/index.js";
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
} from "./preemption-lib.js";

type Ev = K<{ reason?: string; message?: string; involvedObject?: { name?: string } }>;

const eventsOf = async (h: Awaited<ReturnType<typeof start>>, name: string) =>
  (await h.client.list<Ev>(EventType, { namespace: "default" })).items.filter(
    (e) => e.involvedObject?.name === name,
  );

describe("preemption's nomination", () => {
  it("retries an eviction the API server refused, with backoff, until it goes through", async () => {
    const h = await start({ evictionBackoffMs: 10 });
    // An admission refusal of the victim's DisruptionTarget status write, twice.
    let refusals = 0;
    h.api.server.addValidatingHook({ group: "", kind: "Pod" }, (req) => {
      const conds = (req.object.status as Pod["status"])?.conditions ?? [];
      if (req.name !== "low-b-0" || !conds.some((c) => c.type === "DisruptionTarget") || refusals >= 2)
        return undefined;
      refusals++;
      return [{ field: "status.conditions", type: "FieldValueForbidden", message: "not now" }];
    });
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
    await run(h, gang("low-b", 1, "2", "low"));
    await createAll(h.client, gang("high", 1, "2", "high"));
    await eventually(async () => expect(await terminating(h, ["low-b-0"])).toEqual(["low-b-0"]));
    expect(refusals).toBe(2);
    expect(condition(await getPod(h.client, "low-b-0"), "DisruptionTarget")?.status).toBe("True");
    expect((await eventsOf(h, "low-b-0")).filter((e) => e.reason === "Preempted").length).toBe(1);
    await kubeletDeletes(h, ["low-b-0"]);
    await eventually(async () => expect((await getPod(h.client, "high-0")).spec?.nodeName).toBe("n1"));
  });

  it("drops a nomination whose victims are not gone within their grace period plus the margin", async () => {
    const h = await start({ nominationMarginMs: 1000 });
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
    // A victim a finalizer keeps: deleted (terminating), never gone.
    const low = gang("low-b", 1, "2", "low");
    for (const p of low.pods) {
      p.metadata.finalizers = ["example.com/hold"];
      (p.spec as NonNullable<Pod["spec"]>).terminationGracePeriodSeconds = 0;
    }
    await run(h, low);
    await createAll(h.client, gang("high", 1, "2", "high"));
    await eventually(async () => {
      expect(await terminating(h, ["low-b-0"])).toEqual(["low-b-0"]);
      expect((await getPod(h.client, "high-0")).status?.nominatedNodeName).toBe("n1");
    });
    // Past the bound: the nomination ends, nominatedNodeName and Preempting go, and the gang says why.
    await eventually(async () => {
      const msgs = (await eventsOf(h, "high-0")).map((e) => e.message ?? "");
      expect(msgs.some((m) => m.includes("victim pods default/low-b-0 not gone within 1s"))).toBe(true);
      expect((await getPod(h.client, "high-0")).status?.nominatedNodeName).toBeUndefined();
      expect((await gangCondition(h, "high", "Scheduled"))?.reason).toBe("Unschedulable");
    });
    // The victim terminating is no candidate: no new nomination. Once it is gone the gang binds.
    await eventually(async () =>
      expect(condition(await getPod(h.client, "high-0"), "PodScheduled")?.message).toContain(
        "preemption: no running gang of priority below 1000",
      ),
    );
    expect((await getPod(h.client, "high-0")).status?.nominatedNodeName).toBeUndefined();
    await h.client.patch(PodType, "low-b-0", "default", {
      type: "merge",
      body: { metadata: { finalizers: null } },
    });
    await eventually(async () => expect((await getPod(h.client, "high-0")).spec?.nodeName).toBe("n1"));
  });

  it("lends the held room to a strictly higher priority gang only; the nominated gang then re-evaluates", async () => {
    const h = await start();
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
    await run(h, gang("low-b", 1, "1", "low"), gang("low-c", 1, "1", "low"));
    // mid (priority 50) needs both cpus: it evicts both low gangs.
    await createAll(h.client, gang("mid", 2, "1", "mid"));
    await eventually(async () =>
      expect(await terminating(h, ["low-b-0", "low-c-0"])).toEqual(["low-b-0", "low-c-0"]),
    );
    await kubeletDeletes(h, ["low-b-0"]);
    // One cpu is free and held for mid: equal priority does not get it...
    await createAll(h.client, gang("eq", 1, "1", "mid"));
    expect(await refused(h, "eq-0")).toContain("no running gang of priority below 50");
    expect((await getPod(h.client, "eq-0")).spec?.nodeName).toBeUndefined();
    // ...strictly higher priority does.
    await createAll(h.client, gang("top", 1, "1", "high"));
    await eventually(async () => expect((await getPod(h.client, "top-0")).spec?.nodeName).toBe("n1"));
    expect((await getPod(h.client, "eq-0")).spec?.nodeName).toBeUndefined();
    // Its victims gone, mid no longer fits and has no one left to preempt: its nomination ends,
    // and the room left goes to eq.
    await kubeletDeletes(h, ["low-c-0"]);
    await eventually(async () => {
      expect((await getPod(h.client, "eq-0")).spec?.nodeName).toBe("n1");
      for (const p of ["mid-0", "mid-1"]) {
        const mp = await getPod(h.client, p);
        expect(mp.spec?.nodeName).toBeUndefined();
        expect(mp.status?.nominatedNodeName).toBeUndefined();
      }
    });
  });

  it("preempts a lone pod of another scheduler as a gang of one", async () => {
    const h = await start();
    await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
    // Bound at creation (nodeName), as kube's default scheduler's or a static pod would be.
    const other = pod({ name: "other", cpu: "2", priorityClassName: "low" });
    const spec = other.spec as NonNullable<Pod["spec"]>;
    delete spec.schedulerName;
    spec.nodeName = "n1";
    await createAll(h.client, { pods: [other] });
    expect((await getPod(h.client, "other")).spec?.priority).toBe(10);
    await createAll(h.client, gang("high", 1, "2", "high"));
    await eventually(async () => expect(await terminating(h, ["other"])).toEqual(["other"]));
    expect(condition(await getPod(h.client, "other"), "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "PreemptionByScheduler",
      message: "grove-scheduler: preempting to accommodate a higher priority podgang default/high",
    });
    await eventually(async () =>
      expect((await eventsOf(h, "other")).find((e) => e.reason === "Preempted")?.message).toBe(
        "Preempted by podgang default/high on node n1",
      ),
    );
    await kubeletDeletes(h, ["other"]);
    await eventually(async () => expect((await getPod(h.client, "high-0")).spec?.nodeName).toBe("n1"));
  });

  it("refuses a nominationMarginMs or evictionBackoffMs out of range, naming it", () => {
    expect(() => createGangScheduler({} as Client, { nominationMarginMs: -1 })).toThrow(
      "nominationMarginMs: must be a number >= 0, got -1",
    );
    expect(() => createGangScheduler({} as Client, { evictionBackoffMs: 0 })).toThrow(
      "evictionBackoffMs: must be a number >= 1, got 0",
    );
  });
});
