// The PodCliqueSet's PodGang component (grove-behaviour.md §9): one PodGang per gang of the desired
// state of ../desired.ts, its spec written first and its Initialized condition after, as a JSON patch
// of its own status entry so the gang scheduler's phase and Scheduled survive.
import {
  LabelPodGang,
  MessagePodGangPodsCreated,
  MessagePodGangPodsCreationPending,
  PodGangConditionInitialized,
  PodGangPhasePending,
  PodGangType,
  ReasonPodGangPodsCreated,
  ReasonPodGangPodsCreationPending,
} from "@grove-ts/api";
import {
  compareResourceVersions,
  findCondition,
  forEachLimit,
  isAlreadyExists,
  isConflict,
  isControlledBy,
  isInvalid,
  RequeueAfterError,
  setCondition,
  statusPatchOps,
} from "@grove-ts/runtime";
import { podGangsOf, podsOf } from "../children.js";
import type { Component } from "../component.js";
import type { ControllerContext } from "../context.js";
import { schedulerNameOf } from "../desired.js";
import {
  type DesiredPodGang,
  desiredPodGangs,
  podGangObject,
  topologyNameOf,
  topologyTranslator,
} from "../desired-gangs.js";
import {
  errText,
  objectKey,
  ReasonPodGangCreateOrUpdateFailed,
  ReasonPodGangCreateOrUpdateSuccessful,
  ReasonPodGangDeleteFailed,
  ReasonPodGangDeleteSuccessful,
  recorded,
} from "../events.js";
import type { PodCliqueSet, PodGang } from "../types.js";
import { deleteIgnoreNotFound, isSubset, isTerminating, slowStart } from "../util.js";

/** Replicas whose gangs a pass writes at the same time. */
const GANG_WRITERS = 8;

/** The next pass after one that left such replicas for later. */
const DEFERRED_REPLICAS_REQUEUE_MS = 100;

/**
 * PodGangs (grove-behaviour.md §9): delete the unexpected, CreateOrPatch the expected with the
 * podReferences of the pods already labelled for each gang, and set Initialized once every
 * constituent PodClique has all its pods. A gang still waiting for pods makes the reconcile requeue.
 */
export function podGangs(ctx: ControllerContext): Component<PodCliqueSet> {
  return {
    kind: "PodGang",
    async sync(pcs) {
      const namespace = pcs.metadata.namespace;
      const topologyName = topologyNameOf(pcs);
      const ctb = topologyName ? ctx.informers.ctb.cache.get(topologyName) : undefined;
      const translate = topologyTranslator(ctb, ctx.options.topologyAwareScheduling);
      const expected = desiredPodGangs(
        pcs,
        (name) => {
          const g = ctx.informers.pcsg.cache.get(name, namespace);
          return g && isControlledBy(g, pcs.metadata.uid ?? "") ? g.spec.replicas : undefined;
        },
        translate,
      );
      const wanted = new Set(expected.map((d) => d.name));
      const stale = podGangsOf(ctx, pcs).filter(
        (g) => !isTerminating(g) && !wanted.has(g.metadata.name ?? ""),
      );
      await slowStart(stale, "ERR_DELETE_PODGANG", (g) =>
        recorded(
          ctx.events.pcs,
          pcs,
          { ok: ReasonPodGangDeleteSuccessful, failed: ReasonPodGangDeleteFailed },
          () => deleteIgnoreNotFound(ctx.client, PodGangType, g.metadata.name ?? "", namespace),
          {
            ok: () => `Deleted PodGang ${objectKey(g)}`,
            failed: (err) => `Error deleting PodGang ${objectKey(g)}: ${errText(err)}`,
          },
        ),
      );
      const scheduler = schedulerNameOf(pcs, ctx.options.defaultSchedulerName);
      const byReplica = new Map<number, DesiredPodGang[]>();
      for (const d of expected) {
        const list = byReplica.get(d.replica);
        if (list) list.push(d);
        else byReplica.set(d.replica, [d]);
      }
      // A replica none of whose gangs exists yet, and whose pods do not all exist yet, is created
      // empty and marked Initialized=False, then patched with its pods and marked True on a later
      // pass: four writes. Over a rate-limited client a large PodCliqueSet's first pass would
      // spend many seconds on that (500 replicas: about ten at 100 writes per second) while no
      // gang gets its pods and no gate comes off. So a pass writes at most
      // `podGangEmptyReplicasPerPass` such replicas (64, or an eighth of the replicas) and leaves
      // the rest to the next passes (requeued at once), by when most have all their pods: created
      // with their references and marked True, two writes. Replicas with a gang or with all their
      // pods are written in every pass; a small PodCliqueSet is written whole, as Grove does.
      const replicas: DesiredPodGang[][] = [];
      let deferred = 0;
      let budget = ctx.options.podGangEmptyReplicasPerPass ?? Math.max(64, Math.ceil(byReplica.size / 8));
      for (const gangs of byReplica.values()) {
        const empty = gangs.every(
          (d) => !ctx.informers.podgang.cache.get(d.name, namespace) && !gangPods(ctx, namespace, d).ready,
        );
        if (empty && --budget < 0) deferred++;
        else replicas.push(gangs);
      }
      // Per replica, every gang's object first, then their Initialized conditions: a scheduler
      // that sees a base gang initialized already sees the scaled gangs that will follow it into
      // its domain (packages/scheduler README, "Scaled gangs"), however slowly the API server
      // delivers events. GANG_WRITERS replicas at a time: one at a time, a pass over a real
      // kube-apiserver (tens of milliseconds a write) wrote about ten gangs a second; all at once
      // (tried) took a 5,000-replica PCS from 19 to 50 CPU seconds to Ready in process.
      let pending = 0;
      await forEachLimit(replicas, GANG_WRITERS, async (gangs) => {
        const written: { d: DesiredPodGang; gang: WrittenGang }[] = [];
        for (const d of gangs)
          written.push({ d, gang: await writeGang(ctx, pcs, d, scheduler, ctb ? topologyName : undefined) });
        for (const { d, gang } of written) if (!(await initializeGang(ctx, pcs, d, gang))) pending++;
      });
      if (deferred > 0)
        throw new RequeueAfterError(
          `${deferred} PodCliqueSet replica(s) wait for their PodGangs to be created`,
          DEFERRED_REPLICAS_REQUEUE_MS,
        );
      if (pending > 0)
        throw new RequeueAfterError(`${pending} PodGang(s) wait for their pods`, ctx.options.requeueAfterMs);
    },
  };
}

/** A gang's object after its spec write (undefined while it cannot be written), and whether all its pods exist. */
interface WrittenGang {
  current: PodGang | undefined;
  ready: boolean;
}

/**
 * The pods each of a gang's PodGroups lists (non-terminating pods of the PodClique labelled for the
 * gang, sorted), and whether the gang is ready: every PodClique exists with all its pods, each
 * labelled for this gang (grove-behaviour.md §9 step 3).
 */
function gangPods(
  ctx: ControllerContext,
  namespace: string | undefined,
  d: DesiredPodGang,
): { refs: Map<string, string[]>; ready: boolean } {
  let ready = true;
  const refs = new Map<string, string[]>();
  for (const { name: pclqName } of d.groups) {
    const pclq = ctx.informers.pclq.cache.get(pclqName, namespace);
    if (!pclq || isTerminating(pclq)) {
      ready = false;
      refs.set(pclqName, []);
      continue;
    }
    const pods = podsOf(ctx, pclq).filter((p) => !isTerminating(p));
    const labelled = pods.filter((p) => p.metadata.labels?.[LabelPodGang] === d.name);
    if (labelled.length !== pods.length || pods.length < pclq.spec.replicas) ready = false;
    refs.set(pclqName, labelled.map((p) => p.metadata.name ?? "").sort());
  }
  return { refs, ready };
}

/** CreateOrPatch of one gang's object (metadata and spec). */
async function writeGang(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  d: DesiredPodGang,
  scheduler: string,
  topologyName: string | undefined,
): Promise<WrittenGang> {
  const namespace = pcs.metadata.namespace;
  const { refs: byClique, ready } = gangPods(ctx, namespace, d);
  const refs = (pclqName: string): string[] => byClique.get(pclqName) ?? [];
  const existing = ctx.informers.podgang.cache.get(d.name, namespace);
  const want = podGangObject(pcs, d, refs, scheduler, topologyName, existing);
  const patch: Record<string, unknown> = {
    metadata: { labels: want.metadata.labels, annotations: want.metadata.annotations ?? null },
    spec: {
      ...want.spec,
      topologyConstraint: want.spec.topologyConstraint ?? null,
      topologyConstraintGroupConfigs: want.spec.topologyConstraintGroupConfigs ?? null,
      priorityClassName: want.spec.priorityClassName ?? null,
    },
  };
  if (existing && isTerminating(existing)) return { current: undefined, ready };
  // The newest object after the spec write is the base of the status patch below.
  let current: PodGang | undefined = existing;
  // Annotations are compared exactly: a dropped grove.io/topology-name must be removed (§14.1).
  const annotationsDiffer =
    existing !== undefined && !isSubset(existing.metadata.annotations ?? {}, want.metadata.annotations ?? {});
  const key = `${namespace}/${d.name}`;
  const failed = (err: unknown) =>
    ctx.events.pcs.event(
      pcs,
      "Warning",
      ReasonPodGangCreateOrUpdateFailed,
      `Error Creating/Updating PodGang ${key}: ${errText(err)}`,
    );
  const written = () =>
    ctx.events.pcs.event(
      pcs,
      "Normal",
      ReasonPodGangCreateOrUpdateSuccessful,
      `Created/Updated PodGang ${key}`,
    );
  if (!existing) {
    try {
      current = await ctx.client.create<PodGang>(PodGangType, want);
      written();
    } catch (err) {
      // A stale cache: the next reconcile sees it.
      if (isAlreadyExists(err)) return { current: undefined, ready };
      failed(err);
      throw err;
    }
  } else if (annotationsDiffer || !isSubset(patch, existing)) {
    if (annotationsDiffer) {
      const removed = Object.keys(existing.metadata.annotations ?? {}).filter(
        (k) => !(k in (want.metadata.annotations ?? {})),
      );
      (patch.metadata as Record<string, unknown>).annotations = {
        ...(want.metadata.annotations ?? {}),
        ...Object.fromEntries(removed.map((k) => [k, null])),
      };
    }
    try {
      current = await ctx.client.patch<PodGang>(PodGangType, d.name, namespace, {
        type: "merge",
        body: patch,
      });
    } catch (err) {
      failed(err);
      throw err;
    }
    written();
  }
  return { current, ready };
}

/** Sets the gang's Initialized condition; returns whether it is initialized (every constituent pod exists and is labelled). */
async function initializeGang(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  d: DesiredPodGang,
  { current, ready }: WrittenGang,
): Promise<boolean> {
  const namespace = pcs.metadata.namespace;
  if (!current) return false;
  // Every gang is written before any is initialized, so by now the scheduler may have written this
  // one's status (it binds as soon as the gang lists its pods): start from the cache when it shows
  // a newer object than the spec write returned, not from a refused patch and a read.
  const cached = ctx.informers.podgang.cache.get(d.name, namespace);
  const newer =
    cached && compareResourceVersions(cached.metadata.resourceVersion, current.metadata.resourceVersion) === 1
      ? cached
      : current;
  // A PodGang the scheduler wrote meanwhile fails the patch's test (statusPatchOps): once more
  // from a fresh read, since PodGang status events do not requeue the PodCliqueSet.
  for (let attempt = 0, base = ctx.statusMemory.newest(newer); ; attempt++) {
    const initialized = findCondition(base.status?.conditions, PodGangConditionInitialized);
    // Once True, Initialized is never reset (grove-api.md §15.2).
    if (initialized?.status === "True") return true;
    if (initialized && !ready) return false;
    const input = ready
      ? {
          type: PodGangConditionInitialized,
          status: "True" as const,
          reason: ReasonPodGangPodsCreated,
          message: MessagePodGangPodsCreated,
        }
      : {
          type: PodGangConditionInitialized,
          status: "False" as const,
          reason: ReasonPodGangPodsCreationPending,
          message: MessagePodGangPodsCreationPending,
        };
    const cond = setCondition(base.status?.conditions, input, ctx.options.now()).find(
      (c) => c.type === PodGangConditionInitialized,
    );
    if (!cond) return false;
    // The first status carries phase Pending; afterwards phase is the scheduler's.
    const ops = statusPatchOps(base, { initial: { phase: PodGangPhasePending }, condition: cond });
    if (ops.length === 0) return ready;
    try {
      const written = await ctx.client.patch<PodGang>(
        PodGangType,
        d.name,
        namespace,
        { type: "json", body: ops },
        { subresource: "status" },
      );
      ctx.statusMemory.record(written);
      return ready;
    } catch (err) {
      if (!(isConflict(err) || isInvalid(err))) throw err;
      if (attempt > 0) return false;
      const fresh = await ctx.client.get<PodGang>(PodGangType, d.name, namespace);
      if (!fresh || isTerminating(fresh)) return false;
      base = fresh;
    }
  }
}
