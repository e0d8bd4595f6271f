// Environment variables Grove injects for discovery (grove-api.md §14).
import type { Container, EnvVar } from "kubernetes-types/core/v1.js";
import {
  LabelPodCliquePodIndex,
  LabelPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
} from "./labels.js";
import { headlessServiceAddress } from "./names.js";
import type { PodCliqueScalingGroupConfig, PodCliqueSet } from "./types.js";

export const EnvPCSName = "GROVE_PCS_NAME";
export const EnvPCSIndex = "GROVE_PCS_INDEX";
export const EnvPCLQName = "GROVE_PCLQ_NAME";
export const EnvHeadlessService = "GROVE_HEADLESS_SERVICE";
export const EnvPCLQPodIndex = "GROVE_PCLQ_POD_INDEX";
export const EnvPCSGName = "GROVE_PCSG_NAME";
export const EnvPCSGTemplateNumPods = "GROVE_PCSG_TEMPLATE_NUM_PODS";
export const EnvPCSGIndex = "GROVE_PCSG_INDEX";

const fromLabel = (name: string, label: string): EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath: `metadata.labels['${label}']` } },
});

export interface PodEnvInput {
  pcsName: string;
  pcsReplicaIndex: number;
  pclqName: string;
  namespace: string;
  /** For pods of a PCSG-member clique: the sum of the template replicas of the PCSG's cliques. */
  pcsg?: { templateNumPods: number };
}

/** The five variables every Grove pod gets, in injection order. */
export function commonPodEnvVars(input: Omit<PodEnvInput, "pcsg">): EnvVar[] {
  return [
    { name: EnvPCSName, value: input.pcsName },
    { name: EnvPCSIndex, value: String(input.pcsReplicaIndex) },
    { name: EnvPCLQName, value: input.pclqName },
    {
      name: EnvHeadlessService,
      value: headlessServiceAddress(input.pcsName, input.pcsReplicaIndex, input.namespace),
    },
    fromLabel(EnvPCLQPodIndex, LabelPodCliquePodIndex),
  ];
}

/** The three variables of PCSG-member pods; the name and index come from the pod's labels. */
export function pcsgEnvVars(templateNumPods: number): EnvVar[] {
  return [
    fromLabel(EnvPCSGName, LabelPodCliqueScalingGroup),
    { name: EnvPCSGTemplateNumPods, value: String(templateNumPods) },
    fromLabel(EnvPCSGIndex, LabelPodCliqueScalingGroupReplicaIndex),
  ];
}

/**
 * The Grove variables of a pod in the order they end up in every container: the five common ones, then
 * (PCSG members) the three PCSG ones; user variables follow, so they may reference these with $(VAR).
 */
export function podEnvVars(input: PodEnvInput): EnvVar[] {
  return [...commonPodEnvVars(input), ...(input.pcsg ? pcsgEnvVars(input.pcsg.templateNumPods) : [])];
}

/** A copy of `container` with `vars` prepended; user variables with the same names are dropped. */
export function withEnvVars(container: Container, vars: readonly EnvVar[]): Container {
  const names = new Set(vars.map((v) => v.name));
  return { ...container, env: [...vars, ...(container.env ?? []).filter((v) => !names.has(v.name))] };
}

/** GROVE_PCSG_TEMPLATE_NUM_PODS: sum of the template replicas of the PCSG's member cliques. */
export function pcsgTemplateNumPods(pcs: PodCliqueSet, pcsg: PodCliqueScalingGroupConfig): number {
  let n = 0;
  for (const name of pcsg.cliqueNames)
    n += pcs.spec.template.cliques.find((c) => c.name === name)?.spec.replicas ?? 0;
  return n;
}
