// grove-sim's HPA controller against our in-process API server (no mocked server): a PodClique
// with its scale subresource (spec.replicas, status.hpaPodSelector), pods as a kubelet leaves them,
// an autoscaling/v2 HPA, and a metrics source standing in for metrics.k8s.io / custom metrics.
// Each test drives syncAll() (one sync period) and reads what kube-controller-manager would write:
// the scale, status, conditions and Events.
import { groveCrds, PodCliqueType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  type CoreEvent,
  CustomResourceDefinitionType,
  EventType,
  HorizontalPodAutoscalerType,
  type KubeObject,
  PodType,
} from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHpaController, type Hpa, type HpaOptions } from "../src/hpa/controller.js";
import { MetricsError, type MetricsSource } from "../src/hpa/metrics.js";
import type { PodMetrics } from "../src/hpa/replica-calc.js";

const NS = "default";
const SELECTOR = "app=web";
const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

let api: InProcessApiServer;
let client: Client;
/** Per pod name: CPU usage (milli) and the custom metric `rps` (milli); absent = no sample. */
let cpu: Record<string, number>;
let rps: Record<string, number>;
let failMetrics: string | undefined;

const source: MetricsSource = {
  async resource(_ns, _sel, resource) {
    if (failMetrics) throw new MetricsError(failMetrics);
    if (resource !== "cpu") return new Map();
    return sample(cpu);
  },
  async pods() {
    return sample(rps);
  },
};

function sample(values: Record<string, number>): PodMetrics {
  return new Map(
    Object.entries(values).map(([name, value]) => [
      name,
      { timestampMs: Date.now(), windowMs: 30_000, value },
    ]),
  );
}

async function pclq(name: string, replicas: number): Promise<void> {
  await client.create(PodCliqueType, {
    apiVersion: PodCliqueType.apiVersion,
    kind: PodCliqueType.kind,
    metadata: { name, namespace: NS },
    spec: { roleName: name, replicas, podSpec: { containers: [{ name: "c", image: "busybox" }] } },
  } as KubeObject);
  const live = await client.get<KubeObject & { status?: unknown }>(PodCliqueType, name, NS);
  await client.updateStatus(PodCliqueType, {
    ...live,
    status: { replicas, hpaPodSelector: SELECTOR },
  } as KubeObject);
}

/** A Running, Ready pod requesting 1 CPU, started an hour ago. */
async function pod(name: string): Promise<void> {
  const created = await client.create<KubeObject>(PodType, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "1" } } }] },
  } as KubeObject);
  await client.updateStatus(PodType, {
    ...created,
    status: {
      phase: "Running",
      startTime: LONG_AGO,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: LONG_AGO }],
    },
  } as KubeObject);
}

async function hpa(spec: Partial<Hpa["spec"]> = {}): Promise<void> {
  await client.create(HorizontalPodAutoscalerType, {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: "grove.io/v1alpha1", kind: "PodClique", name: "web" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
      ...spec,
    },
  } as KubeObject);
}

const replicas = async (): Promise<number | undefined> =>
  (await client.getScale(PodCliqueType, "web", NS))?.spec.replicas;
const status = async () => (await client.get<Hpa>(HorizontalPodAutoscalerType, "web", NS))?.status;
const condition = async (type: string) => (await status())?.conditions?.find((c) => c.type === type);

async function events(reason: string): Promise<string[]> {
  const list = await client.list<CoreEvent>(EventType, { namespace: NS });
  return list.items.filter((e) => e.reason === reason).map((e) => e.message);
}

/** One sync by a fresh controller (no memory of earlier recommendations), its Events written. */
async function sync(options: HpaOptions = {}): Promise<void> {
  const ctl = createHpaController(client, source, options);
  await ctl.syncAll();
  await ctl.stop();
}

beforeEach(async () => {
  api = createApiServer();
  client = api.client;
  for (const crd of groveCrds())
    await client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  cpu = {};
  rps = {};
  failMetrics = undefined;
  await pclq("web", 2);
  await pod("web-0");
  await pod("web-1");
});

afterEach(async () => {
  await api.close();
});

describe("HPA controller", () => {
  it("scales a PodClique up through /scale, clamped to maxReplicas, and says why", async () => {
    cpu = { "web-0": 900, "web-1": 900 };
    await hpa({ maxReplicas: 3 });
    await sync();
    // 90% of request against 50%: ceil(1.8 x 2) = 4, limited to 3.
    expect(await replicas()).toBe(3);
    const s = await status();
    expect(s).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [
        {
          type: "Resource",
          resource: { name: "cpu", current: { averageUtilization: 90, averageValue: "900m" } },
        },
      ],
    });
    expect(s?.lastScaleTime).toBeDefined();
    expect(await condition("AbleToScale")).toMatchObject({ status: "True", reason: "SucceededRescale" });
    expect(await condition("ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound" });
    expect(await condition("ScalingLimited")).toMatchObject({ status: "True", reason: "TooManyReplicas" });
    expect(await events("SuccessfulRescale")).toEqual([
      "New size: 3; reason: cpu resource utilization (percentage of request) above target",
    ]);
  });

  it("keeps the count inside the tolerance", async () => {
    cpu = { "web-0": 540, "web-1": 540 };
    await hpa();
    await sync();
    expect(await replicas()).toBe(2);
    expect(await condition("AbleToScale")).toMatchObject({ reason: "ReadyForNewScale" });
    expect((await status())?.lastScaleTime).toBeUndefined();
  });

  it("holds a scale-down for the stabilisation window, then takes it", async () => {
    cpu = { "web-0": 500, "web-1": 500 };
    await hpa();
    const ctl = createHpaController(client, source, { downscaleStabilizationMs: 60_000 });
    await ctl.syncAll();
    cpu = { "web-0": 100, "web-1": 100 };
    await ctl.syncAll();
    expect(await replicas()).toBe(2);
    expect(await condition("AbleToScale")).toMatchObject({ reason: "ScaleDownStabilized" });
    await ctl.stop();
    // Without a window (a new controller forgets the recommendations, as a restarted kcm does).
    await sync({ downscaleStabilizationMs: 0 });
    expect(await replicas()).toBe(1);
    expect(await events("SuccessfulRescale")).toEqual(["New size: 1; reason: All metrics below target"]);
  });

  it("scales on a pods metric (custom metrics) by AverageValue", async () => {
    rps = { "web-0": 30_000, "web-1": 50_000 };
    await hpa({
      metrics: [
        {
          type: "Pods",
          pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } },
        },
      ],
    });
    await sync();
    // ceil(40 / 10 x 2) = 8, but one sync without behavior goes to max(2 x 2, 4) at most.
    expect(await replicas()).toBe(4);
    expect(await condition("ScalingLimited")).toMatchObject({ status: "True", reason: "ScaleUpLimit" });
    expect((await status())?.currentMetrics).toEqual([
      { type: "Pods", pods: { metric: { name: "rps" }, current: { averageValue: "40" } } },
    ]);
  });

  it("honours behavior: at most one pod per minute up", async () => {
    cpu = { "web-0": 2000, "web-1": 2000 };
    await hpa({ behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } } });
    const ctl = createHpaController(client, source);
    await ctl.syncAll();
    expect(await replicas()).toBe(3);
    expect(await condition("ScalingLimited")).toMatchObject({ status: "True", reason: "ScaleUpLimit" });
    await pod("web-2");
    cpu["web-2"] = 2000;
    await ctl.syncAll();
    expect(await replicas()).toBe(3);
    await ctl.stop();
  });

  it("reports metrics it cannot get: an Event and ScalingActive=False, the count unchanged", async () => {
    failMetrics = "the server is currently unable to handle the request";
    await hpa();
    await sync();
    expect(await replicas()).toBe(2);
    expect(await condition("ScalingActive")).toMatchObject({
      status: "False",
      reason: "FailedGetResourceMetric",
    });
    expect(await events("FailedGetResourceMetric")).toEqual([
      "failed to get cpu utilization: unable to get metrics for resource cpu: the server is currently unable to handle the request",
    ]);
  });

  it("refuses a target it cannot scale: AbleToScale=False FailedGetScale", async () => {
    await client.create(HorizontalPodAutoscalerType, {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: "grove.io/v1alpha1", kind: "PodClique", name: "absent" },
        maxReplicas: 3,
      },
    } as KubeObject);
    await sync();
    expect(await condition("AbleToScale")).toMatchObject({ status: "False", reason: "FailedGetScale" });
  });

  it("does nothing with a target scaled to zero", async () => {
    await client.updateScale(PodCliqueType, "web", NS, 0);
    cpu = { "web-0": 900, "web-1": 900 };
    await hpa();
    await sync();
    expect(await replicas()).toBe(0);
    expect(await condition("ScalingActive")).toMatchObject({ status: "False", reason: "ScalingDisabled" });
  });
});
