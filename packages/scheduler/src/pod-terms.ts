// Pod constraints as kube-scheduler reads them (InterPodAffinity and PodTopologySpread plugins):
// a pod's required affinity / anti-affinity terms and DoNotSchedule spread constraints compiled
// once (selectors parsed, namespaces resolved, matchLabelKeys merged), and the one matcher the
// filter (pod-filters.ts) and the solver's translation (pod-constraints.ts) both use.
import { type Selector, selectorFromLabelSelector } from "@grove-ts/runtime";
import type {
  Node,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  TopologySpreadConstraint,
} from "kubernetes-types/core/v1.js";

/** One required pod (anti-)affinity term, resolved against the pod that carries it. */
export interface Term {
  topologyKey: string;
  selector: Selector;
  /** Namespaces named (or the owner's, when neither namespaces nor namespaceSelector is set). */
  namespaces: ReadonlySet<string>;
  /** namespaceSelector; `{}` selects every namespace. */
  namespaceSelector?: Selector | undefined;
  /** The term as written, for reasons. */
  text: string;
}

/** A DoNotSchedule topology spread constraint, resolved against its pod. */
export interface Spread {
  topologyKey: string;
  maxSkew: number;
  minDomains: number;
  selector: Selector;
  honorAffinity: boolean;
  honorTaints: boolean;
}

export interface PodTerms {
  affinity: Term[];
  antiAffinity: Term[];
  spread: Spread[];
}

const EMPTY: PodTerms = { affinity: [], antiAffinity: [], spread: [] };
const cache = new WeakMap<Pod, PodTerms>();

/** The pod's required terms (cached per pod object: informer objects are replaced, never mutated). */
export function podTerms(pod: Pod): PodTerms {
  let t = cache.get(pod);
  if (t) return t;
  const a = pod.spec?.affinity;
  const aff = a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const anti = a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const spread = (pod.spec?.topologySpreadConstraints ?? []).filter(
    (c) => (c.whenUnsatisfiable ?? "DoNotSchedule") === "DoNotSchedule",
  );
  if (aff.length === 0 && anti.length === 0 && spread.length === 0) t = EMPTY;
  else
    t = {
      affinity: aff.map((x) => compileTerm(x, pod)),
      antiAffinity: anti.map((x) => compileTerm(x, pod)),
      spread: spread.map((c) => compileSpread(c, pod)),
    };
  cache.set(pod, t);
  return t;
}

/** A topology spread constraint resolved against `owner` (selector with matchLabelKeys merged). */
export function compileSpread(c: TopologySpreadConstraint, owner: Pod): Spread {
  return {
    topologyKey: c.topologyKey,
    maxSkew: c.maxSkew,
    minDomains: c.minDomains ?? 1,
    selector: withLabelKeys(c.labelSelector, c.matchLabelKeys, undefined, owner),
    honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
    honorTaints: c.nodeTaintsPolicy === "Honor",
  };
}

export const hasTerms = (t: PodTerms): boolean =>
  t.affinity.length > 0 || t.antiAffinity.length > 0 || t.spread.length > 0;

export function withLabelKeys(
  sel: PodAffinityTerm["labelSelector"],
  match: string[] | undefined,
  mismatch: string[] | undefined,
  owner: Pod,
): Selector {
  if (!sel) return selectorFromLabelSelector(undefined);
  const labels = owner.metadata?.labels ?? {};
  const exprs = [...(sel.matchExpressions ?? [])] as NonNullable<typeof sel.matchExpressions>;
  // kube-apiserver merges matchLabelKeys/mismatchLabelKeys into the selector at creation; doing it
  // again here is idempotent and covers servers that do not.
  for (const k of match ?? []) {
    const v = labels[k];
    if (v !== undefined) exprs.push({ key: k, operator: "In", values: [v] });
  }
  for (const k of mismatch ?? []) {
    const v = labels[k];
    if (v !== undefined) exprs.push({ key: k, operator: "NotIn", values: [v] });
  }
  return selectorFromLabelSelector({
    ...(sel.matchLabels ? { matchLabels: sel.matchLabels } : {}),
    matchExpressions: exprs as never,
  });
}

export function compileTerm(t: PodAffinityTerm, owner: Pod): Term {
  const own = owner.metadata?.namespace ?? "";
  const names = t.namespaces ?? [];
  return {
    topologyKey: t.topologyKey,
    selector: withLabelKeys(t.labelSelector, t.matchLabelKeys, t.mismatchLabelKeys, owner),
    namespaces: new Set(names.length === 0 && !t.namespaceSelector ? [own] : names),
    namespaceSelector: t.namespaceSelector
      ? selectorFromLabelSelector(t.namespaceSelector as never)
      : undefined,
    text: `topologyKey ${t.topologyKey}${t.labelSelector ? `, labelSelector ${JSON.stringify(t.labelSelector)}` : ""}`,
  };
}

/** Namespace labels by name; undefined when unknown (then only `namespaces` and `{}` match). */
export type NamespaceLabels = (ns: string) => Record<string, string> | undefined;

/**
 * framework.AffinityTerm.Matches: the pod's namespace is selected and its labels match. A
 * non-empty namespaceSelector over a namespace whose labels are unknown answers `unknown`: callers
 * pass true for anti-affinity and false for affinity, so an unknown never lets a pod in where
 * kube-scheduler would refuse it.
 */
export function termMatches(t: Term, pod: Pod, nsLabels?: NamespaceLabels, unknown = false): boolean {
  if (!t.selector.matches(pod.metadata?.labels ?? {})) return false;
  const ns = pod.metadata?.namespace ?? "";
  if (t.namespaces.has(ns)) return true;
  const sel = t.namespaceSelector;
  if (sel === undefined) return false;
  if (sel.empty) return true;
  const labels = nsLabels?.(ns);
  return labels === undefined ? unknown : sel.matches(labels);
}

/** The pod's nodeSelector and required node affinity (NodeAffinity's Filter), for spread's Honor policy. */
export function nodeMatchesPod(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const name = node.metadata?.name ?? "";
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((r) => requirementMatches(r, labels[r.key])) &&
      fields.every((r) => r.key === "metadata.name" && requirementMatches(r, name))
    );
  });
}

function requirementMatches(r: NodeSelectorRequirement, v: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return v !== undefined && values.includes(v);
    case "NotIn":
      return v === undefined || !values.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    case "Gt":
    case "Lt": {
      if (v === undefined || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(values[0] ?? "")) return false;
      return r.operator === "Gt" ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** Every NoSchedule/NoExecute taint of the node is tolerated (spread's nodeTaintsPolicy Honor). */
export function toleratesNode(pod: Pod, node: Node): boolean {
  const tols = pod.spec?.tolerations ?? [];
  return (node.spec?.taints ?? []).every(
    (taint) =>
      taint.effect === "PreferNoSchedule" ||
      tols.some(
        (t) =>
          (!t.effect || t.effect === taint.effect) &&
          (t.operator === "Exists"
            ? !t.key || t.key === taint.key
            : t.key === taint.key && (t.value ?? "") === (taint.value ?? "")),
      ),
  );
}
