import { PodCliqueSetType } from "@grove-ts/api";
import type { RunningApiServer } from "@grove-ts/apiserver";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOperator } from "../src/index.js";
import { type Exposition, parsePrometheusText, sampleSum, sampleValue } from "../src/prom-text.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

let cluster: TestCluster;
let api: RunningApiServer;
let kubeconfig: string;

beforeAll(async () => {
  cluster = await startTestCluster("grove-operator-metrics", { nodes: ["n1", "n2"] });
  ({ api, kubeconfig } = cluster);
});
afterAll(() => cluster?.close());

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

async function scrape(metricsUrl: string): Promise<Exposition> {
  const res = await get(`${metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(res.body);
}

const pcs: KubeObject = {
  apiVersion: "grove.io/v1alpha1",
  kind: "PodCliqueSet",
  metadata: { name: "metered", namespace: "default" },
  spec: {
    replicas: 1,
    template: {
      cliques: [
        {
          name: "w",
          spec: {
            roleName: "w",
            replicas: 2,
            minAvailable: 2,
            podSpec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "1" } } }] },
          },
        },
      ],
    },
  },
} as KubeObject;

describe("grove-operator probes and metrics", () => {
  it("is ready once synced, and its reconcile, scheduling and request series move with a PodCliqueSet", async () => {
    const op = await startOperator({
      kubeconfigPath: kubeconfig,
      health: { host: "127.0.0.1", port: 0 },
      metrics: { host: "127.0.0.1", port: 0 },
    });
    const { healthUrl, metricsUrl } = op;
    try {
      expect(healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(healthUrl).not.toBe(metricsUrl);
      // startOperator resolves once the controllers run: their informers have synced.
      expect(await get(`${healthUrl}/readyz`)).toEqual({ status: 200, body: "ok" });
      expect((await get(`${healthUrl}/readyz?verbose`)).body).toBe("[+]informers ok\nhealthz check passed\n");
      expect(await get(`${healthUrl}/healthz`)).toEqual({ status: 200, body: "ok" });
      expect((await get(`${metricsUrl}/healthz`)).status).toBe(404);
      expect((await get(`${healthUrl}/metrics`)).status).toBe(404);

      const before = await scrape(metricsUrl as string);
      const pcsCtl = { controller: "podcliqueset" };
      // Every controller's series exist from the start, with its configured workers.
      expect(sampleValue(before, "controller_runtime_max_concurrent_reconciles", pcsCtl)).toBe(10);
      expect(
        sampleValue(before, "controller_runtime_max_concurrent_reconciles", { controller: "podgang" }),
      ).toBe(5);
      expect(sampleSum(before, "rest_client_requests_total")).toBeGreaterThan(0);

      await api.client.create(PodCliqueSetType, pcs);
      await eventually(async () => {
        const pods = await api.client.list<KubeObject & { spec?: { nodeName?: string } }>(PodType, {
          namespace: "default",
          labelSelector: "app.kubernetes.io/part-of=metered",
        });
        expect(pods.items).toHaveLength(2);
        for (const p of pods.items) expect(p.spec?.nodeName).toBeDefined();
      }, 20_000);
      // The gang's latency is observed on the scheduler's status pass after its binds.
      const after = await eventually(async () => {
        const x = await scrape(metricsUrl as string);
        expect(
          sampleValue(x, "grove_scheduler_podgang_scheduling_latency_seconds_count"),
        ).toBeGreaterThanOrEqual(1);
        return x;
      }, 20_000);

      const reconciles = (x: Exposition) => sampleSum(x, "controller_runtime_reconcile_total", pcsCtl);
      expect(reconciles(after)).toBeGreaterThan(reconciles(before));
      expect(sampleValue(after, "controller_runtime_reconcile_time_seconds_count", pcsCtl)).toBeGreaterThan(
        sampleValue(before, "controller_runtime_reconcile_time_seconds_count", pcsCtl) ?? 0,
      );
      const queue = { name: "podcliqueset", controller: "podcliqueset" };
      expect(sampleValue(after, "workqueue_adds_total", queue)).toBeGreaterThan(
        sampleValue(before, "workqueue_adds_total", queue) ?? 0,
      );
      const scheduled = (x: Exposition) =>
        sampleValue(x, "grove_scheduler_schedule_attempts_total", { result: "scheduled" }) ?? 0;
      expect(scheduled(after)).toBeGreaterThan(scheduled(before));
      expect(sampleValue(after, "grove_scheduler_solver_duration_seconds_count")).toBeGreaterThanOrEqual(1);
      // The controllers created objects (201) and the scheduler bound pods (201 on pods/binding).
      const host = new URL(api.url).host;
      const requests = (x: Exposition, labels: Record<string, string> = {}) =>
        sampleSum(x, "rest_client_requests_total", { host, ...labels });
      expect(requests(after)).toBeGreaterThan(requests(before));
      expect(requests(after, { method: "POST", code: "201" })).toBeGreaterThan(
        requests(before, { method: "POST", code: "201" }),
      );
      expect(sampleValue(after, "process_resident_memory_bytes")).toBeGreaterThan(0);

      // Other parts add their readiness (the webhook certificate, leader election).
      let certLoaded = false;
      op.addReadyCheck("webhook-certs", () => {
        if (!certLoaded) throw new Error("no certificate yet");
      });
      const notReady = await get(`${healthUrl}/readyz`);
      expect(notReady.status).toBe(500);
      expect(notReady.body).toBe(
        "[+]informers ok\n[-]webhook-certs failed: reason withheld\nhealthz check failed\n",
      );
      certLoaded = true;
      expect((await get(`${healthUrl}/readyz`)).status).toBe(200);
      expect(() => op.addReadyCheck("informers", () => {})).toThrow(/"informers" is already registered/);
    } finally {
      await op.stop();
    }
    // Stopped: nothing listens any more.
    await expect(fetch(`${healthUrl}/healthz`)).rejects.toThrow();
    await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
  }, 60_000);
});
