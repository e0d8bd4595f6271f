// The PodCliqueSet's components (grove-behaviour.md §3.5), each converging one child kind from the
// cache towards the pure desired state of ../desired.ts.
import {
  LabelPodGang,
  MessagePodGangPodsCreated,
  MessagePodGangPodsCreationPending,
  PodCliqueScalingGroupType,
  PodCliqueType,
  PodGangConditionInitialized,
  PodGangPhasePending,
  PodGangType,
  ReasonPodGangPodsCreated,
  ReasonPodGangPodsCreationPending,
  saTokenSecretName,
} from "@grove-ts/api";
import {
  findCondition,
  HorizontalPodAutoscalerType,
  isAlreadyExists,
  isConflict,
  isControlledBy,
  isInvalid,
  type KubeObject,
  RequeueAfterError,
  RoleBindingType,
  RoleType,
  SecretType,
  ServiceAccountType,
  ServiceType,
  setCondition,
  statusPatchOps,
} from "@grove-ts/runtime";
import { childrenOf, pcsgsOf, podGangsOf, podsOf, standalonePodCliquesOf } from "../children.js";
import type { Component } from "../component.js";
import type { ControllerContext } from "../context.js";
import {
  type DesiredPodGang,
  desiredHpas,
  desiredPcsg,
  desiredPodGangs,
  desiredRole,
  desiredRoleBinding,
  desiredService,
  desiredServiceAccount,
  desiredStandalonePodClique,
  desiredTokenSecret,
  podGangObject,
  schedulerNameOf,
  standaloneCliques,
  topologyNameOf,
  topologyTranslator,
} from "../desired.js";
import { SecretConflictError } from "../errors.js";
import {
  errText,
  objectKey,
  ReasonPodCliqueCreateOrUpdateFailed,
  ReasonPodCliqueCreateOrUpdateSuccessful,
  ReasonPodCliqueDeleteFailed,
  ReasonPodCliqueDeleteSuccessful,
  ReasonPodCliqueScalingGroupCreateOrUpdateFailed,
  ReasonPodCliqueScalingGroupCreateSuccessful,
  ReasonPodCliqueScalingGroupDeleteFailed,
  ReasonPodCliqueScalingGroupDeleteSuccessful,
  ReasonPodGangCreateOrUpdateFailed,
  ReasonPodGangCreateOrUpdateSuccessful,
  ReasonPodGangDeleteFailed,
  ReasonPodGangDeleteSuccessful,
  recorded,
} from "../events.js";
import { pcsReplicaGangTermination } from "../gang-termination.js";
import type { PodCliqueSet, PodGang } from "../types.js";
import {
  createIgnoreExists,
  createOrPatch,
  deleteIgnoreNotFound,
  isSubset,
  isTerminating,
  slowStart,
} from "../util.js";

type PCSComponent = Component<PodCliqueSet>;
const names = (objs: readonly KubeObject[]): string[] => objs.map((o) => o.metadata.name ?? "");
const ns = (pcs: PodCliqueSet) => pcs.metadata.namespace;

function singleton(
  ctx: ControllerContext,
  kind: string,
  informer: ControllerContext["informers"]["serviceAccount"],
  type: typeof ServiceAccountType,
  build: (pcs: PodCliqueSet) => KubeObject & Record<string, unknown>,
  /** Role and RoleBinding are created once and never updated (§3.5). */
  patchable: boolean,
): PCSComponent {
  return {
    kind,
    // RBAC only serves the startsAfter init container; its failure must not stop the pods (see README).
    nonBlocking: !patchable,
    existingNames: (pcs) => names(childrenOf(informer, pcs)),
    async sync(pcs) {
      const want = build(pcs);
      const have = informer.cache.get(want.metadata.name ?? "", ns(pcs));
      if (!have) return createIgnoreExists(ctx.client, type, want);
      if (!patchable) return;
      const { apiVersion: _a, kind: _k, metadata, ...rest } = want;
      await createOrPatch(ctx.client, type, have, want, { metadata: { labels: metadata.labels }, ...rest });
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs)) await deleteIgnoreNotFound(ctx.client, type, n, ns(pcs));
    },
  };
}

/** SA token Secret: created once; later groups wait (requeue) until a token controller fills it. */
function tokenSecret(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.secret;
  return {
    kind: "ServiceAccountTokenSecret",
    existingNames: (pcs) => names(childrenOf(inf, pcs)),
    async sync(pcs) {
      const name = saTokenSecretName(pcs.metadata.name ?? "");
      const have = inf.cache.get(name, ns(pcs));
      if (!have) {
        await createIgnoreExists(ctx.client, SecretType, desiredTokenSecret(pcs));
        throw new RequeueAfterError(
          `secret ${name} created; waiting for its token`,
          ctx.options.requeueAfterMs,
        );
      }
      if (!isControlledBy(have, pcs.metadata.uid ?? "")) throw new SecretConflictError(name);
      if (!have.data?.token)
        throw new RequeueAfterError(`secret ${name} has no token yet`, ctx.options.requeueAfterMs);
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs)) await deleteIgnoreNotFound(ctx.client, SecretType, n, ns(pcs));
    },
  };
}

/** Headless Services for [0, replicas); services of scaled-in replicas stay (§3.5, quirk §20.4). */
function headlessServices(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.service;
  return {
    kind: "HeadlessService",
    existingNames: (pcs) => names(childrenOf(inf, pcs)),
    async sync(pcs) {
      const wants = Array.from({ length: pcs.spec.replicas ?? 0 }, (_, i) => desiredService(pcs, i));
      await slowStart(wants, "ERR_SYNC_HEADLESSSERVICE", async (want) => {
        const have = inf.cache.get(want.metadata.name ?? "", ns(pcs));
        await createOrPatch(ctx.client, ServiceType, have, want, {
          metadata: { labels: want.metadata.labels },
          spec: want.spec,
        });
      });
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs))
        await deleteIgnoreNotFound(ctx.client, ServiceType, n, ns(pcs));
    },
  };
}

function hpas(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.hpa;
  return {
    kind: "HorizontalPodAutoscaler",
    existingNames: (pcs) => names(childrenOf(inf, pcs)),
    async sync(pcs) {
      const wants = desiredHpas(pcs);
      const wanted = new Set(names(wants));
      const stale = childrenOf(inf, pcs).filter((h) => !wanted.has(h.metadata.name ?? ""));
      await slowStart(stale, "ERR_DELETE_HPA", (h) =>
        deleteIgnoreNotFound(ctx.client, HorizontalPodAutoscalerType, h.metadata.name ?? "", ns(pcs)),
      );
      await slowStart(wants, "ERR_SYNC_HPA", async (want) => {
        const have = inf.cache.get(want.metadata.name ?? "", ns(pcs));
        await createOrPatch(ctx.client, HorizontalPodAutoscalerType, have, want, {
          metadata: { labels: want.metadata.labels },
          spec: want.spec,
        });
      });
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs))
        await deleteIgnoreNotFound(ctx.client, HorizontalPodAutoscalerType, n, ns(pcs));
    },
  };
}

/** Standalone PodCliques: scale-in deletes indices ≥ replicas; CreateOrPatch keeps live replicas. */
function podCliques(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.pclq;
  return {
    kind: "PodClique",
    existingNames: (pcs) => names(standalonePodCliquesOf(ctx, pcs)),
    async sync(pcs) {
      const replicas = pcs.spec.replicas ?? 0;
      const wants = [];
      for (let i = 0; i < replicas; i++)
        for (const c of standaloneCliques(pcs)) wants.push(desiredStandalonePodClique(pcs, i, c));
      const wanted = new Set(wants.map((w) => w.object.metadata.name));
      const stale = standalonePodCliquesOf(ctx, pcs).filter(
        (p) => !isTerminating(p) && !wanted.has(p.metadata.name ?? ""),
      );
      await slowStart(stale, "ERR_DELETE_PODCLIQUE", (p) =>
        recorded(
          ctx.events.pcs,
          pcs,
          { ok: ReasonPodCliqueDeleteSuccessful, failed: ReasonPodCliqueDeleteFailed },
          () => deleteIgnoreNotFound(ctx.client, PodCliqueType, p.metadata.name ?? "", ns(pcs)),
          {
            ok: () => `Deleted PodClique: ${p.metadata.name}`,
            failed: (err) => `Error deleting PodClique ${objectKey(p)}: ${errText(err)}`,
          },
        ),
      );
      await slowStart(wants, "ERR_SYNC_PODCLIQUE", async (w) => {
        const have = inf.cache.get(w.object.metadata.name ?? "", ns(pcs));
        if (have && isTerminating(have)) return;
        await recorded(
          ctx.events.pcs,
          pcs,
          { ok: ReasonPodCliqueCreateOrUpdateSuccessful, failed: ReasonPodCliqueCreateOrUpdateFailed },
          () => createOrPatch(ctx.client, PodCliqueType, have, w.object, w.patch),
          {
            // Upstream: "PodClique %v %s successfully" with controllerutil's created/updated, none: silent.
            ok: (r) =>
              r === "unchanged"
                ? undefined
                : `PodClique ${objectKey(w.object)} ${r === "created" ? "created" : "updated"} successfully`,
            failed: (err) => `PodClique ${objectKey(w.object)} creation or updation failed: ${errText(err)}`,
          },
        );
      });
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs))
        await deleteIgnoreNotFound(ctx.client, PodCliqueType, n, ns(pcs));
    },
  };
}

function scalingGroups(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.pcsg;
  return {
    kind: "PodCliqueScalingGroup",
    existingNames: (pcs) => names(pcsgsOf(ctx, pcs)),
    async sync(pcs) {
      const wants = [];
      for (let i = 0; i < (pcs.spec.replicas ?? 0); i++)
        for (const cfg of pcs.spec.template.podCliqueScalingGroups ?? [])
          wants.push(desiredPcsg(pcs, i, cfg));
      const wanted = new Set(wants.map((w) => w.object.metadata.name));
      const stale = pcsgsOf(ctx, pcs).filter((g) => !isTerminating(g) && !wanted.has(g.metadata.name ?? ""));
      await slowStart(stale, "ERR_DELETE_PODCLIQUESCALINGGROUP", (g) =>
        recorded(
          ctx.events.pcs,
          pcs,
          {
            ok: ReasonPodCliqueScalingGroupDeleteSuccessful,
            failed: ReasonPodCliqueScalingGroupDeleteFailed,
          },
          () => deleteIgnoreNotFound(ctx.client, PodCliqueScalingGroupType, g.metadata.name ?? "", ns(pcs)),
          {
            ok: () => `Deleted PodCliqueScalingGroup ${objectKey(g)}`,
            failed: (err) => `Error deleting PodCliqueScalingGroup ${objectKey(g)}: ${errText(err)}`,
          },
        ),
      );
      await slowStart(wants, "ERR_SYNC_PODCLIQUESCALINGGROUP", async (w) => {
        const have = inf.cache.get(w.object.metadata.name ?? "", ns(pcs));
        if (have && isTerminating(have)) return;
        await recorded(
          ctx.events.pcs,
          pcs,
          {
            ok: ReasonPodCliqueScalingGroupCreateSuccessful,
            failed: ReasonPodCliqueScalingGroupCreateOrUpdateFailed,
          },
          () => createOrPatch(ctx.client, PodCliqueScalingGroupType, have, w.object, w.patch),
          {
            ok: (r) =>
              r === "unchanged" ? undefined : `Created PodCliqueScalingGroup ${objectKey(w.object)}`,
            failed: (err) =>
              `Error creating or updating PodCliqueScalingGroup ${objectKey(w.object)}: ${errText(err)}`,
          },
        );
      });
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs))
        await deleteIgnoreNotFound(ctx.client, PodCliqueScalingGroupType, n, ns(pcs));
    },
  };
}

/**
 * PodGangs (grove-behaviour.md §9): delete the unexpected, CreateOrPatch the expected with the
 * podReferences of the pods already labelled for each gang, and set Initialized once every
 * constituent PodClique has all its pods. A gang still waiting for pods makes the reconcile requeue.
 */
function podGangs(ctx: ControllerContext): PCSComponent {
  return {
    kind: "PodGang",
    existingNames: (pcs) => names(podGangsOf(ctx, pcs)),
    async sync(pcs) {
      const namespace = ns(pcs);
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
      // Every gang's object first, then their Initialized conditions: a scheduler that sees a base
      // gang initialized already sees the scaled gangs that will follow it into its domain
      // (packages/scheduler README, "Scaled gangs"), however slowly the API server delivers events.
      const written: { d: DesiredPodGang; gang: WrittenGang }[] = [];
      for (const d of expected)
        written.push({ d, gang: await writeGang(ctx, pcs, d, scheduler, ctb ? topologyName : undefined) });
      let pending = 0;
      for (const { d, gang } of written) if (!(await initializeGang(ctx, pcs, d, gang))) pending++;
      if (pending > 0)
        throw new RequeueAfterError(`${pending} PodGang(s) wait for their pods`, ctx.options.requeueAfterMs);
    },
    async delete(pcs) {
      for (const n of this.existingNames(pcs))
        await deleteIgnoreNotFound(ctx.client, PodGangType, n, ns(pcs));
    },
  };
}

/** A gang's object after its spec write (undefined while it cannot be written), and whether all its pods exist. */
interface WrittenGang {
  current: PodGang | undefined;
  ready: boolean;
}

/** CreateOrPatch of one gang's object (metadata and spec). */
async function writeGang(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  d: DesiredPodGang,
  scheduler: string,
  topologyName: string | undefined,
): Promise<WrittenGang> {
  const namespace = ns(pcs);
  let ready = true;
  const refs = (pclqName: string): string[] => {
    const pclq = ctx.informers.pclq.cache.get(pclqName, namespace);
    if (!pclq || isTerminating(pclq)) {
      ready = false;
      return [];
    }
    const pods = podsOf(ctx, pclq).filter((p) => !isTerminating(p));
    const labelled = pods.filter((p) => p.metadata.labels?.[LabelPodGang] === d.name);
    if (labelled.length !== pods.length || pods.length < pclq.spec.replicas) ready = false;
    return labelled.map((p) => p.metadata.name ?? "").sort();
  };
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
  const namespace = ns(pcs);
  if (!current) return false;
  // A PodGang the scheduler wrote meanwhile fails the patch's test (statusPatchOps): once more
  // from a fresh read, since PodGang status events do not requeue the PodCliqueSet.
  for (let attempt = 0, base = ctx.statusMemory.newest(current); ; attempt++) {
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

/** The PCS components in Grove's three sequential groups (grove-behaviour.md §3.4). */
export function pcsComponentGroups(ctx: ControllerContext): PCSComponent[][] {
  const i = ctx.informers;
  return [
    [
      singleton(ctx, "ServiceAccount", i.serviceAccount, ServiceAccountType, desiredServiceAccount, true),
      singleton(ctx, "Role", i.role, RoleType, desiredRole, false),
      singleton(ctx, "RoleBinding", i.roleBinding, RoleBindingType, desiredRoleBinding, false),
      tokenSecret(ctx),
      headlessServices(ctx),
      hpas(ctx),
      pcsReplicaGangTermination(ctx),
    ],
    [podCliques(ctx)],
    [scalingGroups(ctx), podGangs(ctx)],
  ];
}
