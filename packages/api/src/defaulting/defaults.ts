// Defaulting, grove-api.md §8: the CRD `default:` values the API server applies first, then the
// mutating webhook `podcliqueset-defaulting-webhook`. Every function is pure (returns a new object),
// idempotent, and tolerant of mistyped input (it only fills what is absent; it never coerces).

import { clone } from "../json.js";
import type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "../validation/api-types.js";
import { arr, has, isObj, type Obj } from "../validation/json.js";

export const DefaultNamespace = "default";
export const DefaultTerminationDelay = "4h";
export const DefaultTerminationGracePeriodSeconds = 30;
export const DefaultRestartPolicy = "Always";
export const DefaultCliqueStartupType = "CliqueStartupTypeAnyOrder";
export const DefaultUpdateStrategyType = "RollingRecreate";

function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (!has(o, key)) o[key] = value;
}

function statusCountersDefault(status: unknown, keys: string[]): void {
  if (!isObj(status)) return;
  for (const k of keys) setIfAbsent(status, k, 0);
}

/** CRD defaults of the PodCliqueSet schema only (the API server's part of §8). */
function applyPodCliqueSetCRDDefaults(pcs: Obj): void {
  const spec = pcs.spec;
  if (isObj(spec)) {
    setIfAbsent(spec, "replicas", 0);
    if (isObj(spec.updateStrategy)) setIfAbsent(spec.updateStrategy, "type", DefaultUpdateStrategyType);
    const tpl = spec.template;
    if (isObj(tpl)) {
      setIfAbsent(tpl, "cliqueStartupType", DefaultCliqueStartupType);
      if (isObj(tpl.headlessServiceConfig)) {
        setIfAbsent(tpl.headlessServiceConfig, "publishNotReadyAddresses", true);
      }
      for (const g of arr(tpl.podCliqueScalingGroups)) {
        if (!isObj(g)) continue;
        setIfAbsent(g, "replicas", 1);
        setIfAbsent(g, "minAvailable", 1);
      }
    }
  }
  const status = pcs.status;
  statusCountersDefault(status, ["updatedReplicas", "availableReplicas"]);
  if (isObj(status)) {
    statusCountersDefault(status.updateProgress, [
      "updatedPodCliquesCount",
      "totalPodCliquesCount",
      "updatedPodCliqueScalingGroupsCount",
      "totalPodCliqueScalingGroupsCount",
    ]);
  }
}

/** The mutating webhook's part of §8 (rules 1-8), applied after the CRD defaults. */
function applyPodCliqueSetWebhookDefaults(pcs: Obj): void {
  // 1. namespace
  if (!isObj(pcs.metadata)) pcs.metadata = {};
  const meta = pcs.metadata as Obj;
  if (typeof meta.namespace !== "string" || meta.namespace === "") meta.namespace = DefaultNamespace;

  const spec = pcs.spec;
  if (!isObj(spec)) return;
  const tpl = spec.template;
  if (!isObj(tpl)) return;
  // 2. terminationDelay
  setIfAbsent(tpl, "terminationDelay", DefaultTerminationDelay);
  // 3. headlessServiceConfig
  setIfAbsent(tpl, "headlessServiceConfig", { publishNotReadyAddresses: true });

  for (const c of arr(tpl.cliques)) {
    if (!isObj(c) || !isObj(c.spec)) continue;
    const cs = c.spec;
    if (isObj(cs.podSpec)) {
      // 4. restartPolicy, 5. terminationGracePeriodSeconds
      if (!has(cs.podSpec, "restartPolicy") || cs.podSpec.restartPolicy === "") {
        cs.podSpec.restartPolicy = DefaultRestartPolicy;
      }
      setIfAbsent(cs.podSpec, "terminationGracePeriodSeconds", DefaultTerminationGracePeriodSeconds);
    }
    // 6 and 7. Quirk kept on purpose (§2.3): minAvailable and autoScalingConfig.minReplicas take the
    // replicas AS SUBMITTED, so `replicas: 0` (or absent) yields replicas 1 but minAvailable 0, which
    // validation then rejects.
    // A mistyped replicas is left for the structural check to report; nothing is derived from it.
    const submitted = has(cs, "replicas") ? cs.replicas : 0;
    if (typeof submitted !== "number") continue;
    if (submitted === 0) cs.replicas = 1;
    setIfAbsent(cs, "minAvailable", submitted);
    if (isObj(cs.autoScalingConfig)) setIfAbsent(cs.autoScalingConfig, "minReplicas", submitted);
  }

  // 8. PCSG scaleConfig.minReplicas ← PCSG replicas (after its CRD default of 1).
  for (const g of arr(tpl.podCliqueScalingGroups)) {
    if (!isObj(g) || !isObj(g.scaleConfig)) continue;
    const replicas = has(g, "replicas") ? g.replicas : 1;
    if (typeof replicas === "number") setIfAbsent(g.scaleConfig, "minReplicas", replicas);
  }
}

/** Every §8 default for a PodCliqueSet: CRD defaults, then the webhook's. */
export function defaultPodCliqueSet(pcs: PodCliqueSet): PodCliqueSet {
  if (!isObj(pcs)) return clone(pcs);
  const out = clone(pcs) as Obj;
  applyPodCliqueSetCRDDefaults(out);
  applyPodCliqueSetWebhookDefaults(out);
  return out as PodCliqueSet;
}

/** PodClique CRD defaults: the status counters (no spec defaults; no webhook). */
export function defaultPodClique(pclq: PodClique): PodClique {
  if (!isObj(pclq)) return clone(pclq);
  const out = clone(pclq) as Obj;
  statusCountersDefault(out.status, [
    "readyReplicas",
    "updatedReplicas",
    "scheduleGatedReplicas",
    "scheduledReplicas",
  ]);
  return out as PodClique;
}

/** PodCliqueScalingGroup CRD defaults: `spec.replicas = 1`, `spec.minAvailable = 1`, status counters. */
export function defaultPodCliqueScalingGroup(pcsg: PodCliqueScalingGroup): PodCliqueScalingGroup {
  if (!isObj(pcsg)) return clone(pcsg);
  const out = clone(pcsg) as Obj;
  if (isObj(out.spec)) {
    setIfAbsent(out.spec, "replicas", 1);
    setIfAbsent(out.spec, "minAvailable", 1);
  }
  statusCountersDefault(out.status, ["scheduledReplicas", "availableReplicas", "updatedReplicas"]);
  if (isObj(out.status)) {
    statusCountersDefault(out.status.updateProgress, ["updatedPodCliquesCount", "totalPodCliquesCount"]);
  }
  return out as PodCliqueScalingGroup;
}

/** The PodGang CRD declares no defaults: a copy. */
export function defaultPodGang(pg: PodGang): PodGang {
  return clone(pg);
}

/** The ClusterTopologyBinding CRD declares no defaults: a copy. */
export function defaultClusterTopologyBinding(ctb: ClusterTopologyBinding): ClusterTopologyBinding {
  return clone(ctb);
}
