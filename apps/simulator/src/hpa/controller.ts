// grove-sim's HorizontalPodAutoscaler controller: on our API server it plays the part
// kube-controller-manager's horizontal-pod-autoscaler-controller plays on a real cluster (which
// grove-sim runs instead on the real control plane). Every sync period each autoscaling/v2 HPA is
// reconciled as horizontal.go's reconcileAutoscaler does: read the target's /scale (spec.replicas
// and status.selector), list the selected pods, let each metric propose a count
// (./compute.ts, ./replica-calc.ts), clamp and stabilise it (./behavior.ts), write the new count
// through /scale, then status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
// conditions AbleToScale / ScalingActive / ScalingLimited) and Events with kcm's reasons.
import { PodCliqueScalingGroupType, PodCliqueSetType, PodCliqueType } from "@grove-ts/api";
import {
  type Client,
  type Condition,
  createEventRecorder,
  deepEqual,
  type EventRecorder,
  HorizontalPodAutoscalerType,
  isApiError,
  type KubeObject,
  type Logger,
  noopLogger,
  PodType,
  type ResourceType,
  rfc3339,
  type Scale,
  setCondition,
} from "@grove-ts/runtime";
import { type Behavior, type Normalized, ScaleHistory } from "./behavior.js";
import { computeReplicas, DEFAULT_METRICS, type MetricSpec, type MetricStatus } from "./compute.js";
import { type MetricsSource, milli } from "./metrics.js";
import { type CalcOptions, DEFAULT_TOLERANCES, type Tolerances } from "./replica-calc.js";
import type { HpaSettings } from "./settings.js";

export interface HpaOptions extends HpaSettings {
  logger?: Logger;
}

export interface HpaController {
  start(): Promise<void>;
  /** One pass over every HPA (what each sync period does). */
  syncAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface Hpa extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: Behavior;
  };
  status?: HpaStatus;
}

export interface HpaStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: Condition[];
}

const APPS = (kind: string, plural: string): ResourceType => ({
  apiVersion: "apps/v1",
  kind,
  plural,
  namespaced: true,
});

/** The kinds whose /scale grove-sim's API server serves, by "group/kind". */
const SCALABLE: Record<string, ResourceType> = Object.fromEntries(
  [
    PodCliqueType,
    PodCliqueScalingGroupType,
    PodCliqueSetType,
    APPS("Deployment", "deployments"),
    APPS("StatefulSet", "statefulsets"),
    APPS("ReplicaSet", "replicasets"),
  ].map((t) => [`${t.apiVersion.split("/")[0]}/${t.kind}`, t]),
);

const group = (apiVersion: string | undefined): string =>
  (apiVersion?.includes("/") ? apiVersion.split("/")[0] : "") ?? "";

function tolerances(behavior: Behavior | undefined, base: number): Tolerances {
  const t = (v: string | number | undefined) => (v === undefined ? base : (milli(v) ?? base * 1000) / 1000);
  return { scaleUp: t(behavior?.scaleUp?.tolerance), scaleDown: t(behavior?.scaleDown?.tolerance) };
}

export function createHpaController(
  client: Client,
  metrics: MetricsSource,
  options: HpaOptions = {},
): HpaController {
  const log = options.logger ?? noopLogger;
  const syncPeriodMs = options.syncPeriodMs ?? 15_000;
  const downscaleMs = options.downscaleStabilizationMs ?? 300_000;
  const events: EventRecorder = createEventRecorder(client, {
    component: "horizontal-pod-autoscaler",
    logger: log,
  });
  const histories = new Map<string, ScaleHistory>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const reconcile = async (hpa: Hpa): Promise<void> => {
    const ns = hpa.metadata.namespace ?? "default";
    const key = `${ns}/${hpa.metadata.name}`;
    const history = histories.get(key) ?? new ScaleHistory();
    histories.set(key, history);
    const now = Date.now();
    const date = new Date(now);
    const prev = hpa.status;
    let conditions = prev?.conditions ?? [];
    const cond = (type: string, status: "True" | "False", reason: string, message: string) => {
      conditions = setCondition(conditions, { type, status, reason, message }, date);
    };
    const writeStatus = async (status: Omit<HpaStatus, "conditions">) => {
      const next: HpaStatus = {
        ...(hpa.metadata.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
        ...status,
        conditions,
      };
      if (deepEqual(prev ?? {}, next)) return;
      try {
        await client.updateStatus<Hpa>(HorizontalPodAutoscalerType, { ...hpa, status: next });
      } catch (err) {
        // A newer HPA (Conflict) or a deleted one: the next sync reads it again.
        log.debug("hpa status not written", { hpa: key, error: (err as Error).message });
      }
    };
    const ref = hpa.spec.scaleTargetRef;
    const type = SCALABLE[`${group(ref.apiVersion)}/${ref.kind}`];
    let scale: Scale | undefined;
    let scaleError = "";
    try {
      if (!type)
        scaleError = `unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group(ref.apiVersion)}"`;
      else {
        scale = await client.getScale(type, ref.name, ns);
        if (!scale) scaleError = `${type.plural}.${group(type.apiVersion)} "${ref.name}" not found`;
      }
    } catch (err) {
      scaleError = (err as Error).message;
    }
    if (!type || !scale) {
      events.event(hpa, "Warning", "FailedGetScale", scaleError);
      cond(
        "AbleToScale",
        "False",
        "FailedGetScale",
        `the HPA controller was unable to get the target's current scale: ${scaleError}`,
      );
      await writeStatus({
        ...(prev?.lastScaleTime ? { lastScaleTime: prev.lastScaleTime } : {}),
        currentReplicas: prev?.currentReplicas ?? 0,
        desiredReplicas: prev?.desiredReplicas ?? 0,
        ...(prev?.currentMetrics ? { currentMetrics: prev.currentMetrics } : {}),
      });
      return;
    }
    cond(
      "AbleToScale",
      "True",
      "SucceededGetScale",
      "the HPA controller was able to get the target's current scale",
    );
    const current = scale.spec.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    history.initial(current, now);
    let desired = 0;
    let reason = "";
    let statuses: MetricStatus[] | undefined = prev?.currentMetrics;
    let rescale = true;
    if (current === 0 && min !== 0) {
      desired = 0;
      rescale = false;
      cond(
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
      );
    } else if (current > max) {
      reason = "Current number of replicas above Spec.MaxReplicas";
      desired = max;
    } else if (current < min) {
      reason = "Current number of replicas below Spec.MinReplicas";
      desired = min;
    } else {
      const selector = scale.status.selector;
      if (!selector) {
        const msg = "selector is required";
        events.event(hpa, "Warning", "SelectorRequired", msg);
        cond("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector");
        await writeStatus({
          ...lastScale(prev),
          currentReplicas: current,
          desiredReplicas: prev?.desiredReplicas ?? 0,
          ...(statuses ? { currentMetrics: statuses } : {}),
        });
        return;
      }
      const pods = (await client.list(PodType, { namespace: ns, labelSelector: selector })).items;
      const specs = hpa.spec.metrics?.length ? hpa.spec.metrics : DEFAULT_METRICS;
      const calc: CalcOptions = {
        tolerances: tolerances(hpa.spec.behavior, options.tolerance ?? DEFAULT_TOLERANCES.scaleUp),
        ...(options.cpuInitializationPeriodMs !== undefined
          ? { cpuInitializationPeriodMs: options.cpuInitializationPeriodMs }
          : {}),
        ...(options.initialReadinessDelayMs !== undefined
          ? { initialReadinessDelayMs: options.initialReadinessDelayMs }
          : {}),
        nowMs: now,
      };
      const proposal = await computeReplicas(specs, current, ns, selector, pods, metrics, calc);
      for (const f of proposal.failures) events.event(hpa, "Warning", f.reason, f.message);
      statuses = proposal.statuses;
      if (proposal.invalid !== undefined) {
        const first = proposal.failures[0];
        cond(
          "ScalingActive",
          "False",
          first?.reason ?? "FailedGetMetric",
          `the HPA was unable to compute the replica count: ${first?.message ?? proposal.invalid}`,
        );
        events.event(hpa, "Warning", "FailedComputeMetricsReplicas", proposal.invalid);
        await writeStatus({
          ...lastScale(prev),
          currentReplicas: current,
          desiredReplicas: prev?.desiredReplicas ?? 0,
          currentMetrics: statuses,
        });
        return;
      }
      cond(
        "ScalingActive",
        "True",
        "ValidMetricFound",
        `the HPA was able to successfully calculate a replica count from ${proposal.metricName}`,
      );
      desired = proposal.replicas;
      if (desired > current) reason = `${proposal.metricName} above target`;
      if (desired < current) reason = "All metrics below target";
      const n: Normalized = hpa.spec.behavior
        ? history.normalizeWithBehavior(hpa.spec.behavior, current, desired, min, max, downscaleMs, now)
        : history.normalize(current, desired, min, max, downscaleMs, now);
      cond("AbleToScale", n.ableToScale.status, n.ableToScale.reason, n.ableToScale.message);
      cond("ScalingLimited", n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message);
      desired = n.replicas;
      rescale = desired !== current;
    }
    if (rescale) {
      try {
        await client.updateScale(type, ref.name, ns, desired);
      } catch (err) {
        const message = isApiError(err) ? err.message : (err as Error).message;
        events.event(
          hpa,
          "Warning",
          "FailedRescale",
          `New size: ${desired}; reason: ${reason}; error: ${message}`,
        );
        cond(
          "AbleToScale",
          "False",
          "FailedUpdateScale",
          `the HPA controller was unable to update the target scale: ${message}`,
        );
        await writeStatus({
          ...lastScale(prev),
          currentReplicas: current,
          desiredReplicas: prev?.desiredReplicas ?? 0,
          ...(statuses ? { currentMetrics: statuses } : {}),
        });
        return;
      }
      cond(
        "AbleToScale",
        "True",
        "SucceededRescale",
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      events.event(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`);
      history.scaled(hpa.spec.behavior, current, desired, downscaleMs, now);
      log.info("hpa rescaled", { hpa: key, from: current, to: desired, reason });
    }
    await writeStatus({
      ...(rescale ? { lastScaleTime: rfc3339(date) } : lastScale(prev)),
      currentReplicas: current,
      desiredReplicas: desired,
      ...(statuses ? { currentMetrics: statuses } : {}),
    });
  };

  const syncAll = async (): Promise<void> => {
    const hpas = (await client.list<Hpa>(HorizontalPodAutoscalerType)).items;
    const live = new Set<string>();
    for (const hpa of hpas) {
      if (stopped) return;
      live.add(`${hpa.metadata.namespace}/${hpa.metadata.name}`);
      if (hpa.metadata.deletionTimestamp) continue;
      try {
        await reconcile(hpa);
      } catch (err) {
        log.warn("hpa sync failed", {
          hpa: `${hpa.metadata.namespace}/${hpa.metadata.name}`,
          error: (err as Error).message,
        });
      }
    }
    for (const key of histories.keys()) if (!live.has(key)) histories.delete(key);
  };

  const tick = (): void => {
    if (stopped) return;
    running = syncAll()
      .catch((err: unknown) => log.warn("hpa sync failed", { error: (err as Error).message }))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, syncPeriodMs);
      });
  };

  return {
    async start() {
      log.info("hpa controller started", { syncPeriodMs, downscaleStabilizationMs: downscaleMs });
      tick();
    },
    syncAll,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      // The Events of the last sync are written before the controller goes.
      await events.flush();
      await events.stop();
    },
  };
}

const lastScale = (prev: HpaStatus | undefined): { lastScaleTime?: string } =>
  prev?.lastScaleTime ? { lastScaleTime: prev.lastScaleTime } : {};
