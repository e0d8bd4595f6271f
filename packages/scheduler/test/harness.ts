// Builders and a harness over the real in-process API server (no mocks): nodes, pods and PodGangs
// the way the operator and grove-sim make them.

import { groveCrds, KaiQueueType, LabelKaiQueue, type PodGang, PodGangType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  PodType,
} from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { createGangScheduler, type GangScheduler, type GangSchedulerOptions } from "../src/index.js";

export type K<T> = T & KubeObject;

export interface Harness {
  api: InProcessApiServer;
  client: Client;
  scheduler: GangScheduler;
  close(): Promise<void>;
}

export async function harness(options: GangSchedulerOptions = {}): Promise<Harness> {
  const api = createApiServer();
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  const scheduler = createGangScheduler(api.client, {
    coalesceMs: 1,
    capacityCoalesceMs: 5,
    initialBackoffMs: 50,
    maxBackoffMs: 200,
    ...options,
  });
  await scheduler.start();
  return {
    api,
    client: api.client,
    scheduler,
    close: async () => {
      await scheduler.stop();
      await api.close();
    },
  };
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
