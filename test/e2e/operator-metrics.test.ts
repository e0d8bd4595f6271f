// grove-operator's probes and /metrics while it reconciles (issue 11 item 3): the operator as its own
// process against grove-sim (our API server, or the real kube-apiserver with GROVE_TARGET=kube),
// probes and metrics on free ports named in its start-up line. /metrics is scraped before and after
// a PodCliqueSet and parsed; the reconcile, scheduling and request series move.

import { type Exposition, parsePrometheusText, sampleSum, sampleValue } from "@grove-ts/operator";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuCluster, E2E } from "./lib/harness.js";
import type { ChildHandle } from "./lib/operator.js";
import { waitFor } from "./lib/wait.js";

const manifest = `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: { name: metered }
spec:
  replicas: 1
  template:
    cliques:
      - name: worker
        spec:
          roleName: worker
          replicas: 2
          minAvailable: 2
          podSpec:
            containers:
              - { name: worker, image: busybox:1.36, command: [sleep, infinity], resources: { requests: { cpu: 10m } } }
`;

interface Urls {
  healthz: string;
  readyz: string;
  metrics: string;
}

/** The JSON log line "grove-operator running", with the servers' URLs. */
function runningLine(output: string): Urls | undefined {
  for (const line of output.split("\n")) {
    if (!line.startsWith("{") || !line.includes('"grove-operator running"')) continue;
    const l = JSON.parse(line) as Partial<Urls>;
    if (l.healthz && l.readyz && l.metrics) return l as Urls;
  }
  return undefined;
}

async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe("grove-operator /readyz and /metrics while it reconciles", () => {
  let e2e: E2E;
  let op: ChildHandle;
  let urls: Urls;

  beforeAll(async () => {
    e2e = await E2E.start({ cluster: cpuCluster(2), operator: "external", startOperator: false });
    // The harness passes --health-port 0 --metrics-port 0; info level prints the start-up line.
    op = e2e.startOperator(["--log-level", "info"]);
    await waitFor(
      "grove-operator's start-up line with its URLs",
      async () => ({ ok: runningLine(op.output()) !== undefined, state: op.output().slice(-3000) }),
      { timeoutMs: 90_000 },
    );
    urls = runningLine(op.output()) as Urls;
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("is live and ready once running; a PodCliqueSet moves the reconcile, scheduling and request series", async () => {
    expect(urls.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    for (const u of [urls.healthz, urls.readyz]) {
      const res = await fetch(u);
      expect([u, res.status, await res.text()]).toEqual([u, 200, "ok"]);
    }
    const before = await scrape(urls.metrics);
    const pcsCtl = { controller: "podcliqueset" };
    expect(sampleValue(before, "controller_runtime_max_concurrent_reconciles", pcsCtl)).toBe(10);

    await e2e.apply(e2e.file("metered.yaml", manifest));
    await waitFor("both pods of metered bound", async () => {
      const pods = await e2e.list<KubeObject & { spec?: { nodeName?: string } }>(
        PodType,
        "app.kubernetes.io/part-of=metered",
      );
      const bound = pods.filter((p) => p.spec?.nodeName).length;
      return { ok: pods.length === 2 && bound === 2, state: `${pods.length} pods, ${bound} bound` };
    });
    let after: Exposition | undefined;
    await waitFor("the gang's scheduling latency observed", async () => {
      after = await scrape(urls.metrics);
      const n = sampleValue(after, "grove_scheduler_podgang_scheduling_latency_seconds_count") ?? 0;
      return { ok: n >= 1, state: `count ${n}` };
    });
    const x = after as Exposition;

    const reconciles = (e: Exposition) => sampleSum(e, "controller_runtime_reconcile_total", pcsCtl);
    expect(reconciles(x)).toBeGreaterThan(reconciles(before));
    for (const controller of ["podclique", "podgang"])
      expect(sampleSum(x, "controller_runtime_reconcile_total", { controller }), controller).toBeGreaterThan(
        0,
      );
    const scheduled = (e: Exposition) =>
      sampleValue(e, "grove_scheduler_schedule_attempts_total", { result: "scheduled" }) ?? 0;
    expect(scheduled(x)).toBeGreaterThan(scheduled(before));
    const created = (e: Exposition) =>
      sampleSum(e, "rest_client_requests_total", { method: "POST", code: "201" });
    expect(created(x)).toBeGreaterThan(created(before));
    expect(sampleSum(x, "rest_client_requests_total")).toBeGreaterThan(
      sampleSum(before, "rest_client_requests_total"),
    );
    expect(
      sampleValue(x, "workqueue_depth", { name: "podcliqueset", controller: "podcliqueset" }),
    ).toBeDefined();
  });
});
