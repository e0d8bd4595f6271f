// Node faults through the API (README "Faults"): a simulated node annotated
// `sim.grove-ts.dev/ready: "false"` stops its kubelet (its Lease is no longer renewed, its pods'
// statuses freeze) and reports Ready=False; "true" or no annotation brings it back. On our API
// server, which has no kube-controller-manager, grove-sim also plays its node lifecycle part as
// kube-controller-manager does for a node reporting Ready=False: the not-ready taints (NoSchedule,
// NoExecute) and, after a grace (a pod's own not-ready NoExecute tolerationSeconds, else
// `evictAfterMs`, kube's default 300 s), the pods deleted as taint eviction does (their Ready
// condition is left alone: kube marks pods not Ready only for a node gone Unknown); the pods of a deleted node are deleted after `podGcMs`
// as kube's pod garbage collector does. On the real control plane kube-controller-manager does all
// of that itself.
import {
  type Client,
  createEventRecorder,
  isConflict,
  isNotFound,
  type KubeObject,
  type Logger,
  NodeType,
  PodType,
  rfc3339,
  SharedInformer,
} from "@grove-ts/runtime";

export const NODE_READY_ANNOTATION = "sim.grove-ts.dev/ready";
const NOT_READY_TAINT = "node.kubernetes.io/not-ready";

export interface NodeLifecycleOptions {
  /** Eviction of a not-ready node's pods that set no tolerationSeconds of their own. Default 300 s. */
  evictAfterMs?: number;
  /** Deletion of a deleted node's pods (kube's pod GC quarantine). Default 40 s. */
  podGcMs?: number;
}

interface NodeLike extends KubeObject {
  spec?: {
    taints?: { key: string; value?: string; effect: string; timeAdded?: string }[];
    unschedulable?: boolean;
  };
  status?: { conditions?: { type: string; status: string; [k: string]: unknown }[] };
}

interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    tolerations?: { key?: string; operator?: string; effect?: string; tolerationSeconds?: number }[];
  };
  status?: { phase?: string; conditions?: { type: string; status: string; [k: string]: unknown }[] };
}

/** Whether a node is annotated not ready (its simulated kubelet is down). */
export function nodeDown(node: KubeObject): boolean {
  return node.metadata.annotations?.[NODE_READY_ANNOTATION] === "false";
}

export function nodeReadyCondition(ready: boolean, now: string) {
  return {
    type: "Ready",
    status: ready ? "True" : "False",
    reason: ready ? "KubeletReady" : "KubeletNotReady",
    message: ready
      ? "kubelet is posting ready status (simulated)"
      : `node made not ready by the annotation ${NODE_READY_ANNOTATION}="false" (simulated)`,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
}

/** How long a pod tolerates its node being not ready: undefined = forever, null = no toleration of its own. */
function toleration(pod: PodLike): number | undefined | null {
  for (const t of pod.spec?.tolerations ?? []) {
    const keyOk = t.key === NOT_READY_TAINT || ((t.key ?? "") === "" && t.operator === "Exists");
    if (keyOk && (t.effect ?? "NoExecute") === "NoExecute")
      return t.tolerationSeconds === undefined ? undefined : t.tolerationSeconds * 1000;
  }
  return null;
}

export interface NodeFaults {
  /** Whether the node is annotated not ready (its Lease is not renewed). */
  down(name: string): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Watches the simulated nodes' annotations and reports their Ready status; with `lifecycle` (our
 * API server only) also taints them and evicts their pods.
 */
export function createNodeFaults(
  client: Client,
  simNodes: ReadonlySet<string>,
  log: Logger,
  lifecycle?: NodeLifecycleOptions,
): NodeFaults {
  const nodes = new SharedInformer<NodeLike>(client, NodeType, { logger: log });
  const events = createEventRecorder(client, { component: "kubelet", logger: log });
  const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
  const warned = new Set<string>();
  let stopped = false;

  const clearTimers = (name: string) => {
    for (const t of timers.get(name) ?? []) clearTimeout(t);
    timers.delete(name);
  };
  const after = (name: string, ms: number, fn: () => Promise<void>) => {
    const t = setTimeout(() => {
      if (!stopped) fn().catch((err) => log.warn("node fault step failed", { node: name, error: err }));
    }, ms);
    t.unref?.();
    timers.set(name, [...(timers.get(name) ?? []), t]);
  };
  const podsOn = async (name: string) =>
    (await client.list<PodLike>(PodType, { fieldSelector: `spec.nodeName=${name}` })).items;
  const deletePod = async (p: PodLike, gracePeriodSeconds?: number) => {
    try {
      await client.delete(PodType, p.metadata.name ?? "", p.metadata.namespace, {
        ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        ...(p.metadata.uid ? { preconditions: { uid: p.metadata.uid } } : {}),
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  };

  async function sync(node: NodeLike): Promise<void> {
    const name = node.metadata.name ?? "";
    if (!simNodes.has(name)) return;
    const value = node.metadata.annotations?.[NODE_READY_ANNOTATION];
    if (value !== undefined && value !== "true" && value !== "false") {
      const msg = `annotation ${NODE_READY_ANNOTATION}: ${JSON.stringify(value)}: must be "true" or "false"; the annotation is ignored`;
      if (!warned.has(`${name}/${msg}`)) {
        warned.add(`${name}/${msg}`);
        events.event(node, "Warning", "InvalidSimAnnotation", msg);
      }
    }
    const down = nodeDown(node);
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    if ((ready?.status === "True") === down) {
      const now = rfc3339(new Date());
      const conditions = (node.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      await client.patch(
        NodeType,
        name,
        undefined,
        { type: "merge", body: { status: { conditions: [...conditions, nodeReadyCondition(!down, now)] } } },
        { subresource: "status" },
      );
    }
    if (!lifecycle) return;
    const taints = node.spec?.taints ?? [];
    const tainted = taints.some((t) => t.key === NOT_READY_TAINT);
    if (down && !tainted) {
      const timeAdded = rfc3339(new Date());
      await client.patch(NodeType, name, undefined, {
        type: "merge",
        body: {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          spec: {
            taints: [
              ...taints,
              { key: NOT_READY_TAINT, effect: "NoSchedule", timeAdded },
              { key: NOT_READY_TAINT, effect: "NoExecute", timeAdded },
            ],
          },
        },
      });
      await scheduleEviction(name);
    } else if (!down && tainted) {
      clearTimers(name);
      await client.patch(NodeType, name, undefined, {
        type: "merge",
        body: {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          spec: { taints: taints.filter((t) => t.key !== NOT_READY_TAINT) },
        },
      });
    }
  }

  /** Taint eviction of the node's pods, each after its toleration. */
  async function scheduleEviction(name: string): Promise<void> {
    clearTimers(name);
    for (const p of await podsOn(name)) {
      if (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
      const tol = toleration(p);
      if (tol === undefined) continue;
      after(name, tol ?? lifecycle?.evictAfterMs ?? 300_000, async () => {
        const live = nodes.cache.get(name);
        if (live && nodeDown(live)) await deletePod(p);
      });
    }
  }

  return {
    down(name) {
      const n = nodes.cache.get(name);
      return n !== undefined && nodeDown(n);
    },
    async start() {
      nodes.addEventHandler({
        onAdd: (n) => void sync(n).catch((err) => log.warn("node fault not applied", { error: err })),
        onUpdate: (_o, n) => void sync(n).catch((err) => log.warn("node fault not applied", { error: err })),
        onDelete: (n) => {
          const name = n.metadata.name ?? "";
          clearTimers(name);
          if (!lifecycle) return;
          after(name, lifecycle.podGcMs ?? 40_000, async () => {
            if (nodes.cache.get(name)) return;
            for (const p of await podsOn(name)) await deletePod(p, 0);
          });
        },
      });
      nodes.start();
      await nodes.waitForSync();
    },
    async stop() {
      stopped = true;
      for (const name of [...timers.keys()]) clearTimers(name);
      await Promise.all([nodes.stop(), events.stop()]);
    },
  };
}
