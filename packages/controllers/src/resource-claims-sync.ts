// Converging the shared ResourceClaims (pure shapes in resource-claims.ts) and the PodClique's view of
// them: the PCS component (group 1), the PCSG step before its members, and the PodClique step before
// its pods, which also checks that every claim its pods will reference exists. A template that cannot
// be resolved is a ResourceClaimTemplateNotFoundError; the PodClique reports it in its
// `ResourceClaimsReady` condition and creates no pods until it is there (pods referencing a claim
// that never comes would stay Pending).
import {
  type Condition,
  isAlreadyExists,
  type KubeObject,
  ReconcileError,
  RequeueAfterError,
  ResourceClaimTemplateType,
  ResourceClaimType,
  setCondition,
} from "@grove-ts/runtime";
import { childrenOf } from "./children.js";
import type { Component } from "./component.js";
import type { ControllerContext } from "./context.js";
import {
  type CliquePlace,
  cliquePlace,
  pclqClaims,
  pcsClaims,
  pcsgClaims,
  pcsgConfigName,
  podClaimRefs,
  type SharingEntry,
  type WantedClaim,
} from "./resource-claims.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "./types.js";
import { deleteIgnoreNotFound, isSubset, isTerminating, slowStart } from "./util.js";

export type ResourceClaim = KubeObject & { spec?: Record<string, unknown> };

export const ConditionResourceClaimsReady = "ResourceClaimsReady";
export const ReasonResourceClaimsCreated = "ResourceClaimsCreated";
export const ReasonResourceClaimTemplateNotFound = "ResourceClaimTemplateNotFound";

/** A `resourceSharing` entry names a template that is neither internal nor in the cluster. */
export class ResourceClaimTemplateNotFoundError extends ReconcileError {
  constructor(
    readonly template: string,
    readonly namespace: string,
    readonly level: string,
  ) {
    super(
      "ERR_RESOURCE_CLAIM_TEMPLATE_NOT_FOUND",
      `ResourceClaimTemplate ${namespace}/${template} not found: ${level} resourceSharing entry "${template}" names neither an entry of spec.template.resourceClaimTemplates nor an existing ResourceClaimTemplate`,
    );
    this.name = "ResourceClaimTemplateNotFoundError";
  }
}

/** A claim of that name exists and another controller owns it. */
export class ResourceClaimConflictError extends ReconcileError {
  constructor(name: string) {
    super("ERR_RESOURCE_CLAIM_CONFLICT", `ResourceClaim ${name} exists and is controlled by another owner`);
    this.name = "ResourceClaimConflictError";
  }
}

/**
 * The claim spec of an entry (grove-api.md §2.7): an internal template when the entry has no
 * namespace and one of `spec.template.resourceClaimTemplates` has its name, else the
 * ResourceClaimTemplate `name` in `namespace` (default: the PCS namespace), read from the API server.
 */
export async function resolveClaimSpec(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  entry: SharingEntry,
  level: string,
): Promise<Record<string, unknown>> {
  if (!entry.namespace) {
    const internal = (pcs.spec.template.resourceClaimTemplates ?? []).find((t) => t.name === entry.name);
    if (internal) return structuredClone((internal.templateSpec as { spec?: object }).spec ?? {}) as never;
  }
  const ns = entry.namespace || pcs.metadata.namespace || "";
  const tpl = await ctx.client.get<KubeObject & { spec?: { spec?: Record<string, unknown> } }>(
    ResourceClaimTemplateType,
    entry.name,
    ns,
  );
  if (!tpl) throw new ResourceClaimTemplateNotFoundError(entry.name, ns, level);
  return structuredClone(tpl.spec?.spec ?? {});
}

/**
 * Creates the wanted claims that are missing (spec from the template), patches labels and owner of
 * existing ones (the spec is immutable), and deletes `owned` claims no longer wanted (PerReplica
 * claims of removed replicas or pods).
 */
async function converge(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  level: string,
  wants: readonly WantedClaim[],
  owned: readonly ResourceClaim[],
): Promise<void> {
  const wanted = new Set(wants.map((w) => w.name));
  const stale = owned.filter((c) => !isTerminating(c) && !wanted.has(c.metadata.name ?? ""));
  await slowStart(stale, "ERR_DELETE_RESOURCECLAIM", (c) =>
    deleteIgnoreNotFound(ctx.client, ResourceClaimType, c.metadata.name ?? "", c.metadata.namespace),
  );
  await slowStart(wants, "ERR_SYNC_RESOURCECLAIM", async (w) => {
    const have = ctx.informers.resourceClaim.cache.get(w.name, w.namespace);
    const metadata = { labels: w.labels, ownerReferences: [w.owner] };
    if (!have) {
      const spec = await resolveClaimSpec(ctx, pcs, w.entry, level);
      try {
        await ctx.client.create<ResourceClaim>(ResourceClaimType, {
          apiVersion: "resource.k8s.io/v1",
          kind: "ResourceClaim",
          metadata: { name: w.name, namespace: w.namespace, ...metadata },
          spec,
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if (isTerminating(have)) return;
    const controller = have.metadata.ownerReferences?.find((r) => r.controller);
    if (controller && controller.uid !== w.owner.uid) throw new ResourceClaimConflictError(w.name);
    if (isSubset(metadata, have.metadata)) return;
    await ctx.client.patch(ResourceClaimType, w.name, w.namespace, { type: "merge", body: { metadata } });
  });
}

const ownedBy = (ctx: ControllerContext, pcs: PodCliqueSet, uid: string): ResourceClaim[] =>
  childrenOf(ctx.informers.resourceClaim, pcs, uid);

/** PCS-level claims (grove-behaviour.md §3.5), in group 1; non-blocking so PodCliques still report. */
export function pcsResourceClaims(ctx: ControllerContext): Component<PodCliqueSet> {
  return {
    kind: "ResourceClaim",
    nonBlocking: true,
    async sync(pcs) {
      await converge(ctx, pcs, "PodCliqueSet", pcsClaims(pcs), ownedBy(ctx, pcs, pcs.metadata.uid ?? ""));
    },
  };
}

/** PCSG-level claims (§5.3 step 1): AllReplicas and PerReplica per PCSG replica, stale ones deleted. */
export async function syncPcsgResourceClaims(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  pcsg: PodCliqueScalingGroup,
): Promise<void> {
  const config = pcsgConfigName(pcs, pcsg);
  if (!config) return;
  const wants = pcsgClaims(pcs, pcsg, config);
  await converge(ctx, pcs, "PodCliqueScalingGroup", wants, ownedBy(ctx, pcs, pcsg.metadata.uid ?? ""));
}

/** What the PodClique step found: the claims its pods reference, or the template that is missing. */
export interface PclqClaimsResult {
  place?: CliquePlace;
  /** Claims referenced by the PodClique's pods at any level (0: no condition is written). */
  referenced: number;
  missing?: ResourceClaimTemplateNotFoundError;
}

/**
 * PodClique-level claims (§4.4) and the check that the PCS- and PCSG-level claims its pods reference
 * exist. Throws the missing template's error (pods are not created), or a requeue while a claim
 * another controller creates is not in the cache yet.
 */
export async function syncPclqResourceClaims(
  ctx: ControllerContext,
  pcs: PodCliqueSet | undefined,
  pclq: PodClique,
  result: PclqClaimsResult,
): Promise<void> {
  if (!pcs) return;
  const place = cliquePlace(pcs, pclq);
  if (!place) return;
  result.place = place;
  const name = pclq.metadata.name ?? "";
  const refs = Array.from({ length: Math.max(pclq.spec.replicas, 1) }, (_, k) =>
    podClaimRefs(pcs, name, place, k),
  ).flat();
  result.referenced = new Set(refs.map((r) => r.name)).size;
  if (result.referenced === 0 && ownedBy(ctx, pcs, pclq.metadata.uid ?? "").length === 0) return;
  try {
    const owned = ownedBy(ctx, pcs, pclq.metadata.uid ?? "");
    await converge(ctx, pcs, "PodClique", pclqClaims(pcs, pclq, place), owned);
    const waiting: string[] = [];
    for (const r of refs) {
      if (r.level === "PodClique" || ctx.informers.resourceClaim.cache.get(r.name, pclq.metadata.namespace))
        continue;
      await resolveClaimSpec(ctx, pcs, r.entry, r.level);
      waiting.push(r.name);
    }
    if (waiting.length > 0)
      throw new RequeueAfterError(
        `ResourceClaims ${[...new Set(waiting)].join(", ")} not created yet`,
        ctx.options.requeueAfterMs,
      );
  } catch (err) {
    const missing = missingTemplate(err);
    if (!missing) throw err;
    result.missing = missing;
    throw missing;
  }
}

/** The ResourceClaimTemplateNotFoundError in `err` (itself, its cause, or one of a batch's errors). */
export function missingTemplate(err: unknown): ResourceClaimTemplateNotFoundError | undefined {
  if (err instanceof ResourceClaimTemplateNotFoundError) return err;
  if (err instanceof ReconcileError && err.cause instanceof ResourceClaimTemplateNotFoundError)
    return err.cause;
  const batch = (err as { errors?: unknown[] } | undefined)?.errors ?? [];
  return batch.find(
    (e): e is ResourceClaimTemplateNotFoundError => e instanceof ResourceClaimTemplateNotFoundError,
  );
}

/**
 * A PCS- or PCSG-level claim whose template is missing is a soft error (the PodCliques still report
 * it); the owner polls for the template at the requeue interval, as nothing else wakes it.
 */
export const claimRetryHint = (softErrors: readonly unknown[], requeueAfterMs: number): number | undefined =>
  softErrors.some((e) => missingTemplate(e)) ? requeueAfterMs : undefined;

/** The PodClique's `ResourceClaimsReady` condition, only when its pods reference shared claims. */
export function withClaimCondition<S extends { conditions?: Condition[] }>(
  status: S,
  previous: readonly Condition[] | undefined,
  result: PclqClaimsResult,
  now: Date,
): S {
  const base = status.conditions ?? (previous ?? []).filter((c) => c.type === ConditionResourceClaimsReady);
  if (result.referenced === 0 && !result.missing) {
    if (!base.some((c) => c.type === ConditionResourceClaimsReady)) return status;
    return { ...status, conditions: base.filter((c) => c.type !== ConditionResourceClaimsReady) };
  }
  const cond = result.missing
    ? {
        type: ConditionResourceClaimsReady,
        status: "False" as const,
        reason: ReasonResourceClaimTemplateNotFound,
        message: result.missing.message,
      }
    : {
        type: ConditionResourceClaimsReady,
        status: "True" as const,
        reason: ReasonResourceClaimsCreated,
        message: `${result.referenced} shared ResourceClaim(s) of the pods exist`,
      };
  return { ...status, conditions: setCondition(base, cond, now) };
}
