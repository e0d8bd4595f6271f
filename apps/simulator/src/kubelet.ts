// Simulated kubelets (one loop for every node): a bound pod goes Running at once and Ready after
// `readyDelayMs`; a pod on a node that is deleted fails (NodeLost), as the node lifecycle
// controller would make it; a pod marked for deletion is deleted for good, as its kubelet does once
// the containers stopped. Level-based: each pass derives the wanted status from the pod and
// the clock, so a missed event costs a pass, not a stuck pod. Containers do not run: init
// containers are reported completed and app containers running.
import { LabelPodGang } from "@grove-ts/api";
import {
  type Client,
  isConflict,
  isNotFound,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  rfc3339,
  SharedInformer,
} from "@grove-ts/runtime";

interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string; args?: string[]; restartPolicy?: string }[];
  };
  status?: {
    phase?: string;
    startTime?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    [k: string]: unknown;
  };
}

export interface KubeletOptions {
  /** Running -> Ready after this many ms. Default 0. */
  readyDelayMs?: number;
  logger?: Logger;
  /** Status writes in flight at once. Default 16. */
  concurrency?: number;
}

export interface Kubelets {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createKubelets(client: Client, options: KubeletOptions = {}): Kubelets {
  const log = (options.logger ?? noopLogger).with({ component: "kubelet-sim" });
  const delay = options.readyDelayMs ?? 0;
  const pods = new SharedInformer<PodLike>(client, PodType, { logger: log });
  const nodes = new SharedInformer<KubeObject>(client, NodeType, { logger: log });
  const queue = new Set<string>();
  const inFlight = new Set<string>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let stopped = false;
  let ip = 0;
  const podIps = new Map<string, string>();
  /** Pods held in Init by Grove's startup-ordering init container (grove-behaviour.md §11.3). */
  const waiting = new Set<string>();
  /** When we reported each pod Running (ms); startTime has only second precision. */
  const runningSince = new Map<string, number>();

  const keyOf = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;
  const enqueue = (key: string) => {
    if (stopped) return;
    queue.add(key);
    pump();
  };

  function pump(): void {
    const limit = options.concurrency ?? 16;
    for (const key of queue) {
      if (inFlight.size >= limit) return;
      if (inFlight.has(key)) continue;
      queue.delete(key);
      inFlight.add(key);
      void sync(key)
        .catch((err) => {
          // A conflict means our copy was stale: the newer version's event brings the pod back.
          if (isConflict(err)) log.debug("pod status conflict, retried on the next event", { pod: key });
          else log.warn("pod status not written", { pod: key, error: err });
        })
        .finally(() => {
          inFlight.delete(key);
          pump();
        });
    }
  }

  function later(key: string, ms: number): void {
    if (timers.has(key) || stopped) return;
    const t = setTimeout(() => {
      timers.delete(key);
      enqueue(key);
    }, ms);
    t.unref?.();
    timers.set(key, t);
  }

  async function sync(key: string): Promise<void> {
    const i = key.indexOf("/");
    const pod = pods.cache.get(key.slice(i + 1), key.slice(0, i));
    if (!pod) return;
    const nodeName = pod.spec?.nodeName;
    if (pod.metadata.deletionTimestamp) {
      if (nodeName) await finish(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (!nodeName || phase === "Succeeded" || phase === "Failed") return;
    const now = new Date();
    if (!nodes.cache.get(nodeName)) {
      await writeStatus(pod, {
        phase: "Failed",
        reason: "NodeLost",
        message: `node ${nodeName} which was running pod ${pod.metadata.name} was deleted`,
        conditions: cond(pod, { Ready: "False", ContainersReady: "False" }, now),
      });
      return;
    }
    const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
    if (phase !== "Running" && !parentsReady(pod)) {
      waiting.add(key);
      const initialized = pod.status?.conditions?.find((c) => c.type === "Initialized");
      if (phase === "Pending" && initialized?.status === "False") return;
      await writeStatus(pod, initializing(pod, now));
      return;
    }
    waiting.delete(key);
    if (phase !== "Running" || started === undefined) {
      const ready = delay <= 0;
      await writeStatus(pod, running(pod, nodeName, ready, now));
      runningSince.set(key, now.getTime());
      if (!ready) later(key, delay);
      return;
    }
    const isReady = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (isReady) return;
    const wait = (runningSince.get(key) ?? started) + delay - now.getTime();
    if (wait > 0) {
      later(key, wait);
      return;
    }
    await writeStatus(pod, running(pod, nodeName, true, now));
  }

  /**
   * What grove-initc waits for: every `--podcliques=<pclq>:<n>` parent has n Ready pods in the
   * pod's PodGang (a pod counts for a parent when its name starts with the parent's name).
   */
  function parentsReady(pod: PodLike): boolean {
    const initc = pod.spec?.initContainers?.find((c) => c.name === GROVE_INITC);
    if (!initc) return true;
    const gang = pod.metadata.labels?.[LabelPodGang];
    const peers = pods.cache
      .list(pod.metadata.namespace)
      .filter((p) => p.metadata.labels?.[LabelPodGang] === gang && isReady(p));
    for (const arg of initc.args ?? []) {
      const m = /^--podcliques=(.+):(\d+)$/.exec(arg);
      if (!m) continue;
      const [, parent, need] = m;
      if (peers.filter((p) => (p.metadata.name ?? "").startsWith(parent ?? "")).length < Number(need))
        return false;
    }
    return true;
  }

  function initializing(pod: PodLike, now: Date): Record<string, unknown> {
    const startTime = pod.status?.startTime ?? rfc3339(now);
    return {
      phase: "Pending",
      startTime,
      conditions: cond(
        pod,
        {
          PodReadyToStartContainers: "True",
          Initialized: "False",
          Ready: "False",
          ContainersReady: "False",
          PodScheduled: "True",
        },
        now,
      ),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        ready: false,
        restartCount: 0,
        started: c.name === GROVE_INITC,
        state:
          c.name === GROVE_INITC
            ? { running: { startedAt: startTime } }
            : { terminated: { exitCode: 0, reason: "Completed" } },
      })),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: "PodInitializing" } },
      })),
    };
  }

  function running(pod: PodLike, nodeName: string, ready: boolean, now: Date): Record<string, unknown> {
    const key = keyOf(pod);
    let podIP = podIps.get(key);
    if (!podIP) {
      ip++;
      podIP = `10.244.${(ip >> 8) & 255}.${ip & 255}`;
      podIps.set(key, podIP);
    }
    const node = nodes.cache.get(nodeName) as
      | { status?: { addresses?: { type: string; address: string }[] } }
      | undefined;
    const hostIP = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const startTime = pod.status?.startTime ?? rfc3339(now);
    const r = ready ? "True" : "False";
    return {
      phase: "Running",
      hostIP,
      hostIPs: hostIP ? [{ ip: hostIP }] : [],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime,
      qosClass: (pod.status?.qosClass as string | undefined) ?? "Burstable",
      conditions: cond(
        pod,
        {
          PodReadyToStartContainers: "True",
          Initialized: "True",
          Ready: r,
          ContainersReady: r,
          PodScheduled: "True",
        },
        now,
      ),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        ready: true,
        restartCount: 0,
        started: false,
        state: {
          terminated: { exitCode: 0, reason: "Completed", startedAt: startTime, finishedAt: startTime },
        },
      })),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        containerID: `grove-sim://${pod.metadata.uid ?? ""}/${c.name}`,
        ready: ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: startTime } },
      })),
    };
  }

  /**
   * Graceful deletion, the kubelet's half: a real API server only marks a bound pod for deletion
   * and waits for its kubelet to stop the containers and delete it for good (grace period 0).
   * Simulated containers stop at once. The uid precondition keeps a successor pod of the same name safe.
   */
  async function finish(pod: PodLike): Promise<void> {
    try {
      await client.delete(PodType, pod.metadata.name ?? "", pod.metadata.namespace, {
        gracePeriodSeconds: 0,
        ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async function writeStatus(pod: PodLike, status: Record<string, unknown>): Promise<void> {
    await client.patch(
      PodType,
      pod.metadata.name ?? "",
      pod.metadata.namespace,
      { type: "merge", body: { metadata: { resourceVersion: pod.metadata.resourceVersion }, status } },
      { subresource: "status" },
    );
  }

  return {
    async start() {
      pods.addEventHandler({
        onAdd: (p) => {
          if (p.spec?.nodeName) enqueue(keyOf(p));
        },
        onUpdate: (o, p) => {
          if (p.spec?.nodeName) enqueue(keyOf(p));
          // A pod turning Ready may release pods waiting on it in Init.
          if (isReady(o) !== isReady(p)) for (const w of waiting) enqueue(w);
        },
        onDelete: (p) => {
          podIps.delete(keyOf(p));
          waiting.delete(keyOf(p));
          runningSince.delete(keyOf(p));
          const t = timers.get(keyOf(p));
          if (t) clearTimeout(t);
          timers.delete(keyOf(p));
        },
      });
      nodes.addEventHandler({
        onDelete: (n) => {
          for (const p of pods.cache.list()) if (p.spec?.nodeName === n.metadata.name) enqueue(keyOf(p));
        },
      });
      nodes.start();
      pods.start();
      await Promise.all([nodes.waitForSync(), pods.waitForSync()]);
    },
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      queue.clear();
      await Promise.all([pods.stop(), nodes.stop()]);
    },
  };
}

const GROVE_INITC = "grove-initc";

const isReady = (p: PodLike): boolean =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** The pod's conditions with `want` set; lastTransitionTime moves only on a change of status. */
function cond(
  pod: PodLike,
  want: Record<string, string>,
  now: Date,
): { type: string; status: string; lastProbeTime: null; lastTransitionTime: string }[] {
  const old = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
  const out = [];
  for (const [type, status] of Object.entries(want)) {
    const prev = old.get(type);
    out.push({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime:
        prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    });
  }
  return out;
}
