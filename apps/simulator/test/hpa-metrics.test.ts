// How the HPA controller reads the metrics APIs: quantities to thousandths as MilliValue does, and
// the PodMetrics / MetricValueList shapes grove-sim (and metrics-server, custom metrics adapters)
// serve, through a stand-in for the API server's HTTP answers.
import { describe, expect, it } from "vitest";
import { milli, milliQuantity, type RawGet, restMetrics } from "../src/hpa/metrics.js";

describe("quantities", () => {
  it("in thousandths, rounded up", () => {
    expect(
      ["180000000n", "250u", "750m", "1", "1.5", "2k", "1Ki", "64Mi", "1e3", "0.0001", 2].map(milli),
    ).toEqual([180, 1, 750, 1000, 1500, 2_000_000, 1_024_000, 67_108_864_000, 1_000_000, 1, 2000]);
    expect(milli("12 cores")).toBeUndefined();
    expect([750, 2000, 1500].map(milliQuantity)).toEqual(["750m", "2", "1500m"]);
  });
});

describe("restMetrics", () => {
  const answers: Record<string, unknown> = {};
  const seen: string[] = [];
  const get: RawGet = async (path) => {
    seen.push(path);
    const body = answers[path.split("?")[0] ?? ""];
    return body === undefined
      ? {
          status: 404,
          body: JSON.stringify({
            kind: "Status",
            message: "the server could not find the requested resource",
          }),
        }
      : { status: 200, body: JSON.stringify(body) };
  };
  const source = restMetrics(get);

  it("sums a pod's containers; a pod with a container lacking the resource has no sample", async () => {
    answers["/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods"] = {
      items: [
        {
          metadata: { name: "a" },
          timestamp: "2026-01-01T00:00:00Z",
          window: "30s",
          containers: [
            { name: "c1", usage: { cpu: "120m", memory: "10Mi" } },
            { name: "c2", usage: { cpu: "60000000n", memory: "1Mi" } },
          ],
        },
        { metadata: { name: "b" }, containers: [{ name: "c1", usage: { memory: "1Mi" } }] },
      ],
    };
    const m = await source.resource("ns", "app=x", "cpu");
    expect([...m.entries()]).toEqual([
      ["a", { timestampMs: Date.parse("2026-01-01T00:00:00Z"), windowMs: 30_000, value: 180 }],
    ]);
    expect(seen.at(-1)).toBe("/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods?labelSelector=app%3Dx");
    // One container's (ContainerResource): every pod must report that container, as kcm requires.
    await expect(source.resource("ns", "app=x", "cpu", "c2")).rejects.toThrow(
      "failed to get container metrics: container c2 not present in metrics for pod ns/b",
    );
    expect((await source.resource("ns", "app=x", "cpu", "c1")).get("a")?.value).toBe(120);
  });

  it("reads a pods metric by label selector", async () => {
    answers["/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/pods/*/rps"] = {
      items: [
        {
          describedObject: { kind: "Pod", name: "a" },
          metric: { name: "rps" },
          timestamp: "2026-01-01T00:00:00Z",
          windowSeconds: 30,
          value: "40",
        },
        { describedObject: { kind: "Pod", name: "b" }, metric: { name: "rps" }, value: "2500m" },
      ],
    };
    const m = await source.pods("ns", "app=x", "rps");
    expect([...m.entries()].map(([k, v]) => [k, v.value, v.windowMs])).toEqual([
      ["a", 40_000, 30_000],
      ["b", 2500, 60_000],
    ]);
  });

  it("says what failed", async () => {
    await expect(source.resource("other", "", "cpu")).rejects.toThrow(
      "unable to fetch metrics from resource metrics API: the server could not find the requested resource",
    );
    answers["/apis/metrics.k8s.io/v1beta1/namespaces/empty/pods"] = { items: [] };
    await expect(source.resource("empty", "", "cpu")).rejects.toThrow(
      "no metrics returned from resource metrics API",
    );
  });
});
