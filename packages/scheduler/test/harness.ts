// Builders and a harness over the real in-process API server (no mocks): nodes, pods and PodGangs
// the way the operator and grove-sim make them.

import {
  groveCrds,
  KaiQueueType,
  kaiQueueCrd,
  LabelKaiQueue,
  type PodGang,
  PodGangType,
} from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  PodType,
} from "@grove-ts/runtime";
import type { Node, Pod, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { expect, onTestFinished } from "vitest";
import { createGangScheduler, type GangScheduler, type GangSchedulerOptions } from "../src/index.js";

export type K<T> = T & KubeObject;

export interface Harness {
  api: InProcessApiServer;
  client: Client;
  scheduler: GangScheduler;
  /** Stops the scheduler and closes the API server; runs by itself once the test finishes. */
  close(): Promise<void>;
}

/** The scheduler options the tests run with: quick cycles and short backoff. */
export const TEST_OPTIONS: GangSchedulerOptions = { coalesceMs: 1, initialBackoffMs: 50, maxBackoffMs: 200 };

export interface StartIn {
  /** KAI's Queue CRD served and these Queues created; omitted: Queues not served. */
  queues?: KubeObject[];
  /** Over TEST_OPTIONS. */
  options?: GangSchedulerOptions;
  /** Runs once the CRDs (and Queues) exist, before the scheduler starts. */
  before?: (client: Client) => Promise<void>;
}

/**
 * The in-process API server with Grove's CRDs (and KAI's Queue with `queues`) and the gang
 * scheduler started on it; both stopped when the current test finishes.
 */
export async function startScheduler(s: StartIn = {}): Promise<Harness> {
  const api = createApiServer();
  const crds = s.queues ? [...groveCrds(), kaiQueueCrd()] : groveCrds();
  for (const crd of crds) await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  for (const q of s.queues ?? []) await api.client.create(KaiQueueType, q);
  await s.before?.(api.client);
  const scheduler = createGangScheduler(api.client, { ...TEST_OPTIONS, ...s.options });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await scheduler.stop();
      await api.close();
    })();
    return closed;
  };
  onTestFinished(close);
  await scheduler.start();
  return { api, client: api.client, scheduler, close };
}

/** startScheduler() with capacity events coalesced over 5 ms. */
export function harness(options: GangSchedulerOptions = {}): Promise<Harness> {
  return startScheduler({ options: { capacityCoalesceMs: 5, ...options } });
}

/** A PriorityClass `name` of `value`. */
export function priorityClass(name: string, value: number, preemptionPolicy?: string): KubeObject {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    ...(preemptionPolicy ? { preemptionPolicy } : {}),
  } as KubeObject;
}

export interface NodeSpec {
  name: string;
  cpu?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

export function node(n: NodeSpec): K<Node> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, labels: { "kubernetes.io/hostname": n.name, ...(n.labels ?? {}) } },
    spec: { ...(n.taints ? { taints: n.taints } : {}), ...(n.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu: n.cpu ?? "2", memory: "8Gi", pods: "110" } },
  };
}

export interface PodSpecIn {
  name: string;
  cpu?: string;
  gang?: string;
  basePodGang?: string;
  gated?: boolean;
  schedulerName?: string;
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator: "Equal" | "Exists"; value?: string; effect?: "NoSchedule" }[];
}

export function pod(p: PodSpecIn): K<Pod> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: "default",
      labels: {
        ...(p.gang ? { "grove.io/podgang": p.gang } : {}),
        ...(p.basePodGang ? { "grove.io/base-podgang": p.basePodGang } : {}),
      },
    },
    spec: {
      schedulerName: p.schedulerName ?? "grove-scheduler",
      ...(p.gated ? { schedulingGates: [{ name: "grove.io/podgang-pending-creation" }] } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      ...(p.tolerations ? { tolerations: p.tolerations } : {}),
      containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: p.cpu ?? "1" } } }],
    },
  };
}

/** What termsPod adds to a pod: labels, pod (anti-)affinity terms, spread, a node (bound by another scheduler). */
export interface PodTermsIn<T> {
  labels?: Record<string, string>;
  affinity?: T[];
  anti?: T[];
  spread?: TopologySpreadConstraint[];
  nodeName?: string;
  cpu?: string;
}

/** Pod `name` (100m cpu by default) of `gang` with x's pod affinity / anti-affinity terms in `mode`. */
export function termsPod<T>(
  name: string,
  gang: string | undefined,
  x: PodTermsIn<T>,
  mode: "requiredDuringSchedulingIgnoredDuringExecution" | "preferredDuringSchedulingIgnoredDuringExecution",
): K<Pod> {
  const p = pod({ name, ...(gang ? { gang } : {}), cpu: x.cpu ?? "100m" });
  p.metadata.labels = { ...p.metadata.labels, ...(x.labels ?? {}) };
  p.spec = {
    ...p.spec,
    containers: p.spec?.containers ?? [],
    ...(x.nodeName ? { nodeName: x.nodeName, schedulerName: "other" } : {}),
    affinity: {
      ...(x.affinity ? { podAffinity: { [mode]: x.affinity } } : {}),
      ...(x.anti ? { podAntiAffinity: { [mode]: x.anti } } : {}),
    },
    ...(x.spread ? { topologySpreadConstraints: x.spread } : {}),
  };
  return p;
}

/** A KAI Queue, optionally under `parentQueue`. */
export function kaiQueue(name: string, parentQueue?: string): KubeObject {
  return {
    apiVersion: KaiQueueType.apiVersion,
    kind: KaiQueueType.kind,
    metadata: { name },
    ...(parentQueue ? { spec: { parentQueue } } : {}),
  } as KubeObject;
}

/** `p` labelled into KAI queue `queue` (`kai.scheduler/queue`). */
export function inQueue<T extends K<Pod>>(p: T, queue: string): T {
  p.metadata.labels = { ...p.metadata.labels, [LabelKaiQueue]: queue };
  return p;
}

export interface GroupIn {
  name: string;
  pods: string[];
  min: number;
  required?: string;
}

export function podGang(
  name: string,
  groups: GroupIn[],
  extra: {
    required?: string;
    preferred?: string;
    configs?: { name: string; groups: string[]; required: string }[];
    labels?: Record<string, string>;
    priorityClassName?: string;
  } = {},
): K<PodGang> {
  return {
    apiVersion: "scheduler.grove.io/v1alpha1",
    kind: "PodGang",
    metadata: { name, namespace: "default", labels: extra.labels ?? {} },
    spec: {
      ...(extra.priorityClassName ? { priorityClassName: extra.priorityClassName } : {}),
      podgroups: groups.map((g) => ({
        name: g.name,
        minReplicas: g.min,
        podReferences: g.pods.map((p) => ({ namespace: "default", name: p })),
        ...(g.required ? { topologyConstraint: { packConstraint: { required: g.required } } } : {}),
      })),
      ...(extra.required || extra.preferred
        ? {
            topologyConstraint: {
              packConstraint: {
                ...(extra.required ? { required: extra.required } : {}),
                ...(extra.preferred ? { preferred: extra.preferred } : {}),
              },
            },
          }
        : {}),
      ...(extra.configs
        ? {
            topologyConstraintGroupConfigs: extra.configs.map((c) => ({
              name: c.name,
              podGroupNames: c.groups,
              topologyConstraint: { packConstraint: { required: c.required } },
            })),
          }
        : {}),
    },
  };
}

export async function createAll(
  client: Client,
  objs: { nodes?: K<Node>[]; pods?: K<Pod>[]; gangs?: K<PodGang>[] },
) {
  for (const n of objs.nodes ?? []) await client.create(NodeType, n);
  for (const g of objs.gangs ?? []) await client.create(PodGangType, g);
  for (const p of objs.pods ?? []) await client.create(PodType, p);
}

export async function getPod(client: Client, name: string): Promise<K<Pod>> {
  const p = await client.get<K<Pod>>(PodType, name, "default");
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}

export async function nodesOf(client: Client, names: string[]): Promise<(string | undefined)[]> {
  return Promise.all(names.map(async (n) => (await getPod(client, n)).spec?.nodeName));
}

/** The nodes pods `names` are bound to; throws (for `eventually`) while any of them is unbound. */
export async function boundNodes(client: Client, names: string[]): Promise<string[]> {
  const nodes = await nodesOf(client, names);
  if (nodes.some((n) => n === undefined)) throw new Error(`not all bound: ${nodes.join(",")}`);
  return nodes as string[];
}

/**
 * Why pod `name` waits: its PodScheduled=False message. Fails if it is bound; throws (for
 * `eventually`) until the condition has a message.
 */
export async function pendingReason(client: Client, name: string): Promise<string> {
  const p = await getPod(client, name);
  expect(p.spec?.nodeName).toBeUndefined();
  const c = p.status?.conditions?.find((x) => x.type === "PodScheduled");
  if (c?.status !== "False" || !c.message) throw new Error(`no PodScheduled=False yet on ${name}`);
  return c.message;
}

/** Polls until `check` returns without throwing; rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
