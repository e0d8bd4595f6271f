// Status write coalescing (src/status-coalesce.ts, issue 15): a status is written once the cache has
// caught up with this process's own pod writes, at most once per object per window, never unchanged,
// and the last status computed is always written in the end.
import {
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
  SchedulingGatePodGangPendingCreation,
} from "@grove-ts/api";
import { type Client, type KubeObject, StatusMemory } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { PodExpectations } from "../src/context.js";
import { INITIAL_SCHEDULE_GRACE_MS } from "../src/gang-termination.js";
import { FIRST_STATUS_DUE_MS, firstScheduledStatusDue } from "../src/pclq/controller.js";
import { computePclqStatus } from "../src/pclq/status.js";
import { StatusCoalescer } from "../src/status-coalesce.js";
import { finishReconcile } from "../src/status-write.js";
import { pcsOf } from "./fixtures.js";
import {
  CountingClient,
  createPcs,
  harnessPerTest,
  listPods,
  NS,
  refusing,
  runToReady,
  waitFor,
  waitIdle,
} from "./harness.js";

describe("StatusCoalescer", () => {
  it("lets the first write out at once and the next one only after the window", () => {
    let now = 1000;
    const c = new StatusCoalescer(500, () => now);
    expect(c.wait("u1")).toBe(0);
    c.wrote("u1");
    now += 200;
    expect(c.wait("u1")).toBe(300);
    expect(c.wait("u2")).toBe(0);
    now += 300;
    expect(c.wait("u1")).toBe(0);
    expect(c.size).toBe(0);
    c.wrote("u1");
    c.forget("u1");
    expect(c.wait("u1")).toBe(0);
  });

  it("forgets objects not written again once their window passed", () => {
    let now = 0;
    const c = new StatusCoalescer(100, () => now);
    for (let i = 0; i < 1100; i++) c.wrote(`old-${i}`);
    now = 200;
    for (let i = 0; i < 1100; i++) c.wrote(`new-${i}`);
    expect(c.size).toBeLessThan(1200);
    expect(c.wait("new-1")).toBe(100);
  });

  it("with a window of 0 never holds a write back", () => {
    const c = new StatusCoalescer(0);
    c.wrote("u1");
    expect(c.wait("u1")).toBe(0);
    expect(c.size).toBe(0);
  });
});

describe("PodExpectations.outstanding", () => {
  const GATE = "grove.io/podgang-pending-creation";
  const pod = (name: string, o: { gated?: boolean; terminating?: boolean } = {}) => ({
    metadata: { name, ...(o.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { schedulingGates: o.gated ? [{ name: GATE }] : [] },
  });

  it("holds while a created pod, a deletion or a gate removal is not in the cache, and expires", () => {
    let now = 0;
    const e = new PodExpectations(1000, () => now);
    e.expectCreate("ns/q", "q-a", "q-0");
    expect(e.outstanding("ns/q", [], GATE)).toBe(true);
    expect(e.outstanding("ns/q", [pod("q-a", { gated: true })], GATE)).toBe(false);
    e.expectUngate("ns/q", "q-a");
    expect(e.outstanding("ns/q", [pod("q-a", { gated: true })], GATE)).toBe(true);
    expect(e.outstanding("ns/q", [pod("q-a")], GATE)).toBe(false);
    e.expectDelete("ns/q", "q-a");
    expect(e.outstanding("ns/q", [pod("q-a")], GATE)).toBe(true);
    expect(e.outstanding("ns/q", [pod("q-a", { terminating: true })], GATE)).toBe(false);
    expect(e.outstanding("ns/q", [], GATE)).toBe(false);
    e.expectCreate("ns/q", "q-never-seen", "q-1");
    now = 2000;
    expect(e.outstanding("ns/q", [], GATE)).toBe(false);
    expect(e.outstanding("ns/other", [], GATE)).toBe(false);
  });
});

describe("PodExpectations.listingWait", () => {
  it("times a wait for the PodGang's listing by this process's clock, and starts again after it ended", () => {
    let now = 100;
    const e = new PodExpectations(30_000, () => now);
    expect(e.listingWait("ns/q", false)).toBeUndefined();
    expect(e.listingWait("ns/q", true)).toBe(0);
    now = 1600;
    expect(e.listingWait("ns/q", true)).toBe(1500);
    expect(e.listingWait("ns/other", true)).toBe(0);
    expect(e.listingWait("ns/q", false)).toBeUndefined();
    expect(e.listingWait("ns/q", true)).toBe(0);
    now = 5000;
    e.forget("ns/q");
    expect(e.listingWait("ns/q", true)).toBe(0);
  });
});

/** A client that only takes status patches, applying them as merge patches to one object. */
function statusOnlyClient(obj: KubeObject & { status?: Record<string, unknown> }) {
  let rv = Number(obj.metadata.resourceVersion ?? "1");
  const bodies: unknown[] = [];
  const client = {
    patch: async (_t: unknown, _n: string, _ns: string, p: { body: { status: Record<string, unknown> } }) => {
      bodies.push(p.body.status);
      const status = { ...(obj.status ?? {}) };
      for (const [k, v] of Object.entries(p.body.status))
        if (v === null) delete status[k];
        else status[k] = v;
      rv++;
      Object.assign(obj, { status, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
      return structuredClone(obj);
    },
  } as unknown as Client;
  return { client, bodies };
}

describe("finishReconcile with coalescing", () => {
  const ok = { completed: true, errors: [] };
  const make = () => ({
    apiVersion: "grove.io/v1alpha1",
    kind: "PodClique",
    metadata: { name: "q", namespace: "ns", uid: "uid-q", resourceVersion: "1" },
    status: { replicas: 0 } as Record<string, unknown>,
  });

  it("writes nothing for an unchanged status, and the first change at once", async () => {
    const obj = make();
    const { client, bodies } = statusOnlyClient(obj);
    const ctx = { client, statusMemory: new StatusMemory(), statusCoalescer: new StatusCoalescer(60_000) };
    expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 0 }, ok, 5000)).toBeUndefined();
    expect(bodies).toEqual([]);
    expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000)).toBeUndefined();
    expect(bodies).toEqual([{ replicas: 1 }]);
  });

  it("folds the changes within a window into one write of the last status, at the window's end", async () => {
    let now = 0;
    const obj = make();
    const { client, bodies } = statusOnlyClient(obj);
    const ctx = {
      client,
      statusMemory: new StatusMemory(),
      statusCoalescer: new StatusCoalescer(1000, () => now),
    };
    await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000);
    now = 100;
    const held = await finishReconcile(ctx, PodCliqueType, obj, { replicas: 2 }, ok, 5000);
    expect(held).toEqual({ requeueAfter: 900 });
    now = 400;
    // A requeue the flow asked for sooner than the window's end wins; the status still waits.
    const sooner = await finishReconcile(
      ctx,
      PodCliqueType,
      obj,
      { replicas: 3 },
      { ...ok, requeueAfterMs: 50 },
      5000,
    );
    expect(sooner).toEqual({ requeueAfter: 50 });
    // Back where the server is: nothing to write, nothing to wait for.
    expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000)).toBeUndefined();
    now = 600;
    expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 4 }, ok, 5000)).toEqual({
      requeueAfter: 400,
    });
    expect(bodies).toEqual([{ replicas: 1 }]);
    now = 1000;
    expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 4 }, ok, 5000)).toBeUndefined();
    expect(bodies).toEqual([{ replicas: 1 }, { replicas: 4 }]);
    expect(obj.status).toEqual({ replicas: 4 });
  });

  it("holds the status while the PodClique's own pod writes are in flight, and writes errors at once", async () => {
    const obj = make();
    const { client, bodies } = statusOnlyClient(obj);
    const ctx = { client, statusMemory: new StatusMemory(), statusCoalescer: new StatusCoalescer(1000) };
    const held = await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000, {
      podsInFlight: true,
    });
    expect(held).toEqual({ requeueAfter: 1000 });
    expect(bodies).toEqual([]);
    const boom = new Error("boom");
    await expect(
      finishReconcile(
        ctx,
        PodCliqueType,
        obj,
        { replicas: 1, lastErrors: [{ code: "X" }] },
        { completed: false, errors: [boom] },
        5000,
        {
          podsInFlight: true,
        },
      ),
    ).rejects.toBe(boom);
    expect(bodies).toEqual([{ replicas: 1, lastErrors: [{ code: "X" }] }]);
  });

  it("without a window still holds a status the pods are about to leave, and looks again later", async () => {
    const obj = make();
    const { client, bodies } = statusOnlyClient(obj);
    for (const statusCoalescer of [undefined, new StatusCoalescer(0)]) {
      const ctx = {
        client,
        statusMemory: new StatusMemory(),
        ...(statusCoalescer ? { statusCoalescer } : {}),
      };
      const inFlight = { podsInFlight: true };
      expect(await finishReconcile(ctx, PodCliqueType, obj, { replicas: 2 }, ok, 5000, inFlight)).toEqual({
        requeueAfter: 5000,
      });
      expect(
        await finishReconcile(ctx, PodCliqueType, obj, { replicas: 2 }, ok, 5000, {
          ...inFlight,
          recheckAfterMs: 1200,
        }),
      ).toEqual({ requeueAfter: 1200 });
      expect(bodies).toEqual([]);
    }
    // A rolling update's progress is never held.
    const ctx = { client, statusMemory: new StatusMemory(), statusCoalescer: new StatusCoalescer(0) };
    const progress = { replicas: 2, updateProgress: { updateStartedAt: "2026-12-07T22:00:00Z" } };
    expect(
      await finishReconcile(ctx, PodCliqueType, obj, progress, ok, 5000, { podsInFlight: true }),
    ).toBeUndefined();
    expect(bodies).toEqual([progress]);
  });

  it("writes a change others wait on (urgent) within the window", async () => {
    const obj = make();
    const { client, bodies } = statusOnlyClient(obj);
    const ctx = { client, statusMemory: new StatusMemory(), statusCoalescer: new StatusCoalescer(60_000) };
    await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000);
    expect(
      await finishReconcile(ctx, PodCliqueType, obj, { replicas: 2 }, ok, 5000, { urgent: true }),
    ).toBeUndefined();
    expect(bodies).toEqual([{ replicas: 1 }, { replicas: 2 }]);
  });

  it("runs onWritten only when it wrote", async () => {
    const obj = make();
    const { client } = statusOnlyClient(obj);
    const ctx = { client, statusMemory: new StatusMemory(), statusCoalescer: new StatusCoalescer(60_000) };
    let n = 0;
    const onWritten = () => n++;
    await finishReconcile(ctx, PodCliqueType, obj, { replicas: 0 }, ok, 5000, { onWritten });
    await finishReconcile(ctx, PodCliqueType, obj, { replicas: 1 }, ok, 5000, { onWritten });
    await finishReconcile(ctx, PodCliqueType, obj, { replicas: 2 }, ok, 5000, { onWritten });
    expect(n).toBe(1);
  });
});

const STATUS_KINDS = [PodCliqueSetType, PodCliqueScalingGroupType, PodCliqueType];

describe("status writes of a workload driven to Ready", () => {
  const t = harnessPerTest();
  const workload = () =>
    pcsOf(
      "coal",
      [
        { name: "fe", replicas: 2 },
        { name: "leader", replicas: 1 },
        { name: "worker", replicas: 2 },
      ],
      [{ name: "grp", cliqueNames: ["leader", "worker"], replicas: 2, minAvailable: 1 }],
      4,
    );
  const PODS = 4 * (2 + 2 * (1 + 2));

  /** Status writes by kind, and whether the final statuses are the ones the pods imply. */
  async function run(client: Client, counting: CountingClient, statusCoalesceMs: number) {
    const ctl = await t.start(counting.client, { statusCoalesceMs });
    await createPcs(client, workload());
    await runToReady(client, PODS, 30_000);
    await waitIdle(ctl, 300, 30_000);
    const pods = await listPods(client);
    const cliques = (
      await client.list<KubeObject & { spec: never; status?: Record<string, unknown> }>(PodCliqueType, {
        namespace: NS,
      })
    ).items;
    for (const q of cliques) {
      const own = pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === q.metadata.uid));
      const want = computePclqStatus({
        pclq: q as never,
        pods: own,
        pcsHash: undefined,
        specCompleted: true,
        now: new Date(),
      });
      // The final status holds: counts as the pods are.
      for (const k of ["replicas", "readyReplicas", "scheduledReplicas", "scheduleGatedReplicas"] as const)
        expect({ clique: q.metadata.name, [k]: q.status?.[k] }).toEqual({
          clique: q.metadata.name,
          [k]: want[k],
        });
      expect(q.status?.observedGeneration).toBe(q.metadata.generation);
    }
    const pcs = await client.get<KubeObject & { status?: { availableReplicas?: number } }>(
      PodCliqueSetType,
      "coal",
      NS,
    );
    expect(pcs?.status?.availableReplicas).toBe(4);
    return STATUS_KINDS.map((k) => counting.count((w) => w.kind === `${k.kind}/status`)).reduce(
      (a, b) => a + b,
    );
  }

  it("ends with every status current", async () => {
    const counting = new CountingClient(t.h.client);
    const coalesced = await run(t.h.client, counting, 1000);
    console.log(`status writes with 1 s coalescing: ${coalesced} for ${PODS} pods`);
    expect(coalesced).toBeGreaterThan(0);
  });

  it("without coalescing (statusCoalesceMs 0) ends the same", async () => {
    const counting = new CountingClient(t.h.client);
    const plain = await run(t.h.client, counting, 0);
    console.log(`status writes without coalescing: ${plain} for ${PODS} pods`);
    expect(plain).toBeGreaterThan(0);
  });
});

describe("a PodClique whose pods its PodGang never lists", () => {
  const t = harnessPerTest();

  it("gets its status all the same once the listing hold is over", async () => {
    const { h } = t;
    // The gang's creates are refused: its pods are never listed, and stay gated.
    const refused: string[] = [];
    const client = refusing(h.client, PodGangType, refused);
    await t.start(client);
    await createPcs(h.client, pcsOf("unlisted", [{ name: "w", replicas: 2 }]));
    const pclq = await waitFor(
      "the PodClique's status with its two gated pods",
      async () => {
        const q = await h.client.get<KubeObject & { status?: Record<string, unknown> }>(
          PodCliqueType,
          "unlisted-0-w",
          NS,
        );
        return q?.status?.replicas === 2 && q.status.scheduleGatedReplicas === 2 ? q : undefined;
      },
      20_000,
    );
    expect(pclq.status?.scheduledReplicas).toBe(0);
    expect(refused).toContain("unlisted-0");
    expect(await h.client.get(PodGangType, "unlisted-0", NS)).toBeUndefined();
    const gates = (await listPods(h.client)).map((p) => p.spec?.schedulingGates?.map((g) => g.name));
    expect(gates).toEqual([[SchedulingGatePodGangPendingCreation], [SchedulingGatePodGangPendingCreation]]);
  });
});

describe("statusCoalesceMs option", () => {
  it.each([[-1], [Number.NaN], [60_001]])("rejects %s naming the option and the rule", async (v) => {
    const { createGroveControllers } = await import("../src/index.js");
    expect(() => createGroveControllers({} as never, { statusCoalesceMs: v })).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_OPTION",
        message: `options.statusCoalesceMs: must be a number of milliseconds from 0 to 60000, got ${String(v)}`,
      }),
    );
  });
});

describe("a PodClique's first PodCliqueScheduled condition", () => {
  const created = "2026-12-07T10:00:00Z";
  const at = (ms: number) => new Date(Date.parse(created) + ms);
  const cond = (status: "True" | "False") => ({
    type: "PodCliqueScheduled",
    status,
    reason: "InsufficientScheduledPods",
    message: "",
    lastTransitionTime: created,
  });
  const pclq = (conditions?: ReturnType<typeof cond>[]) =>
    ({
      metadata: { name: "c", namespace: NS, creationTimestamp: created },
      spec: { replicas: 2 },
      ...(conditions ? { status: { conditions } } : {}),
    }) as unknown as Parameters<typeof firstScheduledStatusDue>[0];

  it("is written at once from FIRST_STATUS_DUE_MS after creation, well inside gang termination's grace", () => {
    expect(FIRST_STATUS_DUE_MS).toBeLessThan(INITIAL_SCHEDULE_GRACE_MS);
    expect(firstScheduledStatusDue(pclq(), [cond("False")], at(FIRST_STATUS_DUE_MS - 1))).toBe(false);
    expect(firstScheduledStatusDue(pclq(), [cond("False")], at(FIRST_STATUS_DUE_MS))).toBe(true);
    expect(firstScheduledStatusDue(pclq(), [cond("True")], at(10_000))).toBe(true);
  });

  it("is not due when the stored status has it already or the next status has none", () => {
    expect(firstScheduledStatusDue(pclq([cond("False")]), [cond("True")], at(10_000))).toBe(false);
    expect(firstScheduledStatusDue(pclq(), [], at(10_000))).toBe(false);
    expect(firstScheduledStatusDue(pclq(), undefined, at(10_000))).toBe(false);
  });
});
