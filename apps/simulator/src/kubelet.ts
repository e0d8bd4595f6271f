// Simulated kubelets (one loop for every node): a bound pod goes Running at once and Ready after
// `readyDelayMs`; a pod on a node that is deleted fails (NodeLost), as the node lifecycle
// controller would make it; a pod marked for deletion is deleted for good, as its kubelet does once
// the containers stopped. Level-based: each pass derives the wanted status from the pod and
// the clock, so a missed event costs a pass, not a stuck pod. Containers do not run: init
// containers are reported completed and app containers running. Faults come from annotations
// (pod-faults.ts): exits with restart back-off, readiness drops, pods held before they start; a
// node annotated not ready (node-faults.ts) stops its kubelet: its pods' statuses stay as they are.
import { LabelPodGang } from "@grove-ts/api";
import {
  type Client,
  createEventRecorder,
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
import { claimsGate } from "./kubelet-claims.js";
import { nodeDown } from "./node-faults.js";
import {
  type AnnotationProblem,
  containerCreating,
  containersFingerprint,
  evaluateContainers,
  type FaultOptions,
  type FaultPod,
  HOLD_ANNOTATION,
  readPodAnnotations,
  terminationLeftMs,
  waitingContainers,
} from "./pod-faults.js";
import { inShard, type Shard } from "./shard.js";

interface PodLike extends FaultPod {
  spec?: {
    nodeName?: string;
    restartPolicy?: string;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string; args?: string[]; restartPolicy?: string }[];
  };
  status?: {
    phase?: string;
    startTime?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: NonNullable<FaultPod["status"]>["containerStatuses"];
    [k: string]: unknown;
  };
}

export interface KubeletOptions {
  /** Running -> Ready after this many ms. Default 0. */
  readyDelayMs?: number;
  logger?: Logger;
  /** Status writes in flight at once. Default 16. */
  concurrency?: number;
  /** Restart back-off of containers made to exit by the exit annotation. */
  faults?: FaultOptions;
  /**
   * This process's share of the nodes (`grove-sim nodes --shard`): pods bound to other nodes are
   * another process's, and pod IPs are drawn from this shard's own stride so shards never collide.
   */
  shard?: Shard;
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
  const timers = new Map<string, { t: ReturnType<typeof setTimeout>; at: number }>();
  const events = createEventRecorder(client, { component: "kubelet", logger: log });
  /** Annotation problems already reported, per pod (one Warning Event per bad value). */
  const warned = new Map<string, Set<string>>();
  /** When each container crashed (ms), for its back-off. */
  const crashedAt = new Map<string, number>();
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

  /** Syncs the pod again in `ms` (or sooner, if already due sooner). */
  function later(key: string, ms: number): void {
    const at = Date.now() + ms;
    const old = timers.get(key);
    if ((old && old.at <= at) || stopped) return;
    if (old) clearTimeout(old.t);
    const t = setTimeout(() => {
      timers.delete(key);
      enqueue(key);
    }, ms);
    t.unref?.();
    timers.set(key, { t, at });
  }

  function warn(pod: PodLike, problems: readonly AnnotationProblem[]): void {
    const key = keyOf(pod);
    for (const p of problems) {
      const seen = warned.get(key) ?? new Set<string>();
      warned.set(key, seen);
      if (seen.has(p.message)) continue;
      seen.add(p.message);
      events.event(pod, "Warning", "InvalidSimAnnotation", p.message);
    }
  }

  async function sync(key: string): Promise<void> {
    const i = key.indexOf("/");
    const pod = pods.cache.get(key.slice(i + 1), key.slice(0, i));
    if (!pod) return;
    const nodeName = pod.spec?.nodeName;
    if (nodeName && !inShard(nodeName, options.shard)) return;
    if (pod.metadata.deletionTimestamp) {
      const left = terminationLeftMs(pod, Date.now());
      if (nodeName && left > 0) later(key, left);
      else if (nodeName) await finish(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (!nodeName || phase === "Succeeded" || phase === "Failed") return;
    const now = new Date();
    const node = nodes.cache.get(nodeName);
    if (node && nodeDown(node)) return;
    const ann = readPodAnnotations(pod);
    if (ann.hold && phase === "Running")
      ann.problems.push({
        annotation: HOLD_ANNOTATION,
        value: ann.hold,
        message: `annotation ${HOLD_ANNOTATION}: ${JSON.stringify(ann.hold)}: holds a pod that has not started; this one runs, the annotation is ignored`,
      });
    warn(pod, ann.problems);
    if (ann.hold && phase !== "Running") {
      if (ann.hold === "ContainerCreating") await hold(pod, nodeName, now);
      return;
    }
    if (!node) {
      await writeStatus(pod, {
        phase: "Failed",
        reason: "NodeLost",
        message: `node ${nodeName} which was running pod ${pod.metadata.name} was deleted`,
        conditions: cond(pod, { Ready: "False", ContainersReady: "False" }, now),
      });
      return;
    }
    // DRA: not started until its claims are allocated and reserved for it (kubelet-claims.ts).
    const retry = (ms: number) => later(key, ms);
    if (phase !== "Running" && !(await claimsGate(client, pod, events, warned, retry))) return;
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
    const wait = (runningSince.get(key) ?? started) + delay - now.getTime();
    if (wait > 0) later(key, wait);
    const v = evaluateContainers(pod, ann, now.getTime(), wait <= 0, crashedAt, options.faults ?? {});
    if (v.wakeMs !== undefined) later(key, v.wakeMs);
    const m = pod.metadata;
    for (const c of v.crashed)
      events.event(
        pod,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${c} in pod ${m.name}_${m.namespace}(${m.uid ?? ""})`,
      );
    if (
      v.phase === phase &&
      v.ready === isReady(pod) &&
      containersFingerprint(v.statuses) === containersFingerprint(pod.status?.containerStatuses)
    )
      return;
    await writeStatus(pod, {
      ...running(pod, nodeName, v.ready, now),
      phase: v.phase,
      containerStatuses: v.statuses,
    });
  }

  /** A pod held in ContainerCreating by the hold annotation: accepted, its containers not started. */
  async function hold(pod: PodLike, nodeName: string, now: Date): Promise<void> {
    if (pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating") return;
    const base = running(pod, nodeName, false, now);
    await writeStatus(pod, {
      phase: "Pending",
      hostIP: base.hostIP,
      hostIPs: base.hostIPs,
      startTime: base.startTime,
      conditions: cond(
        pod,
        {
          PodReadyToStartContainers: "False",
          Initialized: "True",
          Ready: "False",
          ContainersReady: "False",
          PodScheduled: "True",
        },
        now,
      ),
      containerStatuses: containerCreating(pod),
    });
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
      containerStatuses: waitingContainers(pod, "PodInitializing"),
    };
  }

  function running(pod: PodLike, nodeName: string, ready: boolean, now: Date): Record<string, unknown> {
    const key = keyOf(pod);
    let podIP = podIps.get(key);
    if (!podIP) {
      // Shard I of N takes every N-th address from I, so processes simulating one cluster never collide.
      ip++;
      const n = options.shard ? (ip - 1) * options.shard.count + options.shard.index : ip;
      podIP = `10.244.${(n >> 8) & 255}.${n & 255}`;
      podIps.set(key, podIP);
    }
    const node = nodes.cache.get(nodeName) as
      | { status?: { addresses?: { type: string; address: string }[] } }
      | undefined;
    const hostIP = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const startTime = pod.status?.startTime ?? rfc3339(now);
    const r = ready ? "True" : "False";
    // Init containers finish, and the app containers start, when the pod leaves Init: now for a pod
    // that grove-initc held (its wait shows in the statuses), else at startTime. Once reported, kept.
    const prevInit = new Map(initStatuses(pod).map((s) => [s.name, s.state]));
    const prevApp = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.state]));
    const initDone = [...prevInit.values()].some((s) => s?.running) ? rfc3339(now) : startTime;
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
          terminated: prevInit.get(c.name)?.terminated ?? {
            exitCode: 0,
            reason: "Completed",
            startedAt: prevInit.get(c.name)?.running?.startedAt ?? startTime,
            finishedAt: initDone,
          },
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
        state: { running: { startedAt: prevApp.get(c.name)?.running?.startedAt ?? initDone } },
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
          warned.delete(keyOf(p));
          for (const c of p.spec?.containers ?? []) crashedAt.delete(`${keyOf(p)}/${c.name}`);
          waiting.delete(keyOf(p));
          runningSince.delete(keyOf(p));
          const t = timers.get(keyOf(p));
          if (t) clearTimeout(t.t);
          timers.delete(keyOf(p));
        },
      });
      nodes.addEventHandler({
        // A node back up (or newly not ready): its kubelet syncs its pods again.
        onUpdate: (o, n) => {
          if (nodeDown(o) === nodeDown(n)) return;
          for (const p of pods.cache.list()) if (p.spec?.nodeName === n.metadata.name) enqueue(keyOf(p));
        },
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
      for (const t of timers.values()) clearTimeout(t.t);
      timers.clear();
      queue.clear();
      await Promise.all([pods.stop(), nodes.stop(), events.stop()]);
    },
  };
}

const GROVE_INITC = "grove-initc";

interface InitState {
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string };
}

/** The init containers' statuses last reported for the pod. */
const initStatuses = (p: PodLike): { name: string; state?: InitState }[] =>
  (p.status?.initContainerStatuses as { name: string; state?: InitState }[] | undefined) ?? [];

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
