// Issue 14 item 5, first half: grove-sim serves the metrics APIs an HPA reads, from the pods' load
// annotations (apps/simulator README "Metrics and load"), checked with the real kubectl: `kubectl
// top pod` / `top node` show the annotated usage (split over containers by CPU requests), a pod
// without annotations the default 1m / 1Mi, custom metrics by label selector through
// `kubectl get --raw`, a bad value a Warning Event, and a cluster file's `load:` scenario changing
// usage over time. On our API server the groups are mounted (ApiServer.mountApi); on the real
// control plane grove-sim serves them behind kube-apiserver's aggregator (APIServices).
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { target } from "../src/target.js";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

/** When the load scenario's two steps run, in seconds after grove-sim's nodes started. */
const STEP1 = 15;
const STEP2 = 30;

const cluster: ClusterSpec = {
  name: "grove-e2e-metrics",
  pools: [
    { name: "m", count: 2, namePrefix: "m-node-", allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
  ],
  load: [
    { at: STEP1, namespace: "default", selector: "app=ramp", cpu: "300m", metrics: { queue_length: "3" } },
    { at: STEP2, namespace: "default", selector: "app=ramp", cpu: "900m", metrics: { queue_length: "12" } },
  ],
};

const pod = (
  name: string,
  node: string,
  app: string,
  annotations: Record<string, string> = {},
) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
  labels: { app: ${app} }
  annotations: ${JSON.stringify(annotations)}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - { name: main, image: busybox:1.36, resources: { requests: { cpu: 100m } } }
    - { name: side, image: busybox:1.36, resources: { requests: { cpu: 200m } } }
`;

describe("metrics APIs served by grove-sim (kubectl top, custom metrics)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster });
    const pods = [
      pod("ramp-0", "m-node-1", "ramp"),
      pod("web-0", "m-node-0", "web", {
        "sim.grove-ts.dev/cpu": "750m",
        "sim.grove-ts.dev/memory": "64Mi",
        "sim.grove-ts.dev/metrics": "requests_per_second=40",
      }),
      pod("web-1", "m-node-0", "web", {
        "sim.grove-ts.dev/metrics": "requests_per_second=10,queue_length=500m",
      }),
      pod("other", "m-node-0", "other", { "sim.grove-ts.dev/metrics": "requests_per_second=99" }),
      pod("idle", "m-node-0", "idle"),
    ];
    await e2e.kubectl.ok(["apply", "-f", "-"], pods.join("---\n"));
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** Polls until `probe` holds; the last output goes into the timeout message. */
  const until = (what: string, probe: () => Promise<{ ok: boolean; state: string }>) =>
    waitFor(what, probe, { intervalMs: 500, timeoutMs: 90_000 });
  /** `kubectl top pod NAME --containers` rows as [container, cpu, memory], once it answers. */
  const topContainers = async (name: string): Promise<string[][]> => {
    const r = await e2e.kubectl.run(["top", "pod", name, "--containers", "--no-headers"]);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/).slice(1));
  };
  const rawJson = async (path: string) =>
    JSON.parse(await e2e.kubectl.ok(["get", "--raw", path])) as Record<string, unknown>;

  it("kubectl top pod shows the annotated usage, split over containers by CPU requests", async () => {
    await until("kubectl top pod web-0", async () => {
      const rows = await topContainers("web-0");
      return { ok: rows.length === 2, state: JSON.stringify(rows) };
    });
    expect(await topContainers("web-0")).toEqual([
      ["main", "250m", "32Mi"],
      ["side", "500m", "32Mi"],
    ]);
    const top = await e2e.kubectl.ok(["top", "pod", "-l", "app=web", "--no-headers"]);
    expect(
      top
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/)),
    ).toEqual([
      ["web-0", "750m", "64Mi"],
      ["web-1", "2m", "2Mi"],
    ]);
  });

  it("a pod without annotations uses the default 1m CPU and 1Mi memory per container", async () => {
    await until("kubectl top pod idle", async () => {
      const rows = await topContainers("idle").catch(() => []);
      return { ok: rows.length === 2, state: JSON.stringify(rows) };
    });
    expect(await topContainers("idle")).toEqual([
      ["main", "1m", "1Mi"],
      ["side", "1m", "1Mi"],
    ]);
  });

  it("kubectl top node: a node's usage is the sum of its pods'", async () => {
    await until("kubectl top node m-node-0", async () => {
      const r = await e2e.kubectl.run(["top", "node", "m-node-0", "--no-headers"]);
      return { ok: r.code === 0 && /^m-node-0\s+\d+m/.test(r.stdout.trim()), state: r.stdout + r.stderr };
    });
    const row = (await e2e.kubectl.ok(["top", "node", "m-node-0", "--no-headers"])).trim().split(/\s+/);
    // web-0 750m, web-1, other and idle 2m each.
    expect(row.slice(0, 2)).toEqual(["m-node-0", "756m"]);
    expect(row[2]).toBe("18%");
  });

  it("custom metrics: pods/*/<metric> by label selector and pods/<name>/<metric>, with the annotated values", async () => {
    const base = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods";
    const list = await rawJson(`${base}/*/requests_per_second?labelSelector=app%3Dweb`);
    expect(list.kind).toBe("MetricValueList");
    const items = list.items as {
      describedObject: Record<string, string>;
      metric: { name: string };
      value: string;
    }[];
    expect(
      items.map((i) => [i.describedObject.kind, i.describedObject.name, i.metric.name, i.value]),
    ).toEqual([
      ["Pod", "web-0", "requests_per_second", "40"],
      ["Pod", "web-1", "requests_per_second", "10"],
    ]);
    const one = await rawJson(`${base}/web-1/queue_length`);
    expect((one.items as { value: string }[]).map((i) => i.value)).toEqual(["500m"]);
    const missing = await e2e.kubectl.run(["get", "--raw", `${base}/idle/queue_length`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NotFound");
    // Discovery lists the metrics pods carry.
    const resources = (await rawJson("/apis/custom.metrics.k8s.io/v1beta2")).resources as { name: string }[];
    expect(resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["pods/requests_per_second", "pods/queue_length"]),
    );
    const groups = await e2e.kubectl.ok(["api-versions"]);
    expect(groups).toContain("metrics.k8s.io/v1beta1");
    expect(groups).toContain("custom.metrics.k8s.io/v1beta2");
  });

  it.runIf(target === "kube")(
    "kube: the APIServices are Available and kube-controller-manager's HPA controller may read them",
    async () => {
      const apiservices = await e2e.kubectl.ok(["get", "apiservices", "--no-headers"]);
      for (const name of ["v1beta1.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"])
        expect(apiservices).toMatch(
          new RegExp(`${name.replace(/\./g, "\\.")}\\s+kube-system/grove-sim-metrics\\s+True`),
        );
      // The requests kube-controller-manager's HPA controller makes, as kube-apiserver authorizes them.
      const allowed = async (attrs: Record<string, string>) => {
        const review = {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
            resourceAttributes: { namespace: "default", ...attrs },
          },
        };
        const out = await e2e.kubectl.ok(["create", "-f", "-", "-o", "json"], JSON.stringify(review));
        return (JSON.parse(out) as { status: { allowed: boolean } }).status.allowed;
      };
      expect(await allowed({ verb: "list", group: "metrics.k8s.io", resource: "pods" })).toBe(true);
      expect(
        await allowed({
          verb: "get",
          group: "custom.metrics.k8s.io",
          resource: "pods",
          name: "*",
          subresource: "requests_per_second",
        }),
      ).toBe(true);
    },
  );

  it("a bad load annotation: a Warning Event naming it, and the default used", async () => {
    await e2e.kubectl.ok(["annotate", "pod", "idle", "sim.grove-ts.dev/cpu=lots"]);
    const messages = () =>
      e2e.kubectl.ok([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=idle,type=Warning",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
    await until("Warning Event on idle", async () => {
      const m = await messages();
      return { ok: m.includes("sim.grove-ts.dev/cpu"), state: m };
    });
    expect(await messages()).toContain(
      'annotation sim.grove-ts.dev/cpu: "lots": must be a non-negative CPU quantity such as "750m" or "2"; the default is used',
    );
    expect(await topContainers("idle")).toEqual([
      ["main", "1m", "1Mi"],
      ["side", "1m", "1Mi"],
    ]);
  });

  it("a cluster file's load scenario changes the usage over time", async () => {
    const cpu = async () => (await topContainers("ramp-0").catch(() => [])).map((r) => r[1]).join(",");
    const queue = async () => {
      const r = await e2e.kubectl.run([
        "get",
        "--raw",
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/queue_length?labelSelector=app%3Dramp",
      ]);
      return r.code === 0 ? ((JSON.parse(r.stdout).items as { value: string }[])[0]?.value ?? "") : "";
    };
    await until(`ramp-0 at step 1 (${STEP1} s): 300m`, async () => {
      const c = await cpu();
      return { ok: c === "100m,200m" || c === "300m,600m", state: c };
    });
    // Step 1 may have passed by now on a slow start; step 2 comes after it either way.
    if ((await cpu()) === "100m,200m") expect(await queue()).toBe("3");
    await until(`ramp-0 at step 2 (${STEP2} s): 900m`, async () => {
      const c = await cpu();
      return { ok: c === "300m,600m", state: c };
    });
    expect(await queue()).toBe("12");
  });
});
