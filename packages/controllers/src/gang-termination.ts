// Gang termination (grove-behaviour.md §10): a gang whose MinAvailableBreached condition has held
// longer than terminationDelay is recreated — the whole PCS replica (PCS level) or single PCSG
// replicas (PCSG level). Never-scheduled PodCliques and never-healthy PCSGs are exempt, and the PCS
// level fires once per breach episode (GangTerminationInProgress on the PCSGs).
import {
  ConditionGangTerminationInProgress,
  ConditionMinAvailableBreached,
  ConditionPodCliqueScheduled,
  LabelPodCliqueScalingGroupReplicaIndex,
  PodCliqueScalingGroupType,
  PodCliqueType,
  ReasonGangTerminationActive,
} from "@grove-ts/api";
import { type Condition, findCondition, ReconcileError, setCondition } from "@grove-ts/runtime";
import { liveByPcsReplica } from "./by-replica.js";
import { allPodCliquesOf, pcsgsOf, standalonePodCliquesOf } from "./children.js";
import type { Component } from "./component.js";
import type { ControllerContext } from "./context.js";
import { standaloneCliques } from "./desired.js";
import {
  errText,
  ReasonPodCliqueScalingGroupReplicaDeleteFailed,
  ReasonPodCliqueScalingGroupReplicaDeleteSuccessful,
  ReasonPodCliqueSetReplicaDeleteFailed,
  ReasonPodCliqueSetReplicaDeleteSuccessful,
} from "./events.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "./types.js";
import { deleteIgnoreNotFound, intLabel, isTerminating, type SyncHint, slowStart } from "./util.js";

/** Grove's InitialScheduleGrace: a False condition set this long after creation still counts as "was healthy". */
export const INITIAL_SCHEDULE_GRACE_MS = 5000;
export const DEFAULT_TERMINATION_DELAY = "4h";

export class InvalidDurationError extends ReconcileError {
  constructor(value: string) {
    super(
      "ERR_INVALID_TERMINATION_DELAY",
      `spec.template.terminationDelay: invalid duration ${JSON.stringify(value)}`,
    );
    this.name = "InvalidDurationError";
  }
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("1h30m", "10s", "1.5h") in milliseconds. */
export function parseDuration(value: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let i = 0;
  if (value === "" || value === "0") return 0;
  while (i < value.length) {
    re.lastIndex = i;
    const m = re.exec(value);
    if (!m) throw new InvalidDurationError(value);
    ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    i = re.lastIndex;
  }
  return ms;
}

const created = (o: { metadata: { creationTimestamp?: string } }) =>
  Date.parse(o.metadata.creationTimestamp ?? "") || 0;
const ltt = (c: Condition) => Date.parse(c.lastTransitionTime) || 0;

/** WasPCLQEverScheduled (§10.1). */
export function wasPodCliqueEverScheduled(pclq: PodClique): boolean {
  const c = findCondition(pclq.status?.conditions, ConditionPodCliqueScheduled);
  if (!c) return false;
  return c.status === "True" || ltt(c) > created(pclq) + INITIAL_SCHEDULE_GRACE_MS;
}

/** WasPCSGEverHealthy (§10.1). */
export function wasPcsgEverHealthy(pcsg: PodCliqueScalingGroup): boolean {
  const c = findCondition(pcsg.status?.conditions, ConditionMinAvailableBreached);
  if (!c) return false;
  return c.status === "False" || ltt(c) > created(pcsg) + INITIAL_SCHEDULE_GRACE_MS;
}

/** ms left before a breach expires (≤ 0: expired); undefined when not breached. */
export function breachWait(
  conditions: readonly Condition[] | undefined,
  delayMs: number,
  now: number,
): number | undefined {
  const c = findCondition(conditions, ConditionMinAvailableBreached);
  if (c?.status !== "True") return undefined;
  return delayMs - (now - ltt(c));
}

const delayOf = (pcs: PodCliqueSet) =>
  parseDuration(pcs.spec.template.terminationDelay ?? DEFAULT_TERMINATION_DELAY);

/** PCS level (§10.2): runs in group 1 of every PCS reconcile. */
export function pcsReplicaGangTermination(ctx: ControllerContext): Component<PodCliqueSet> {
  return {
    kind: "PodCliqueSetReplica",
    async sync(pcs): Promise<SyncHint | undefined> {
      const delayMs = delayOf(pcs);
      const now = ctx.options.now().getTime();
      const expectedStandalone = standaloneCliques(pcs).length;
      let minWait = Number.POSITIVE_INFINITY;
      const ns = pcs.metadata.namespace;
      // Each child read once, by replica (not filtered again per replica).
      const standaloneByReplica = liveByPcsReplica(standalonePodCliquesOf(ctx, pcs));
      const pcsgsByReplica = liveByPcsReplica(pcsgsOf(ctx, pcs));
      let allByReplica: Map<number, PodClique[]> | undefined;
      for (let i = 0; i < (pcs.spec.replicas ?? 0); i++) {
        const standalone = standaloneByReplica.get(i) ?? [];
        if (standalone.length < expectedStandalone) continue;
        const pcsgs = pcsgsByReplica.get(i) ?? [];
        const waits = [
          ...standalone
            .filter(wasPodCliqueEverScheduled)
            .map((p) => breachWait(p.status?.conditions, delayMs, now)),
          ...pcsgs
            .filter(
              (g) =>
                wasPcsgEverHealthy(g) &&
                findCondition(g.status?.conditions, ConditionGangTerminationInProgress)?.status !== "True",
            )
            .map((g) => breachWait(g.status?.conditions, delayMs, now)),
        ].filter((w): w is number => w !== undefined);
        if (waits.length === 0) continue;
        if (Math.min(...waits) > 0) {
          minWait = Math.min(minWait, ...waits);
          continue;
        }
        ctx.logger.info("terminating PodCliqueSet replica", { pcs: pcs.metadata.name, replica: i });
        allByReplica ??= liveByPcsReplica(allPodCliquesOf(ctx, pcs));
        const victims = allByReplica.get(i) ?? [];
        try {
          await slowStart(victims, "ERR_DELETE_PODCLIQUE", (p) =>
            deleteIgnoreNotFound(ctx.client, PodCliqueType, p.metadata.name ?? "", ns),
          );
        } catch (err) {
          ctx.events.pcs.event(
            pcs,
            "Warning",
            ReasonPodCliqueSetReplicaDeleteFailed,
            `Error deleting PodCliqueSet replica ${i}: ${errText(err)}`,
          );
          throw err;
        }
        ctx.events.pcs.event(
          pcs,
          "Normal",
          ReasonPodCliqueSetReplicaDeleteSuccessful,
          `PodCliqueSet replica ${i} deleted`,
        );
        for (const g of pcsgs) {
          const conditions = setCondition(
            g.status?.conditions,
            {
              type: ConditionGangTerminationInProgress,
              status: "True",
              reason: ReasonGangTerminationActive,
              message: `PodCliqueSet replica ${i} is being recreated`,
            },
            new Date(now),
          );
          await ctx.client.patch(
            PodCliqueScalingGroupType,
            g.metadata.name ?? "",
            ns,
            { type: "merge", body: { status: { conditions } } },
            { subresource: "status" },
          );
        }
      }
      return Number.isFinite(minWait) ? { requeueAfterMs: Math.max(1, minWait) } : undefined;
    },
  };
}

/** PCSG level (§10.3): recreates expired PCSG replicas unless that would leave fewer than minAvailable. */
export async function pcsgReplicaGangTermination(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  pcsg: PodCliqueScalingGroup,
  members: readonly PodClique[],
): Promise<SyncHint | undefined> {
  const delayMs = delayOf(pcs);
  const now = ctx.options.now().getTime();
  const waitByReplica = new Map<number, number>();
  for (const p of members) {
    if (isTerminating(p) || !wasPodCliqueEverScheduled(p)) continue;
    const w = breachWait(p.status?.conditions, delayMs, now);
    const j = intLabel(p, LabelPodCliqueScalingGroupReplicaIndex);
    if (w === undefined || j === undefined) continue;
    waitByReplica.set(j, Math.min(w, waitByReplica.get(j) ?? Number.POSITIVE_INFINITY));
  }
  const expired = [...waitByReplica].filter(([, w]) => w <= 0).map(([j]) => j);
  const waiting = [...waitByReplica].filter(([, w]) => w > 0).map(([, w]) => w);
  // Too many breached: the PCSG's own condition turns True and the PCS level takes the replica.
  if (pcsg.spec.replicas - (expired.length + waiting.length) < (pcsg.spec.minAvailable ?? 1))
    return undefined;
  const victims = members.filter(
    (p) => !isTerminating(p) && expired.includes(intLabel(p, LabelPodCliqueScalingGroupReplicaIndex) ?? -1),
  );
  if (victims.length > 0)
    ctx.logger.info("terminating PCSG replicas", { pcsg: pcsg.metadata.name, replicas: expired });
  await deletePcsgReplicas(ctx, pcs, pcsg, victims);
  if (waiting.length > 0) return { requeueAfterMs: Math.max(1, Math.min(...waiting)) };
  return victims.length > 0 ? { requeueAfterMs: ctx.options.requeueAfterMs } : undefined;
}

/**
 * Deletes whole PCSG replicas (their member PodCliques), highest index first, batches by slow start.
 * As upstream, the PCSG controller records PodCliqueScalingGroupReplicaDelete{Successful,Failed} on
 * the PodCliqueSet, one per replica.
 */
export async function deletePcsgReplicas(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  pcsg: PodCliqueScalingGroup,
  members: readonly PodClique[],
): Promise<void> {
  const byReplica = new Map<number, PodClique[]>();
  for (const p of members) {
    const j = intLabel(p, LabelPodCliqueScalingGroupReplicaIndex) ?? -1;
    byReplica.set(j, [...(byReplica.get(j) ?? []), p]);
  }
  const name = pcsg.metadata.name ?? "";
  const replicas = [...byReplica].sort(([a], [b]) => b - a);
  await slowStart(replicas, "ERR_DELETE_PODCLIQUE", async ([j, pclqs]) => {
    try {
      await Promise.all(
        pclqs.map((p) =>
          deleteIgnoreNotFound(ctx.client, PodCliqueType, p.metadata.name ?? "", pcsg.metadata.namespace),
        ),
      );
    } catch (err) {
      ctx.events.pcsg.event(
        pcs,
        "Warning",
        ReasonPodCliqueScalingGroupReplicaDeleteFailed,
        `Error deleting PodCliqueScalingGroup ${name} ReplicaIndex ${j} : ${errText(err)}`,
      );
      throw err;
    }
    ctx.events.pcsg.event(
      pcs,
      "Normal",
      ReasonPodCliqueScalingGroupReplicaDeleteSuccessful,
      `Deleted PodCliqueScalingGroup ${name} replicaIndex: ${j}`,
    );
  });
}
