// KAI's Queue (scheduling.run.ai/v2), our CRD of it (@grove-ts/api kaiQueueCrd()), run against every
// target (targets.ts): our API server in process and over HTTP (project "grove"), kube-apiserver
// v1.37.2 over HTTPS (project "kube"). kube-apiserver refuses quota above limit with the CRD's CEL
// rule; our server applies the same rule in admission (apiserver queues.ts), with the same words.
import { kaiQueueCrd } from "@grove-ts/api";
import {
  type Client,
  CustomResourceDefinitionType,
  isApiError,
  type KubeObject,
  type ResourceType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Target, targets } from "./targets.js";

const QueueType: ResourceType = {
  apiVersion: "scheduling.run.ai/v2",
  kind: "Queue",
  plural: "queues",
  namespaced: false,
};

type Resource = { quota?: number; limit?: number; overQuotaWeight?: number };
interface Queue extends KubeObject {
  spec?: { parentQueue?: string; priority?: number; resources?: Record<string, Resource> };
  status?: { childQueues?: string[]; allocated?: Record<string, string | number> };
}

const queue = (name: string, resources: Record<string, Resource>, extra: Queue["spec"] = {}): Queue => ({
  apiVersion: "scheduling.run.ai/v2",
  kind: "Queue",
  metadata: { name },
  spec: { ...extra, resources },
});

const rule = "Invalid value: quota must not exceed limit unless limit is -1 (no limit)";

describe.each(targets)("KAI Queue: $name", ({ start }) => {
  let target: Target;
  let c: Client;

  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(CustomResourceDefinitionType, kaiQueueCrd() as unknown as KubeObject);
    await eventually(
      () =>
        c.list(QueueType, { limit: 1 }).then(
          () => true,
          () => false,
        ),
      "queues served",
      60_000,
    );
  });
  afterAll(async () => {
    await target.close();
  });

  it("refuses quota above limit, naming the resource's quota field", async () => {
    const err = await c
      .create(QueueType, queue("bad", { gpu: { quota: 8, limit: 4 } }), { dryRun: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiError(err) && [err.code, err.reason, err.status.message, err.status.details?.causes]).toEqual(
      [
        422,
        "Invalid",
        `Queue.scheduling.run.ai "bad" is invalid: spec.resources.gpu.quota: ${rule}`,
        [{ reason: "FieldValueInvalid", message: rule, field: "spec.resources.gpu.quota" }],
      ],
    );
  });

  it("reports every resource over its limit", async () => {
    const err = await c
      .create(
        QueueType,
        queue("bad2", { cpu: { quota: 2000, limit: 1000.5 }, memory: { quota: 2, limit: 1 } }),
        {
          dryRun: true,
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const fields = isApiError(err) ? (err.status.details?.causes ?? []).map((x) => x.field).sort() : err;
    expect(fields).toEqual(["spec.resources.cpu.quota", "spec.resources.memory.quota"]);
  });

  it("refuses a min runtime that is not a duration, naming the field and the pattern; takes one that is", async () => {
    const bad = { ...queue("slow", {}), spec: { preemptMinRuntime: "5m", reclaimMinRuntime: "soon" } };
    const err = await c.create(QueueType, bad as Queue, { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isApiError(err) && [err.code, err.status.details?.causes?.map((x) => x.field)]).toEqual([
      422,
      ["spec.reclaimMinRuntime"],
    ]);
    expect(isApiError(err) && err.status.message).toContain(
      'spec.reclaimMinRuntime: Invalid value: "soon": spec.reclaimMinRuntime in body should match',
    );
    const ok = { ...queue("slow", {}), spec: { preemptMinRuntime: "1h30m", reclaimMinRuntime: "0" } };
    await c.create(QueueType, ok as Queue, { dryRun: true });
  });

  it("accepts quota up to limit, any quota under limit -1, and Grove's e2e queues' shape", async () => {
    const unlimited = { quota: -1, limit: -1, overQuotaWeight: 1 };
    await c.create(QueueType, queue("default", { cpu: unlimited, gpu: unlimited, memory: unlimited }));
    const q = await c.create(
      QueueType,
      queue(
        "team",
        { gpu: { quota: 8, limit: -1 }, cpu: { quota: 2000, limit: 2000 } },
        {
          parentQueue: "default",
          priority: 5,
        },
      ),
    );
    expect(q.spec).toEqual({
      parentQueue: "default",
      priority: 5,
      resources: { gpu: { quota: 8, limit: -1 }, cpu: { quota: 2000, limit: 2000 } },
    });
    // An update is held to the rule too.
    const err = await c
      .update(QueueType, { ...q, spec: { ...q.spec, resources: { gpu: { quota: 8, limit: 7 } } } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiError(err) && err.status.message).toBe(
      `Queue.scheduling.run.ai "team" is invalid: spec.resources.gpu.quota: ${rule}`,
    );
  });

  it("has a status subresource: status is written there, not by the main resource", async () => {
    const q = await c.create(QueueType, queue("with-status", {}));
    const written = await c.updateStatus(QueueType, {
      ...q,
      status: { childQueues: ["a"], allocated: { cpu: "1" } },
    });
    expect(written.status).toEqual({ childQueues: ["a"], allocated: { cpu: "1" } });
    const main = await c.update(QueueType, { ...written, status: {} });
    expect(main.status).toEqual({ childQueues: ["a"], allocated: { cpu: "1" } });
  });
});
