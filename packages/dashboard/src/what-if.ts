// The what-if: a PodCliqueSet that is not applied, turned into the placement problem its gangs
// would pose on the cluster as it is now. Admission's steps (structural schema, defaulting,
// validation, all from @grove-ts/api), then the operator's PodGangs (desiredPodGangs) and the
// scheduler's translation of each into a placement gang (toPlacementGang), over the scheduler's own
// capacity snapshot (Snapshot: nodes, labels, taints, cordons, what bound pods hold). It does not
// solve: the page does, in the browser, with @grove-ts/placement. Nothing is written anywhere.
import {
  basePodGangName,
  type ClusterTopologyBinding,
  checkSchema,
  defaultPodCliqueSet,
  type FieldError,
  kindOf,
  type PodCliqueSet,
  pcsgMemberPodCliqueName,
  podCliqueName,
  podCliqueScalingGroupName,
  type ValidationOptions,
  validatePodCliqueSet,
} from "@grove-ts/api";
import { desiredPodGangs, topologyNameOf, topologyTranslator } from "@grove-ts/controllers";
import type { PlacementProblem } from "@grove-ts/placement";
import { constraintKeys, levelsFor, Snapshot, toPlacementGang, type WorkGang } from "@grove-ts/scheduler";
import { parseDocument } from "yaml";
import type { NodeLike, PodLike, TopologyLike } from "./model.js";
import { podGpus } from "./model.js";

/** The operator's PodCliqueSet type (metadata always present, as the API server returns it). */
type Pcs = Parameters<typeof desiredPodGangs>[0];
type Clique = Pcs["spec"]["template"]["cliques"][number];
type Ctb = NonNullable<Parameters<typeof topologyTranslator>[0]>;

/** The largest body POST /api/what-if reads (413 beyond). */
export const WHAT_IF_MAX_BYTES = 256 * 1024;

/** Bad input: 422 with the field errors (or 400 for a body that is not YAML/JSON at all). */
export class WhatIfInputError extends Error {
  readonly code = "WhatIfInput";
  constructor(
    readonly status: 400 | 422,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join("; "));
    this.name = "WhatIfInputError";
  }
}

export interface WhatIfGang {
  /** The placement gang's name (`<namespace>/<podgang>`), as solve() reports it. */
  name: string;
  podGang: string;
  /** Base gang, or a scaled one (a PodCliqueScalingGroup replica past its minAvailable). */
  scaled: boolean;
  pods: number;
  gpus: number;
}

export interface WhatIf {
  namespace: string;
  name: string;
  gangs: WhatIfGang[];
  /** For solve(): the cluster now (free capacity after bound pods) and the PodCliqueSet's gangs. */
  problem: PlacementProblem;
}

export interface WhatIfCluster {
  nodes: readonly NodeLike[];
  pods: readonly PodLike[];
  topologies: readonly TopologyLike[];
}

const invalid = (field: string, message: string, value?: unknown): FieldError => ({
  field,
  type: "FieldValueInvalid",
  message,
  ...(value !== undefined ? { value } : {}),
});

/** YAML or JSON (JSON is YAML): one document. */
export function parseBody(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  const err = doc.errors[0];
  if (err) throw new WhatIfInputError(400, [invalid("(body)", `not YAML or JSON: ${err.message}`)]);
  return doc.toJS();
}

/** The API server prunes nulls before defaulting (no Grove field is nullable). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, pruneNulls(x)]),
  );
}

/** Admission's answer for a create: the defaulted object, or every field error (422). */
export function admit(value: unknown, options: ValidationOptions): Pcs {
  const o = value as { kind?: unknown; metadata?: { name?: unknown } } | null;
  if (o === null || typeof o !== "object" || Array.isArray(o))
    throw new WhatIfInputError(422, [invalid("(body)", "must be a PodCliqueSet object")]);
  if (kindOf(o) !== "PodCliqueSet")
    throw new WhatIfInputError(422, [
      invalid("kind", "must be PodCliqueSet (apiVersion grove.io/v1alpha1)", o.kind ?? null),
    ]);
  const pruned = pruneNulls(o);
  const structural = checkSchema(pruned);
  // Unknown fields alone when there are any, as kube-apiserver's strict decoding answers.
  const unknown = structural.filter((e) => /unknown field/i.test(e.message));
  if (unknown.length > 0) throw new WhatIfInputError(422, unknown);
  const pcs = defaultPodCliqueSet(pruned as PodCliqueSet);
  const meta = pcs.metadata as { name?: string; namespace?: string; generateName?: string };
  const errors = [...structural, ...validatePodCliqueSet(pcs, undefined, options)];
  if (!meta.name)
    errors.unshift({
      field: "metadata.name",
      type: "FieldValueRequired",
      message: "Required value: name is required",
    });
  if (errors.length > 0) throw new WhatIfInputError(422, errors);
  meta.namespace ||= "default";
  return pcs as Pcs;
}

/** Every PodClique name the PCS makes, with its clique template (as desiredPodGangs names them). */
function cliquesByPclq(pcs: Pcs): Map<string, Clique> {
  const name = pcs.metadata.name ?? "";
  const t = pcs.spec.template;
  const byName = new Map(t.cliques.map((c) => [c.name, c]));
  const out = new Map<string, Clique>();
  for (let i = 0; i < (pcs.spec.replicas ?? 0); i++) {
    for (const c of t.cliques) out.set(podCliqueName(name, i, c.name), c);
    for (const g of t.podCliqueScalingGroups ?? []) {
      const pcsg = podCliqueScalingGroupName(name, i, g.name);
      for (let j = 0; j < (g.replicas ?? 1); j++)
        for (const c of g.cliqueNames) {
          const tpl = byName.get(c);
          if (tpl) out.set(pcsgMemberPodCliqueName(pcsg, j, c), tpl);
        }
    }
  }
  return out;
}

/**
 * The what-if problem for `value` (a parsed PodCliqueSet) on `cluster`. `tas` is the operator's
 * topology-aware scheduling switch (on in grove-sim and by default in grove-operator).
 */
export function whatIfProblem(
  value: unknown,
  cluster: WhatIfCluster,
  options: { validation?: ValidationOptions; tas?: boolean } = {},
): WhatIf {
  const bindings = cluster.topologies as unknown as Ctb[];
  const pcs = admit(value, {
    getClusterTopologyBinding: (n) =>
      bindings.find((b) => b.metadata?.name === n) as ClusterTopologyBinding | undefined,
    ...options.validation,
  });
  const ns = pcs.metadata.namespace ?? "default";
  const topologyName = topologyNameOf(pcs);
  const ctb = topologyName ? bindings.find((b) => b.metadata?.name === topologyName) : undefined;
  const desired = desiredPodGangs(pcs, () => undefined, topologyTranslator(ctb, options.tas ?? true));
  const cliques = cliquesByPclq(pcs);
  const bases = new Set(
    Array.from({ length: pcs.spec.replicas ?? 0 }, (_, i) => basePodGangName(pcs.metadata.name ?? "", i)),
  );
  const snapshot = new Snapshot();
  for (const n of cluster.nodes) snapshot.setNode(n as never);
  for (const p of cluster.pods) snapshot.setPod(p as never);
  const work: WorkGang[] = desired.map((d) => {
    const podGang = {
      metadata: {
        name: d.name,
        namespace: ns,
        ...(topologyName ? { annotations: { "grove.io/topology-name": topologyName } } : {}),
      },
      spec: {
        podgroups: d.groups.map((g) => ({
          name: g.name,
          podReferences: [],
          minReplicas: g.minReplicas,
          ...(g.topologyConstraint ? { topologyConstraint: g.topologyConstraint } : {}),
        })),
        ...(d.topologyConstraint ? { topologyConstraint: d.topologyConstraint } : {}),
        ...(d.groupConfigs ? { topologyConstraintGroupConfigs: d.groupConfigs } : {}),
      },
    };
    const w: WorkGang = {
      key: `${ns}/${d.name}`,
      namespace: ns,
      podGang: podGang as never,
      groups: d.groups.map((g) => {
        const c = cliques.get(g.name);
        const replicas = c?.spec.replicas ?? g.minReplicas;
        const pending = Array.from({ length: replicas }, (_, i) => ({
          metadata: { name: `${g.name}-${i}`, namespace: ns },
          spec: structuredClone(c?.spec.podSpec ?? { containers: [] }),
        }));
        return {
          name: `${ns}/${g.name}`,
          podGroup: g.name,
          bound: [],
          pending: pending as never,
          neededMin: g.minReplicas,
          constraint: g.topologyConstraint,
        };
      }),
      keys: new Set(),
      createdAt: "",
      scaled: !bases.has(d.name),
    };
    w.keys = constraintKeys(w);
    return w;
  });
  const keys = new Set(work.flatMap((w) => [...w.keys]));
  const levels = levelsFor(keys, topologyName, bindings, cluster.nodes as never);
  const gangs = work.map((w) =>
    toPlacementGang(
      w,
      levels,
      () => undefined,
      () => undefined,
    ),
  );
  return {
    namespace: ns,
    name: pcs.metadata.name ?? "",
    gangs: work.map((w) => ({
      name: w.key,
      podGang: w.podGang?.metadata?.name ?? "",
      scaled: w.scaled,
      pods: w.groups.reduce((s, g) => s + g.pending.length, 0),
      gpus: w.groups.reduce((s, g) => s + g.pending.reduce((t, p) => t + podGpus(p as PodLike), 0), 0),
    })),
    problem: { topology: { levels }, nodes: snapshot.placementNodes(), gangs },
  };
}
