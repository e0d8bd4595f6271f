// grove-sim's metrics (README "Metrics and load"): the load annotations read into per-container
// usage (split by requests, defaults, bad values reported), a cluster file's `load:` checked with
// field paths, and the two metric APIs answered from the cluster: only Running pods on Ready nodes,
// label and field selectors, NodeMetrics as the sum of the node's pods, custom metrics per pod.
import { createApiServer } from "@grove-ts/apiserver";
import { type Client, type KubeObject, NodeType, noopLogger, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterFileError, checkCluster } from "../src/index.js";
import { createMetricsApis, type MetricsApis } from "../src/metrics/apis.js";
import { formatBytes, formatNano, loadProblems, parseQuantity, podLoad } from "../src/metrics/load.js";
import { loadAnnotations, startLoadSchedule } from "../src/metrics/load-schedule.js";

const pod = (annotations: Record<string, string>, requests: (Record<string, string> | undefined)[]) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", annotations },
  spec: {
    containers: requests.map((r, i) => ({ name: `c${i}`, ...(r ? { resources: { requests: r } } : {}) })),
  },
});

describe("load annotations", () => {
  it.each([
    ["750m", -9, 750_000_000],
    ["2", -9, 2_000_000_000],
    ["0.1", -9, 100_000_000],
    ["1.5", -9, 1_500_000_000],
    ["1Mi", 0, 1_048_576],
    ["1e3", 0, 1000],
    ["512Mi", 0, 536_870_912],
    ["1k", 0, 1000],
    ["-1", -9, undefined],
    ["lots", -9, undefined],
    ["", -9, undefined],
  ])("parseQuantity(%s, %i) = %s", (q, scale, want) => {
    expect(parseQuantity(q, scale)).toBe(want);
  });

  it("formats canonical quantities", () => {
    expect([formatNano(2e9), formatNano(75e7), formatNano(1500e3), formatNano(3)]).toEqual([
      "2",
      "750m",
      "1500u",
      "3n",
    ]);
    expect([formatBytes(1_048_576), formatBytes(3 * 1024), formatBytes(1000), formatBytes(0)]).toEqual([
      "1Mi",
      "3Ki",
      "1000",
      "0",
    ]);
  });

  it("splits CPU by CPU requests and memory by memory requests, evenly when none", () => {
    const p = pod({ "sim.grove-ts.dev/cpu": "900m", "sim.grove-ts.dev/memory": "3Mi" }, [
      { cpu: "100m" },
      { cpu: "200m" },
    ]);
    expect(podLoad(p as KubeObject).containers).toEqual([
      { name: "c0", cpuNano: 300_000_000, memoryBytes: 1_572_864 },
      { name: "c1", cpuNano: 600_000_000, memoryBytes: 1_572_864 },
    ]);
  });

  it("without annotations every container uses 1m CPU and 1Mi memory, and there is no custom metric", () => {
    const l = podLoad(pod({}, [undefined, undefined]) as KubeObject);
    expect(l.containers.map((c) => [c.cpuNano, c.memoryBytes])).toEqual([
      [1_000_000, 1_048_576],
      [1_000_000, 1_048_576],
    ]);
    expect(l.metrics.size).toBe(0);
  });

  it("reads custom metrics; a bad value is a problem naming the annotation and the rule, the default is used", () => {
    const good = pod({ "sim.grove-ts.dev/metrics": "requests_per_second=40, queue=500m" }, [undefined]);
    expect([...podLoad(good as KubeObject).metrics]).toEqual([
      ["requests_per_second", 40e9],
      ["queue", 5e8],
    ]);
    const bad = pod(
      {
        "sim.grove-ts.dev/cpu": "lots",
        "sim.grove-ts.dev/memory": "-1Mi",
        "sim.grove-ts.dev/metrics": "rps:40",
      },
      [undefined],
    ) as KubeObject;
    expect(loadProblems(bad).map((p) => p.message)).toEqual([
      'annotation sim.grove-ts.dev/cpu: "lots": must be a non-negative CPU quantity such as "750m" or "2"; the default is used',
      'annotation sim.grove-ts.dev/memory: "-1Mi": must be a non-negative memory quantity such as "512Mi"; the default is used',
      'annotation sim.grove-ts.dev/metrics: "rps:40": entry "rps:40" must be <name>=<quantity>; the default is used',
    ]);
    expect(podLoad(bad).containers[0]).toMatchObject({ cpuNano: 1_000_000, memoryBytes: 1_048_576 });
    expect(podLoad(bad).metrics.size).toBe(0);
  });
});

describe("cluster file load:", () => {
  const pools = [{ name: "n", count: 1, allocatable: { cpu: "8", memory: "8Gi", pods: "110" } }];
  it("takes durations or seconds and quantities as strings or numbers", () => {
    const c = checkCluster({
      pools,
      load: [
        { at: "30s", namespace: "default", selector: "app=x", cpu: "900m", metrics: { rps: 40 } },
        { at: 90, namespace: "default", selector: "app=x", memory: "1Gi" },
      ],
    } as never);
    expect(c.load).toEqual([
      { at: 30, namespace: "default", selector: "app=x", cpu: "900m", metrics: { rps: "40" } },
      { at: 90, namespace: "default", selector: "app=x", memory: "1Gi" },
    ]);
    expect(loadAnnotations(c.load?.[0] as never)).toEqual({
      "sim.grove-ts.dev/cpu": "900m",
      "sim.grove-ts.dev/metrics": "rps=40",
    });
  });

  it.each([
    [{}, "load", "must be a list"],
    [[{ namespace: "d", selector: "a=b", cpu: "1" }], "load[0].at", "duration"],
    [[{ at: "soon", namespace: "d", selector: "a=b", cpu: "1" }], "load[0].at", "duration"],
    [[{ at: 1, selector: "a=b", cpu: "1" }], "load[0].namespace", "namespace"],
    [[{ at: 1, namespace: "d", cpu: "1" }], "load[0].selector", "label selector"],
    [[{ at: 1, namespace: "d", selector: "a=b", cpu: "fast" }], "load[0].cpu", "quantity"],
    [[{ at: 1, namespace: "d", selector: "a=b", metrics: { "1x": 3 } }], "load[0].metrics.1x", "metric name"],
    [[{ at: 1, namespace: "d", selector: "a=b" }], "load[0]", "at least one of cpu, memory and metrics"],
    [[{ at: 1, namespace: "d", selector: "a=b", cpu: "1", gpu: 2 }], "load[0].gpu", "not a load field"],
  ])("load %j: %s %s", (load, field, rule) => {
    try {
      checkCluster({ pools, load } as never);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ClusterFileError);
      expect((err as Error).message).toContain(field);
      expect((err as Error).message).toContain(rule);
    }
  });
});

describe("the metric APIs", () => {
  const server = createApiServer();
  const client: Client = server.client;
  let metrics: MetricsApis;
  const resource = () => metrics.apis[0] as MetricsApis["apis"][number];
  const custom = () => metrics.apis[1] as MetricsApis["apis"][number];
  const q = (s = "") => new URLSearchParams(s);

  const node = async (name: string, ready: boolean) => {
    await client.create(NodeType, { apiVersion: "v1", kind: "Node", metadata: { name } } as KubeObject);
    await client.patch(
      NodeType,
      name,
      undefined,
      {
        type: "merge",
        body: { status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } },
      },
      { subresource: "status" },
    );
  };
  const runPod = async (
    name: string,
    nodeName: string,
    labels: Record<string, string>,
    a = {},
    phase = "Running",
  ) => {
    await client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels, annotations: a },
      spec: { nodeName, containers: [{ name: "main", image: "x" }] },
    } as KubeObject);
    await client.patch(
      PodType,
      name,
      "default",
      { type: "merge", body: { status: { phase } } },
      { subresource: "status" },
    );
  };

  beforeAll(async () => {
    await node("n1", true);
    await node("n2", false);
    await runPod(
      "a",
      "n1",
      { app: "x" },
      { "sim.grove-ts.dev/cpu": "500m", "sim.grove-ts.dev/metrics": "rps=40" },
    );
    await runPod("b", "n1", { app: "y" }, { "sim.grove-ts.dev/metrics": "rps=2" });
    await runPod("pending", "n1", { app: "x" }, {}, "Pending");
    await runPod("lost", "n2", { app: "x" }, { "sim.grove-ts.dev/metrics": "rps=9" });
    metrics = createMetricsApis(client, { logger: noopLogger });
  });
  afterAll(async () => {
    await metrics.stop();
    await server.close();
  });

  it("PodMetrics: only Running pods on Ready nodes, by label and field selector, one by name", async () => {
    const list = (await resource().get(["namespaces", "default", "pods"], q())) as {
      kind: string;
      items: { metadata: { name: string }; window: string; containers: unknown[] }[];
    };
    expect(list.kind).toBe("PodMetricsList");
    expect(list.items.map((i) => i.metadata.name)).toEqual(["a", "b"]);
    expect(list.items[0]).toMatchObject({
      window: "30s",
      containers: [{ name: "main", usage: { cpu: "500m", memory: "1Mi" } }],
    });
    const x = (await resource().get(["pods"], q("labelSelector=app%3Dx"))) as {
      items: { metadata: { name: string } }[];
    };
    expect(x.items.map((i) => i.metadata.name)).toEqual(["a"]);
    const byField = (await resource().get(
      ["namespaces", "default", "pods"],
      q("fieldSelector=metadata.name%3Db"),
    )) as {
      items: { metadata: { name: string } }[];
    };
    expect(byField.items.map((i) => i.metadata.name)).toEqual(["b"]);
    expect(await resource().get(["namespaces", "default", "pods", "b"], q())).toMatchObject({
      kind: "PodMetrics",
    });
    await expect(resource().get(["namespaces", "default", "pods", "pending"], q())).rejects.toThrow(
      'podmetrics.metrics.k8s.io "default/pending" not found',
    );
    await expect(resource().get(["pods"], q("labelSelector=app%3D%3D%3Dx"))).rejects.toThrow();
  });

  it("NodeMetrics: Ready nodes only, usage the sum of their measured pods", async () => {
    const list = (await resource().get(["nodes"], q())) as {
      items: { metadata: { name: string }; usage: unknown }[];
    };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ metadata: { name: "n1" }, usage: { cpu: "501m", memory: "2Mi" } });
    await expect(resource().get(["nodes", "n2"], q())).rejects.toThrow(
      'nodemetrics.metrics.k8s.io "n2" not found',
    );
  });

  it("custom metrics: pods/*/<metric> by label selector, pods/<name>/<metric>, discovery lists the metrics", async () => {
    const all = (await custom().get(["namespaces", "default", "pods", "*", "rps"], q())) as {
      kind: string;
      items: { describedObject: { name: string }; value: string; windowSeconds: number }[];
    };
    expect(all.kind).toBe("MetricValueList");
    expect(all.items.map((i) => [i.describedObject.name, i.value])).toEqual([
      ["a", "40"],
      ["b", "2"],
    ]);
    const x = (await custom().get(
      ["namespaces", "default", "pods", "*", "rps"],
      q("labelSelector=app%3Dx"),
    )) as {
      items: {
        describedObject: { kind: string; name: string; namespace: string };
        metric: { name: string };
      }[];
    };
    expect(x.items).toEqual([
      expect.objectContaining({
        describedObject: { kind: "Pod", namespace: "default", name: "a", apiVersion: "v1" },
        metric: { name: "rps" },
        windowSeconds: 30,
      }),
    ]);
    expect(await custom().get(["namespaces", "default", "pods", "b", "rps"], q())).toMatchObject({
      items: [{ value: "2" }],
    });
    await expect(custom().get(["namespaces", "default", "pods", "lost", "rps"], q())).rejects.toThrow(
      "could not find the metric rps for pods lost",
    );
    expect(custom().resources()).toEqual([
      { name: "pods/rps", namespaced: true, kind: "MetricValueList", verbs: ["get"] },
    ]);
  });

  it("a load schedule annotates the matching pods", async () => {
    const stop = startLoadSchedule(
      client,
      [{ at: 0, namespace: "default", selector: "app=y", cpu: "2" }],
      noopLogger,
    );
    const end = Date.now() + 10_000;
    for (;;) {
      const b = (await client.get(PodType, "b", "default")) as KubeObject;
      if (b.metadata.annotations?.["sim.grove-ts.dev/cpu"] === "2") break;
      if (Date.now() > end) throw new Error("pod b was not annotated");
      await new Promise((r) => setTimeout(r, 25));
    }
    await stop();
    const a = (await client.get(PodType, "a", "default")) as KubeObject;
    expect(a.metadata.annotations?.["sim.grove-ts.dev/cpu"]).toBe("500m");
  });
});
