// Small shared pieces: "write only when changed" helpers, the step runner and pod predicates.
import {
  type Client,
  deepEqual,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  type Logger,
  RequeueAfterError,
  type ResourceType,
} from "@grove-ts/runtime";
import { AggregateSyncError } from "./errors.js";
import type { Pod } from "./kube-types.js";

/**
 * True when every field of `desired` is present with the same value in `actual`. Arrays must have
 * the same length and match element-wise. Server-side defaults only add fields, so comparing the
 * desired state as a subset is what keeps a controller from patching a defaulted object forever.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  // null in a merge patch means "absent".
  if (desired === null) return actual === undefined || actual === null;
  if (typeof desired !== "object") return deepEqual(desired, actual);
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    return desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, a[k]));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The RFC 7386 merge patch turning `from` into `to`: changed keys carry their new value, removed keys
 * null, nested objects recurse (arrays are replaced whole). Undefined when nothing changed.
 */
export function topLevelMergePatch(
  from: Record<string, unknown> | undefined,
  to: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const f = from ?? {};
  for (const k of new Set([...Object.keys(f), ...Object.keys(to)])) {
    const a = f[k];
    const b = to[k];
    if (b === undefined) {
      if (a !== undefined) patch[k] = null;
    } else if (isPlainObject(a) && isPlainObject(b)) {
      const inner = topLevelMergePatch(a, b);
      if (inner) patch[k] = inner;
    } else if (!deepEqual(a, b)) patch[k] = b;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Creates `desired`; AlreadyExists (a stale cache) is not an error. */
export async function createIgnoreExists<T extends KubeObject>(
  client: Client,
  type: ResourceType,
  desired: T,
): Promise<void> {
  try {
    await client.create(type, desired);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function deleteIgnoreNotFound(
  client: Client,
  type: ResourceType,
  name: string,
  namespace: string | undefined,
): Promise<void> {
  try {
    await client.delete(type, name, namespace, { propagationPolicy: "Background" });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * CreateOrPatch against a cached object: create when absent, else merge-patch `patch` only when it
 * is not already a subset of the cached object. Returns "created" | "patched" | "unchanged".
 */
export async function createOrPatch<T extends KubeObject>(
  client: Client,
  type: ResourceType,
  existing: T | undefined,
  desired: T,
  patch: Record<string, unknown>,
): Promise<"created" | "patched" | "unchanged"> {
  if (!existing) {
    await createIgnoreExists(client, type, desired);
    return "created";
  }
  if (isSubset(patch, existing)) return "unchanged";
  await client.patch(type, existing.metadata.name ?? "", existing.metadata.namespace, {
    type: "merge",
    body: patch,
  });
  return "patched";
}

/**
 * Runs `fn` over `items` in batches of 1, 2, 4, … (Grove's RunConcurrentlyWithSlowStart): a failing
 * batch stops the rest, so a broken template fails once, not N times. Throws AggregateSyncError.
 */
export async function slowStart<T>(
  items: readonly T[],
  code: string,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let i = 0;
  let batch = 1;
  while (i < items.length) {
    const chunk = items.slice(i, i + batch);
    const results = await Promise.allSettled(chunk.map(fn));
    const errors = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason);
    if (errors.length > 0) throw new AggregateSyncError(code, errors);
    i += chunk.length;
    batch *= 2;
  }
}

/** A named step of a reconcile (house habit 2). It may throw RequeueAfterError to stop the flow. */
export interface Step {
  name: string;
  /** May return a requeue hint: the flow continues, the reconcile is repeated after the shortest hint. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a step or component that returns nothing is the common case
  run(): Promise<void | SyncHint>;
}

/** Grove's ERR_CONTINUE_RECONCILE_AND_REQUEUE: keep going, come back after `requeueAfterMs`. */
export interface SyncHint {
  requeueAfterMs?: number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: accepts what steps return
export const minHint = (a: SyncHint | void, b: SyncHint | void): SyncHint | undefined => {
  const x = a?.requeueAfterMs;
  const y = b?.requeueAfterMs;
  if (x === undefined) return y === undefined ? undefined : { requeueAfterMs: y };
  return { requeueAfterMs: y === undefined ? x : Math.min(x, y) };
};

export interface StepsOutcome {
  /** Steps completed without error. */
  completed: boolean;
  /** Errors that stopped the flow. */
  errors: unknown[];
  /** Errors of non-blocking steps: recorded in lastErrors, not thrown. */
  softErrors?: unknown[];
  requeueAfterMs?: number;
}

/** Runs steps in order until one throws; the caller writes lastErrors and status afterwards. */
export async function runSteps(steps: readonly Step[], log: Logger): Promise<StepsOutcome> {
  let hint: SyncHint | undefined;
  for (const step of steps) {
    try {
      hint = minHint(hint, await step.run());
    } catch (err) {
      if (err instanceof RequeueAfterError) {
        log.debug("step requeues", { step: step.name, reason: err.message });
        return { completed: false, errors: [], requeueAfterMs: err.afterMs };
      }
      log.warn("step failed", { step: step.name, error: err instanceof Error ? err.message : String(err) });
      return { completed: false, errors: [err] };
    }
  }
  return {
    completed: true,
    errors: [],
    ...(hint?.requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(1, hint.requeueAfterMs) } : {}),
  };
}

// ---- pods ----------------------------------------------------------------------------------------

export const isTerminating = (o: KubeObject): boolean => o.metadata.deletionTimestamp !== undefined;

export const podCondition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);

export const isPodScheduled = (pod: Pod): boolean => podCondition(pod, "PodScheduled")?.status === "True";

export const isPodReady = (pod: Pod): boolean => podCondition(pod, "Ready")?.status === "True";

/** Not terminating and not finished: the pods whose hostnames hold an index (§11.1). */
export const isPodActive = (pod: Pod): boolean =>
  !isTerminating(pod) && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";

export const hasGate = (pod: Pod, gate: string): boolean =>
  pod.spec?.schedulingGates?.some((g) => g.name === gate) ?? false;

/**
 * Gated: PodScheduled=False with reason SchedulingGated (what kube-scheduler writes), or, where no
 * scheduler has written a condition yet, an unscheduled pod that still carries scheduling gates.
 */
export function isPodGated(pod: Pod): boolean {
  const c = podCondition(pod, "PodScheduled");
  if (c) return c.status === "False" && c.reason === "SchedulingGated";
  return (pod.spec?.schedulingGates?.length ?? 0) > 0 && !pod.spec?.nodeName;
}

/** Any init or main container whose last termination exited non-zero. */
export function isPodErrored(pod: Pod): boolean {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.some((s) => (s.lastState?.terminated?.exitCode ?? 0) !== 0);
}

/** Some container started but not ready. */
export function isPodStartedNotReady(pod: Pod): boolean {
  return (pod.status?.containerStatuses ?? []).some((s) => s.started === true && s.ready !== true);
}

export const labelsOf = (o: KubeObject): Record<string, string> => o.metadata.labels ?? {};

/** Keeps only keys that are not `grove.io/`-prefixed (PCS labels mirrored onto PodGangs, §12.1). */
export const withoutGroveKeys = (m: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !k.startsWith("grove.io/")));

export const intLabel = (o: KubeObject, key: string): number | undefined => {
  const v = o.metadata.labels?.[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
};
