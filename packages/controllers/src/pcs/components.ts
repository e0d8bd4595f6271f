// The PodCliqueSet's components (grove-behaviour.md §3.5), each converging one child kind from the
// cache towards the pure desired state of ../desired.ts.
import { PodCliqueScalingGroupType, PodCliqueType, saTokenSecretName } from "@grove-ts/api";
import {
  HorizontalPodAutoscalerType,
  isControlledBy,
  type KubeObject,
  RequeueAfterError,
  RoleBindingType,
  RoleType,
  SecretType,
  ServiceAccountType,
  ServiceType,
} from "@grove-ts/runtime";
import { childrenOf, pcsgsOf, standalonePodCliquesOf } from "../children.js";
import type { Component } from "../component.js";
import type { ControllerContext } from "../context.js";
import { desiredPcsg, desiredStandalonePodClique, standaloneCliques } from "../desired.js";
import {
  desiredHpas,
  desiredRole,
  desiredRoleBinding,
  desiredService,
  desiredServiceAccount,
  desiredTokenSecret,
} from "../desired-pcs.js";
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
  recorded,
} from "../events.js";
import { pcsReplicaGangTermination } from "../gang-termination.js";
import { withMNNVL } from "../mnnvl.js";
import { pcsComputeDomains } from "../mnnvl-sync.js";
import { pcsResourceClaims } from "../resource-claims-sync.js";
import type { PodCliqueSet } from "../types.js";
import {
  createIgnoreExists,
  createOrPatch,
  deleteIgnoreNotFound,
  isTerminating,
  slowStart,
} from "../util.js";
import { podGangs } from "./podgangs.js";

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
    async sync(pcs) {
      const want = build(pcs);
      const have = informer.cache.get(want.metadata.name ?? "", ns(pcs));
      if (!have) return createIgnoreExists(ctx.client, type, want);
      if (!patchable) return;
      const { apiVersion: _a, kind: _k, metadata, ...rest } = want;
      await createOrPatch(ctx.client, type, have, want, { metadata: { labels: metadata.labels }, ...rest });
    },
  };
}

/** SA token Secret: created once; later groups wait (requeue) until a token controller fills it. */
function tokenSecret(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.secret;
  return {
    kind: "ServiceAccountTokenSecret",
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
  };
}

/** Headless Services for [0, replicas); services of scaled-in replicas stay (§3.5, quirk §20.4). */
function headlessServices(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.service;
  return {
    kind: "HeadlessService",
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
  };
}

function hpas(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.hpa;
  return {
    kind: "HorizontalPodAutoscaler",
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
  };
}

/** Standalone PodCliques: scale-in deletes indices ≥ replicas; CreateOrPatch keeps live replicas. */
function podCliques(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.pclq;
  return {
    kind: "PodClique",
    async sync(pcs) {
      const replicas = pcs.spec.replicas ?? 0;
      const wants = [];
      for (let i = 0; i < replicas; i++)
        for (const c of standaloneCliques(pcs))
          wants.push(
            withMNNVL(desiredStandalonePodClique(pcs, i, c), pcs, i, c, ctx.options.autoMNNVLEnabled),
          );
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
  };
}

function scalingGroups(ctx: ControllerContext): PCSComponent {
  const inf = ctx.informers.pcsg;
  return {
    kind: "PodCliqueScalingGroup",
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
  };
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
      pcsResourceClaims(ctx),
      ...(ctx.options.autoMNNVLEnabled ? [pcsComputeDomains(ctx)] : []),
      pcsReplicaGangTermination(ctx),
    ],
    [podCliques(ctx)],
    [scalingGroups(ctx), podGangs(ctx)],
  ];
}
