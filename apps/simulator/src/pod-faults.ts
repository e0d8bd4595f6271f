// Pod faults, driven through the API as a user drives them: annotations on a pod that the simulated
// kubelet reads (README "Faults").
//   sim.grove-ts.dev/exit: "<container>=<code>[,...]"  the container exits with that code each time
//     it starts; restarted per restartPolicy with the kubelet's back-off (CrashLoopBackOff between)
//   sim.grove-ts.dev/ready: "false" | "true"            readiness dropped / restored, nothing restarts
//   sim.grove-ts.dev/hold: "Pending" | "ContainerCreating"  the pod is not started until removed
//   sim.grove-ts.dev/sigterm: "ignore" | "exit"          "ignore": a deleted pod stays Terminating for
//     its whole grace period (a container that traps SIGTERM), then is killed
// A bad value is reported once as a Warning Event on the pod and otherwise ignored; so is a bad
// load annotation (metrics/load.ts: sim.grove-ts.dev/cpu, /memory, /metrics).
import type { KubeObject } from "@grove-ts/runtime";
import { loadProblems } from "./metrics/load.js";

export const EXIT_ANNOTATION = "sim.grove-ts.dev/exit";
export const READY_ANNOTATION = "sim.grove-ts.dev/ready";
export const HOLD_ANNOTATION = "sim.grove-ts.dev/hold";
export const SIGTERM_ANNOTATION = "sim.grove-ts.dev/sigterm";

export interface FaultOptions {
  /** First restart back-off of a crashed container (kubelet: 10 s); doubles per restart. */
  backoffBaseMs?: number;
  /** Longest back-off (kubelet: 5 min). */
  backoffMaxMs?: number;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: {
    exitCode: number;
    reason?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface FaultPod extends KubeObject {
  spec?: { containers?: { name: string; image?: string }[]; restartPolicy?: string };
  status?: {
    phase?: string;
    startTime?: string;
    containerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
}

/** A bad annotation: the Event's message names the annotation, its value and the rule. */
export interface AnnotationProblem {
  annotation: string;
  value: string;
  message: string;
}

export interface PodAnnotations {
  /** Container name -> exit code, when the exit annotation is valid. */
  exits: Map<string, number>;
  /** false: readiness dropped by the ready annotation. */
  ready: boolean;
  hold?: "Pending" | "ContainerCreating";
  /** The containers ignore SIGTERM: a deleted pod lives until its deletionTimestamp (now + grace). */
  ignoreSigterm: boolean;
  problems: AnnotationProblem[];
}

const problem = (annotation: string, value: string, rule: string): AnnotationProblem => ({
  annotation,
  value,
  message: `annotation ${annotation}: ${JSON.stringify(value)}: ${rule}; the annotation is ignored`,
});

/** Reads the fault annotations of a pod; bad values become problems and count as absent. */
export function readPodAnnotations(pod: FaultPod): PodAnnotations {
  const a = pod.metadata.annotations ?? {};
  const out: PodAnnotations = { exits: new Map(), ready: true, ignoreSigterm: false, problems: [] };
  const exit = a[EXIT_ANNOTATION];
  if (exit !== undefined) {
    const names = new Set((pod.spec?.containers ?? []).map((c) => c.name));
    const exits = new Map<string, number>();
    let bad: string | undefined;
    for (const entry of exit.split(",").map((s) => s.trim())) {
      const m = /^([^=]*)=(.*)$/.exec(entry);
      if (!m) {
        bad = `entry ${JSON.stringify(entry)} must be <container>=<exit code>`;
        break;
      }
      const [, name = "", code = ""] = m;
      if (!names.has(name)) {
        bad = `container ${JSON.stringify(name)} is not a container of the pod (${[...names].join(", ")})`;
        break;
      }
      if (!/^\d+$/.test(code) || Number(code) > 255) {
        bad = `exit code ${JSON.stringify(code)} of container ${name} must be an integer from 0 to 255`;
        break;
      }
      exits.set(name, Number(code));
    }
    if (bad) out.problems.push(problem(EXIT_ANNOTATION, exit, bad));
    else out.exits = exits;
  }
  const ready = a[READY_ANNOTATION];
  if (ready === "false") out.ready = false;
  else if (ready !== undefined && ready !== "true")
    out.problems.push(problem(READY_ANNOTATION, ready, 'must be "true" or "false"'));
  const hold = a[HOLD_ANNOTATION];
  if (hold === "Pending" || hold === "ContainerCreating") out.hold = hold;
  else if (hold !== undefined)
    out.problems.push(problem(HOLD_ANNOTATION, hold, 'must be "Pending" or "ContainerCreating"'));
  const sigterm = a[SIGTERM_ANNOTATION];
  if (sigterm === "ignore") out.ignoreSigterm = true;
  else if (sigterm !== undefined && sigterm !== "exit")
    out.problems.push(problem(SIGTERM_ANNOTATION, sigterm, 'must be "ignore" or "exit"'));
  // The load annotations (metrics/load.ts) are the kubelet's to report too.
  out.problems.push(...loadProblems(pod));
  return out;
}

/**
 * How long (ms) a pod marked for deletion keeps running: its containers stop at once on SIGTERM,
 * unless the sigterm annotation says they ignore it; then the kubelet kills them when the grace
 * period ends (the API server set deletionTimestamp = deletion time + grace, kube's
 * terminationGracePeriodSeconds or the delete's gracePeriodSeconds).
 */
export function terminationLeftMs(pod: FaultPod, nowMs: number): number {
  if (pod.metadata.annotations?.[SIGTERM_ANNOTATION] !== "ignore") return 0;
  const deadline = Date.parse(pod.metadata.deletionTimestamp ?? "");
  return Number.isNaN(deadline) ? 0 : Math.max(0, deadline - nowMs);
}

/** The kubelet's restart back-off after `restarts` restarts: base doubling, capped. */
export function backoffMs(restarts: number, options: FaultOptions): number {
  const base = options.backoffBaseMs ?? 10_000;
  const max = options.backoffMaxMs ?? 300_000;
  return Math.min(base * 2 ** Math.min(restarts, 30), max);
}

export interface ContainersVerdict {
  statuses: ContainerStatus[];
  /** Running, or Succeeded/Failed once every container terminated for good. */
  phase: "Running" | "Succeeded" | "Failed";
  /** Every container running and ready. */
  ready: boolean;
  /** Containers that crashed in this evaluation (a BackOff Event each). */
  crashed: string[];
  /** Evaluate again in this many ms (a back-off ends). */
  wakeMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The containers' statuses of a started pod from its last reported ones, its annotations and the
 * clock: a running container named by the exit annotation terminates; a crashed one waits out its
 * back-off (CrashLoopBackOff), then starts again (and exits again while the annotation stays).
 * `crashedAt` keeps crash times in ms (status times have second precision); `readyNow` is whether
 * the pod's ready delay has passed.
 */
export function evaluateContainers(
  pod: FaultPod,
  ann: PodAnnotations,
  now: number,
  readyNow: boolean,
  crashedAt: Map<string, number>,
  options: FaultOptions,
): ContainersVerdict {
  const podKey = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const policy = pod.spec?.restartPolicy ?? "Always";
  const prevByName = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const startTime = pod.status?.startTime ?? iso(now);
  const crashed: string[] = [];
  let wakeMs: number | undefined;
  const statuses: ContainerStatus[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const prev = prevByName.get(c.name);
    const base: ContainerStatus = {
      name: c.name,
      image: c.image ?? "",
      imageID: "",
      containerID: `grove-sim://${pod.metadata.uid ?? ""}/${c.name}`,
      ready: false,
      started: false,
      restartCount: prev?.restartCount ?? 0,
    };
    const key = `${podKey}/${c.name}`;
    const code = ann.exits.get(c.name);
    let state: ContainerState | undefined = prev?.state;
    let lastState = prev?.lastState;
    let startedAt = state?.running?.startedAt ?? startTime;
    if (state?.terminated) {
      // Terminated for good (restartPolicy Never, or OnFailure with 0): nothing restarts it.
      statuses.push({ ...base, state, ...(lastState ? { lastState } : {}) });
      continue;
    }
    if (state?.waiting?.reason === "CrashLoopBackOff") {
      const at = crashedAt.get(key) ?? Date.parse(lastState?.terminated?.finishedAt ?? "");
      const due = (Number.isNaN(at) ? now : at) + backoffMs(base.restartCount, options);
      if (now < due) {
        wakeMs = Math.min(wakeMs ?? Infinity, due - now);
        statuses.push({ ...base, state, ...(lastState ? { lastState } : {}) });
        continue;
      }
      base.restartCount++;
      startedAt = iso(now);
      state = undefined; // started again: running unless it exits below
    }
    if (code !== undefined) {
      const terminated = {
        exitCode: code,
        reason: code === 0 ? "Completed" : "Error",
        startedAt,
        finishedAt: iso(now),
        containerID: base.containerID ?? "",
      };
      crashed.push(c.name);
      if (policy === "Always" || (policy === "OnFailure" && code !== 0)) {
        crashedAt.set(key, now);
        const wait = backoffMs(base.restartCount, options);
        wakeMs = Math.min(wakeMs ?? Infinity, wait);
        statuses.push({
          ...base,
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off ${Math.ceil(wait / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ""})`,
            },
          },
          lastState: { terminated },
        });
      } else {
        statuses.push({ ...base, state: { terminated }, ...(lastState ? { lastState } : {}) });
      }
      continue;
    }
    lastState = prev?.lastState;
    statuses.push({
      ...base,
      started: true,
      ready: readyNow && ann.ready,
      state: { running: { startedAt } },
      ...(lastState ? { lastState } : {}),
    });
  }
  const done = statuses.filter((s) => s.state?.terminated);
  const phase =
    statuses.length > 0 && done.length === statuses.length
      ? done.every((s) => s.state?.terminated?.exitCode === 0)
        ? "Succeeded"
        : "Failed"
      : "Running";
  const ready = statuses.length > 0 && statuses.every((s) => s.ready);
  return { statuses, phase, ready, crashed, ...(wakeMs !== undefined ? { wakeMs } : {}) };
}

/** What a status write would change, for skipping writes that change nothing. */
export function containersFingerprint(statuses: readonly ContainerStatus[] | undefined): string {
  return JSON.stringify(
    (statuses ?? []).map((s) => [
      s.name,
      s.ready,
      s.restartCount,
      s.state?.running ? "running" : s.state?.terminated ? "terminated" : (s.state?.waiting?.reason ?? ""),
      s.lastState?.terminated?.exitCode ?? null,
    ]),
  );
}

/** The status of a pod held in ContainerCreating: bound, accepted by its kubelet, nothing started. */
export function containerCreating(pod: FaultPod): ContainerStatus[] {
  return waitingContainers(pod, "ContainerCreating");
}

/** The pod's app containers, none started, all waiting for `reason`. */
export function waitingContainers(pod: FaultPod, reason: string): ContainerStatus[] {
  return (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason } },
  }));
}
