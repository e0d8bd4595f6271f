// The scale suite's final checks (grove-behaviour.md §19.2 "Final checks") plus SoakChurn's
// consistency checks: exact pod and PodClique counts, no PCSGs, no leftovers at a replica index at or
// above the target, nothing terminating, one PodGang per replica naming exactly the live pods,
// PodCliqueSet and PodClique status converged with no lastErrors, no duplicate pod names or
// hostnames, no orphans, counters within bounds. Each violated rule is one line naming the object.
import {
  LabelPodCliqueSetReplicaIndex,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
} from "@grove-ts/api";
import { type Client, type KubeObject, PodType } from "@grove-ts/runtime";
import { partOf } from "./pod-view.js";

export interface InvariantTarget {
  namespace: string;
  pcs: string;
  /** PodCliqueSet replicas the workload should be at. */
  replicas: number;
  /** Pods per replica (all cliques). */
  podsPerReplica: number;
  /** PodCliques per replica. */
  cliquesPerReplica: number;
}

type Any = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const ready = (p: Any) =>
  ((p.status?.conditions as { type: string; status: string }[] | undefined) ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

/** Every violated invariant, one line each; empty when the workload is converged and consistent. */
export async function checkInvariants(client: Client, t: InvariantTarget): Promise<string[]> {
  const v: string[] = [];
  const sel = { namespace: t.namespace, labelSelector: partOf(t.pcs) };
  const [pcs, pods, pclqs, pcsgs, gangs] = await Promise.all([
    client.get<Any>(PodCliqueSetType, t.pcs, t.namespace),
    client.list<Any>(PodType, sel),
    client.list<Any>(PodCliqueType, sel),
    client.list<Any>(PodCliqueScalingGroupType, sel),
    client.list<Any>(PodGangType, sel),
  ]);
  if (!pcs) return [`PodCliqueSet ${t.namespace}/${t.pcs} does not exist`];

  // Counts.
  const wantPods = t.replicas * t.podsPerReplica;
  const wantPclqs = t.replicas * t.cliquesPerReplica;
  if (pods.items.length !== wantPods) v.push(`pods: ${pods.items.length} live, want ${wantPods}`);
  if (pclqs.items.length !== wantPclqs) v.push(`PodCliques: ${pclqs.items.length}, want ${wantPclqs}`);
  if (pcsgs.items.length !== 0) v.push(`PodCliqueScalingGroups: ${pcsgs.items.length}, want 0`);
  if (gangs.items.length !== t.replicas) v.push(`PodGangs: ${gangs.items.length}, want ${t.replicas}`);

  // Nothing at or above the target index, nothing terminating.
  for (const [kind, list] of [
    ["Pod", pods.items],
    ["PodClique", pclqs.items],
    ["PodCliqueScalingGroup", pcsgs.items],
    ["PodGang", gangs.items],
  ] as const) {
    for (const o of list) {
      const idx = Number(o.metadata.labels?.[LabelPodCliqueSetReplicaIndex]);
      if (Number.isFinite(idx) && idx >= t.replicas)
        v.push(`${kind} ${o.metadata.name}: replica index ${idx} >= target ${t.replicas}`);
      if (o.metadata.deletionTimestamp) v.push(`${kind} ${o.metadata.name}: has a deletionTimestamp`);
    }
  }

  // PodCliqueSet status.
  const ps = pcs.status ?? {};
  const spec = num(pcs.spec?.replicas);
  if (spec !== t.replicas) v.push(`PodCliqueSet spec.replicas ${spec}, want ${t.replicas}`);
  for (const f of ["replicas", "availableReplicas", "updatedReplicas"]) {
    if ((num(ps[f]) ?? 0) !== t.replicas)
      v.push(`PodCliqueSet status.${f} ${num(ps[f]) ?? 0}, want ${t.replicas}`);
  }
  if (ps.observedGeneration !== pcs.metadata.generation)
    v.push(
      `PodCliqueSet observedGeneration ${ps.observedGeneration} != generation ${pcs.metadata.generation}`,
    );
  if (Array.isArray(ps.lastErrors) && ps.lastErrors.length > 0)
    v.push(`PodCliqueSet lastErrors: ${JSON.stringify(ps.lastErrors)}`);
  const progress = ps.updateProgress as
    | { updatedPodCliques?: unknown[]; updatedPodCliqueScalingGroups?: unknown[] }
    | undefined;
  if (progress && (progress.updatedPodCliques?.length ?? 0) > wantPclqs)
    v.push(
      `PodCliqueSet updateProgress lists ${progress.updatedPodCliques?.length} updated PodCliques > ${wantPclqs}`,
    );

  // PodCliques: owned by the live PCS, converged, counters within bounds.
  const pclqNames = new Set<string>();
  for (const q of pclqs.items) {
    const name = q.metadata.name ?? "";
    pclqNames.add(name);
    const qs = q.status ?? {};
    const want = num(q.spec?.replicas) ?? -1;
    if (!(q.metadata.ownerReferences ?? []).some((r) => r.uid === pcs.metadata.uid))
      v.push(`PodClique ${name}: not owned by PodCliqueSet ${t.pcs} (orphan)`);
    if (qs.observedGeneration !== q.metadata.generation)
      v.push(
        `PodClique ${name}: observedGeneration ${qs.observedGeneration} != generation ${q.metadata.generation}`,
      );
    for (const f of ["replicas", "readyReplicas", "updatedReplicas", "scheduledReplicas"]) {
      const have = num(qs[f]) ?? 0;
      if (have !== want) v.push(`PodClique ${name}: status.${f} ${have}, want ${want}`);
      if (have < 0) v.push(`PodClique ${name}: status.${f} negative (${have})`);
    }
    if (Array.isArray(qs.lastErrors) && qs.lastErrors.length > 0)
      v.push(`PodClique ${name}: lastErrors ${JSON.stringify(qs.lastErrors)}`);
  }

  // Pods: unique names and hostnames, owned by a live PodClique, Ready, bound.
  const hostnames = new Map<string, string>();
  const podNames = new Set<string>();
  const podsPerClique = new Map<string, number>();
  for (const p of pods.items) {
    const name = p.metadata.name ?? "";
    if (podNames.has(name)) v.push(`Pod ${name}: listed twice`);
    podNames.add(name);
    const host = String(p.spec?.hostname ?? "");
    if (host) {
      const other = hostnames.get(host);
      if (other !== undefined) v.push(`Pods ${other} and ${name}: same hostname ${host}`);
      hostnames.set(host, name);
    }
    const owner = (p.metadata.ownerReferences ?? []).find((r) => r.kind === "PodClique");
    if (!owner || !pclqNames.has(owner.name)) v.push(`Pod ${name}: no live owning PodClique (orphan)`);
    else podsPerClique.set(owner.name, (podsPerClique.get(owner.name) ?? 0) + 1);
    if (!p.spec?.nodeName) v.push(`Pod ${name}: not bound`);
    if (!ready(p)) v.push(`Pod ${name}: not Ready`);
  }
  for (const q of pclqs.items) {
    const have = podsPerClique.get(q.metadata.name ?? "") ?? 0;
    const want = num(q.spec?.replicas) ?? -1;
    if (have !== want) v.push(`PodClique ${q.metadata.name}: owns ${have} pods, spec.replicas ${want}`);
  }

  // PodGangs: each names live pods only, every live pod is in exactly one gang, minimum ≤ pods.
  const inGang = new Map<string, string>();
  for (const g of gangs.items) {
    const gname = g.metadata.name ?? "";
    if (!(g.metadata.ownerReferences ?? []).some((r) => r.uid === pcs.metadata.uid))
      v.push(`PodGang ${gname}: not owned by PodCliqueSet ${t.pcs} (orphan)`);
    const groups = (g.spec?.podgroups ?? g.spec?.podGroups ?? []) as {
      name: string;
      podReferences?: { name: string }[];
      minReplicas?: number;
    }[];
    for (const grp of groups) {
      const refs = grp.podReferences ?? [];
      if ((grp.minReplicas ?? 0) > refs.length)
        v.push(`PodGang ${gname} group ${grp.name}: minReplicas ${grp.minReplicas} > ${refs.length} pods`);
      for (const r of refs) {
        if (!podNames.has(r.name)) v.push(`PodGang ${gname} group ${grp.name}: names missing pod ${r.name}`);
        const prev = inGang.get(r.name);
        if (prev !== undefined) v.push(`Pod ${r.name}: in PodGangs ${prev} and ${gname}`);
        inGang.set(r.name, gname);
      }
    }
  }
  for (const name of podNames) if (!inGang.has(name)) v.push(`Pod ${name}: in no PodGang`);
  return v;
}

/**
 * Polls checkInvariants until it passes or `timeoutMs` runs out (upstream polls status
 * convergence ≤60 s every 2 s); resolves to the last violations (empty when converged).
 */
export async function awaitInvariants(
  client: Client,
  t: InvariantTarget,
  timeoutMs = 60_000,
  everyMs = 2000,
  /** Violations not to wait for (still returned). */
  ignore: (violation: string) => boolean = () => false,
): Promise<string[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const all = await checkInvariants(client, t);
    const v = all.filter((x) => !ignore(x));
    if (v.length === 0 || performance.now() >= deadline) return all;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
