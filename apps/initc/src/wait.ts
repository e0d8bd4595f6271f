// The wait itself (Grove's operator/initc/internal/wait.go): watch the pods of this pod's PodGang,
// attribute each to the parent PodClique whose FQN its name starts with, keep the set of Ready pods
// per parent, and finish as soon as every parent has at least its minAvailable Ready pods.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, type KubeObject, type Logger, PodType, SharedInformer } from "@grove-ts/runtime";

/**
 * The label every pod of a PodGang carries (@grove-ts/api's LabelPodGang; grove-initc depends on
 * kube and runtime only, so the value is repeated here).
 */
export const LABEL_POD_GANG = "grove.io/podgang";
/** Downward-API file names the operator mounts (grove-behaviour.md §11.2). */
export const POD_INFO_NAMESPACE_FILE = "namespace";
export const POD_INFO_PODGANG_FILE = "podgangname";

export class PodInfoError extends Error {
  readonly code = "PodInfo";
  constructor(message: string) {
    super(message);
    this.name = "PodInfoError";
  }
}

export interface PodInfo {
  namespace: string;
  podGang: string;
}

/** Reads the namespace and PodGang name the operator mounts through the downward API. */
export function readPodInfo(dir: string): PodInfo {
  const read = (file: string): string => {
    const path = join(dir, file);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new PodInfoError(
        `pod info file ${path}: ${code === "ENOENT" ? "does not exist" : (err as Error).message} (the operator mounts it through the downward API; --pod-info-dir changes the folder)`,
      );
    }
    const value = text.trim();
    if (value === "") throw new PodInfoError(`pod info file ${path}: is empty`);
    return value;
  };
  return { namespace: read(POD_INFO_NAMESPACE_FILE), podGang: read(POD_INFO_PODGANG_FILE) };
}

interface PodLike extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

const isReady = (p: PodLike): boolean =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export interface ParentProgress {
  podClique: string;
  ready: number;
  minAvailable: number;
}

/**
 * Which parent a pod belongs to: the longest parent FQN its name starts with. (Grove takes any
 * matching parent; when one FQN is a prefix of another, e.g. `x-0-a` and `x-0-a-b`, only the
 * longest is the pod's own PodClique.)
 */
export function parentOf(podName: string, parents: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const p of parents) if (podName.startsWith(p) && (!best || p.length > best.length)) best = p;
  return best;
}

/** Ready pods per parent, kept from informer events. */
export class ParentReadiness {
  private readonly ready = new Map<string, Set<string>>();
  constructor(readonly parents: ReadonlyMap<string, number>) {
    for (const p of parents.keys()) this.ready.set(p, new Set());
  }
  observe(pod: PodLike, deleted = false): void {
    const name = pod.metadata.name ?? "";
    const parent = parentOf(name, this.parents.keys());
    if (!parent) return;
    const set = this.ready.get(parent);
    if (!deleted && isReady(pod)) set?.add(name);
    else set?.delete(name);
  }
  progress(): ParentProgress[] {
    return [...this.parents].map(([podClique, minAvailable]) => ({
      podClique,
      ready: this.ready.get(podClique)?.size ?? 0,
      minAvailable,
    }));
  }
  allReady(): boolean {
    return this.progress().every((p) => p.ready >= p.minAvailable);
  }
}

export interface WaitOptions {
  client: Client;
  namespace: string;
  podGang: string;
  /** Parent PodClique FQN -> minAvailable. */
  parents: ReadonlyMap<string, number>;
  logger: Logger;
  /** Aborting ends the wait with "aborted" (SIGTERM, SIGINT). */
  signal?: AbortSignal;
}

/** Resolves "ready" once every parent has its minAvailable Ready pods, "aborted" when the signal fires first. */
export async function waitForParents(options: WaitOptions): Promise<"ready" | "aborted"> {
  const { client, namespace, podGang, parents, logger, signal } = options;
  const state = new ParentReadiness(parents);
  if (state.allReady()) return "ready";
  if (signal?.aborted) return "aborted";
  const informer = new SharedInformer<PodLike>(client, PodType, {
    namespace,
    labelSelector: `${LABEL_POD_GANG}=${podGang}`,
    logger,
  });
  let lastReport = "";
  const report = () => {
    const waiting = state.progress().filter((p) => p.ready < p.minAvailable);
    const text = JSON.stringify(waiting);
    if (text === lastReport) return;
    lastReport = text;
    for (const w of waiting)
      logger.info("waiting for parent PodClique", {
        podClique: w.podClique,
        readyPods: w.ready,
        minAvailable: w.minAvailable,
        missing: w.minAvailable - w.ready,
      });
  };
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<"ready" | "aborted">((resolve) => {
      const check = () => {
        if (state.allReady()) resolve("ready");
        else if (informer.hasSynced()) report();
      };
      onAbort = () => resolve("aborted");
      signal?.addEventListener("abort", onAbort, { once: true });
      informer.addEventHandler({
        onAdd: (p) => {
          state.observe(p);
          check();
        },
        onUpdate: (_old, p) => {
          state.observe(p);
          check();
        },
        onDelete: (p) => {
          state.observe(p, true);
          check();
        },
      });
      informer.start();
      informer.waitForSync(signal).then(check, () => {});
    });
  } finally {
    // The caller's signal may outlive this wait: leave no listener on it.
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    await informer.stop();
  }
}
