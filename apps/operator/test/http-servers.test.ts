import { Controller, RequeueAfterError } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { CheckSet, type HttpEndpoint, startMetricsServer, startProbeServer } from "../src/http-servers.js";
import { createOperatorMetrics } from "../src/metrics.js";
import { PromParseError, parsePrometheusText, sampleValue } from "../src/prom-text.js";

const open: HttpEndpoint[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") ?? "" };
}

async function probes(ready: CheckSet, health = new CheckSet("healthz")): Promise<HttpEndpoint> {
  const e = await startProbeServer({ host: "127.0.0.1", port: 0, health, ready });
  open.push(e);
  return e;
}

describe("probe server", () => {
  it("answers /healthz with ok from its ping check, verbose on request", async () => {
    const e = await probes(new CheckSet("readyz"));
    expect(e.url).toBe(`http://127.0.0.1:${e.port}`);
    expect(e.port).toBeGreaterThan(0);
    expect(await get(`${e.url}/healthz`)).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`${e.url}/healthz?verbose`)).body).toBe("[+]ping ok\nhealthz check passed\n");
    expect(await get(`${e.url}/healthz/ping`)).toMatchObject({ status: 200, body: "ok" });
  });

  it("fails /readyz with 500 naming each failing check (reason withheld) until the checks pass", async () => {
    const ready = new CheckSet("readyz");
    let synced = false;
    ready.add("informers", () => {
      if (!synced) throw new Error("3 of 12 informers not synced");
    });
    ready.add("webhook-certs", async () => {});
    const e = await probes(ready);

    const failing = await get(`${e.url}/readyz`);
    expect(failing.status).toBe(500);
    expect(failing.type).toBe("text/plain; charset=utf-8");
    expect(failing.body).toBe(
      "[-]informers failed: reason withheld\n[+]webhook-certs ok\nhealthz check failed\n",
    );
    expect(failing.body).not.toContain("not synced");
    // One check alone shows its reason.
    const one = await get(`${e.url}/readyz/informers`);
    expect(one.status).toBe(500);
    expect(one.body).toContain("3 of 12 informers not synced");
    // Excluding the failing check passes; an unknown name is reported.
    const excluded = await get(`${e.url}/readyz?verbose&exclude=informers&exclude=nope`);
    expect(excluded.status).toBe(200);
    expect(excluded.body).toBe(
      '[+]informers excluded: ok\n[+]webhook-certs ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nhealthz check passed\n',
    );

    synced = true;
    expect(await get(`${e.url}/readyz`)).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`${e.url}/readyz?verbose`)).body).toBe(
      "[+]informers ok\n[+]webhook-certs ok\nhealthz check passed\n",
    );
    // A check added after start joins in.
    ready.add("leader", () => {
      throw new Error("standby");
    });
    expect((await get(`${e.url}/readyz`)).status).toBe(500);
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    const e = await probes(new CheckSet("readyz"));
    for (const path of ["/", "/metrics", "/readyz/nope", "/healthz/ping/x", "/livez"])
      expect((await get(`${e.url}${path}`)).status, path).toBe(404);
    const post = await get(`${e.url}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("refuses a duplicate or malformed check name, naming the rule", () => {
    const set = new CheckSet("readyz");
    set.add("informers", () => {});
    expect(() => set.add("informers", () => {})).toThrow(
      'readyz check name: "informers" is already registered',
    );
    expect(() => set.add("a/b", () => {})).toThrow(/readyz check name: must be non-empty without "\/"/);
  });

  it("names the endpoint and the address when the port is taken or out of range", async () => {
    const e = await probes(new CheckSet("readyz"));
    await expect(
      startProbeServer({
        host: "127.0.0.1",
        port: e.port,
        health: new CheckSet("healthz"),
        ready: new CheckSet("readyz"),
      }),
    ).rejects.toThrow(`health probes: cannot listen on 127.0.0.1:${e.port}: EADDRINUSE`);
    await expect(
      startMetricsServer({ port: 70000, scrape: async () => ({ contentType: "", body: "" }) }),
    ).rejects.toThrow("metrics port: must be an integer from 0 to 65535, got 70000");
  });
});

describe("metrics server and registry", () => {
  it("serves the hooks' numbers under controller-runtime's, client-go's and the scheduler's names", async () => {
    const m = createOperatorMetrics();
    const e = await startMetricsServer({ host: "127.0.0.1", port: 0, scrape: m.scrape });
    open.push(e);
    // A real Controller reporting through the provider.
    const ctl = new Controller({
      name: "podcliqueset",
      concurrency: 3,
      metrics: m.controllers,
      reconciler: async ({ name }) => {
        if (name === "later") throw new RequeueAfterError("waiting", 60_000);
        if (name === "bad") throw new Error("boom");
      },
    });
    for (const k of ["a", "b", "later", "bad"]) ctl.enqueue(k);
    ctl.start();
    const deadline = Date.now() + 10_000;
    while (ctl.stats.reconciles < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await ctl.stop();
    m.requests.increment("200", "GET", "10.0.0.1:6443");
    m.requests.increment("200", "GET", "10.0.0.1:6443");
    m.requests.increment("404", "GET", "10.0.0.1:6443");
    m.scheduler.scheduleAttempt("scheduled");
    m.scheduler.podGangSchedulingLatency(3);
    m.scheduler.pendingPodGangs({ unschedulable: 2, invalid: 0, waiting_for_base: 1, waiting_for_pods: 0 });
    m.scheduler.solverDuration(0.004);

    const res = await get(`${e.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const x = parsePrometheusText(res.body);
    const c = { controller: "podcliqueset" };
    expect(sampleValue(x, "controller_runtime_reconcile_total", { ...c, result: "success" })).toBe(2);
    expect(sampleValue(x, "controller_runtime_reconcile_total", { ...c, result: "requeue_after" })).toBe(1);
    expect(
      sampleValue(x, "controller_runtime_reconcile_total", { ...c, result: "error" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(x, "controller_runtime_reconcile_total", { ...c, result: "requeue" })).toBe(0);
    expect(sampleValue(x, "controller_runtime_reconcile_errors_total", c)).toBeGreaterThanOrEqual(1);
    expect(sampleValue(x, "controller_runtime_reconcile_time_seconds_count", c)).toBeGreaterThanOrEqual(4);
    expect(
      sampleValue(x, "controller_runtime_reconcile_time_seconds_bucket", { ...c, le: "0.005" }),
    ).toBeDefined();
    expect(
      sampleValue(x, "controller_runtime_reconcile_time_seconds_bucket", { ...c, le: "60" }),
    ).toBeDefined();
    expect(sampleValue(x, "controller_runtime_max_concurrent_reconciles", c)).toBe(3);
    expect(sampleValue(x, "controller_runtime_active_workers", c)).toBe(0);
    const q = { name: "podcliqueset", controller: "podcliqueset" };
    expect(sampleValue(x, "workqueue_adds_total", q)).toBeGreaterThanOrEqual(4);
    expect(sampleValue(x, "workqueue_retries_total", q)).toBeGreaterThanOrEqual(2);
    expect(sampleValue(x, "workqueue_depth", q)).toBe(0);
    expect(sampleValue(x, "workqueue_queue_duration_seconds_count", q)).toBeGreaterThanOrEqual(4);
    expect(sampleValue(x, "workqueue_work_duration_seconds_count", q)).toBeGreaterThanOrEqual(4);
    expect(sampleValue(x, "workqueue_queue_duration_seconds_bucket", { ...q, le: "1e-8" })).toBeDefined();
    expect(sampleValue(x, "workqueue_queue_duration_seconds_bucket", { ...q, le: "1000" })).toBeDefined();
    const h = { host: "10.0.0.1:6443", method: "GET" };
    expect(sampleValue(x, "rest_client_requests_total", { ...h, code: "200" })).toBe(2);
    expect(sampleValue(x, "rest_client_requests_total", { ...h, code: "404" })).toBe(1);
    expect(sampleValue(x, "grove_scheduler_schedule_attempts_total", { result: "scheduled" })).toBe(1);
    expect(sampleValue(x, "grove_scheduler_schedule_attempts_total", { result: "error" })).toBe(0);
    expect(sampleValue(x, "grove_scheduler_podgang_scheduling_latency_seconds_sum")).toBe(3);
    expect(sampleValue(x, "grove_scheduler_pending_podgangs", { reason: "unschedulable" })).toBe(2);
    expect(sampleValue(x, "grove_scheduler_pending_podgangs", { reason: "waiting_for_base" })).toBe(1);
    expect(sampleValue(x, "grove_scheduler_solver_duration_seconds_bucket", { le: "0.004" })).toBe(1);
    expect(sampleValue(x, "grove_scheduler_solver_duration_seconds_bucket", { le: "0.002" })).toBe(0);
    // prom-client's default process metrics.
    expect(sampleValue(x, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(x.types.get("controller_runtime_reconcile_time_seconds")).toBe("histogram");
    expect(x.types.get("workqueue_depth")).toBe("gauge");

    expect((await get(`${e.url}/healthz`)).status).toBe(404);
  });

  it("keeps each registry's series apart", async () => {
    const a = createOperatorMetrics({ defaultMetrics: false });
    const b = createOperatorMetrics({ defaultMetrics: false });
    a.requests.increment("200", "GET", "h:1");
    const pa = parsePrometheusText((await a.scrape()).body);
    const pb = parsePrometheusText((await b.scrape()).body);
    expect(sampleValue(pa, "rest_client_requests_total", { code: "200" })).toBe(1);
    expect(sampleValue(pb, "rest_client_requests_total", { code: "200" })).toBeUndefined();
    expect(sampleValue(pb, "process_cpu_user_seconds_total")).toBeUndefined();
  });
});

describe("the test's exposition parser", () => {
  it("reads escaped label values and special values, and refuses malformed lines", () => {
    const x = parsePrometheusText(
      '# TYPE m counter\nm{a="x\\"y",b="1\\\\2\\n"} 3\nm_bucket{le="+Inf"} +Inf\nn 1.5e-3 1700000000\n',
    );
    expect(x.samples[0]).toEqual({ name: "m", labels: { a: 'x"y', b: "1\\2\n" }, value: 3 });
    expect(x.samples[1]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(x, "n")).toBe(0.0015);
    expect(x.types.get("m")).toBe("counter");
    expect(() => parsePrometheusText('m{a="x} 1')).toThrow(PromParseError);
    expect(() => parsePrometheusText("m abc")).toThrow(/line 1: value "abc" is not a number/);
  });
});
