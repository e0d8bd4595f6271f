import type {
  Affinity,
  NodeSelectorRequirement,
  PlacementGroup,
  PlacementNode,
  PlacementProblem,
  Taint,
  Toleration,
} from "./contract.js";
import { milli } from "./quantity.js";

/**
 * An indexed view of a PlacementProblem for the exact model and the locality check: free capacity
 * per node and resource, node eligibility per group, domains per level, and every `required`
 * constraint as a scope (the set of groups that must share one domain). Semantics follow
 * ../shared/spec/placement-problem.md; a label value names a domain at its level.
 */
export interface IndexedProblem {
  problem: PlacementProblem;
  levelNames: string[];
  resources: string[];
  /** free[n][r] in thousandths (allocatable - allocated, floored at 0). */
  free: number[][];
  /** podsFree[n]: pods node n can still take (0 when it does not list `pods`). */
  podsFree: number[];
  /** domainOf[l][n]: domain index of node n at level l, -1 when the node lacks the label. */
  domainOf: number[][];
  domainNames: string[][];
  groups: IndexedGroup[];
  gangs: IndexedGang[];
  scopes: Scope[];
}

export interface IndexedGroup {
  gang: number;
  name: string;
  count: number;
  minCount: number;
  /** request[r] in thousandths; the `pods` resource is handled by `podsFree`. */
  request: number[];
  /** cap[n]: most pods of this group node n can take alone (0 = ineligible). */
  cap: number[];
}

export interface IndexedGang {
  name: string;
  groups: number[];
  scopes: number[];
}

export interface Scope {
  gang: number;
  /** "gang", "subGroup" or "group", with the constrained object's name. */
  kind: "gang" | "subGroup" | "group";
  name: string;
  level: number;
  groups: number[];
}

export class ModelError extends Error {
  readonly code = "BENCH_MODEL";
}

const PODS = "pods";

export function indexProblem(problem: PlacementProblem): IndexedProblem {
  const levels = problem.topology?.levels ?? [];
  const levelNames = levels.map((l) => l.domain);
  const levelIndex = (name: string, field: string): number => {
    const i = levelNames.indexOf(name);
    if (i < 0) throw new ModelError(`${field}: unknown domain "${name}"`);
    return i;
  };

  const resourceSet = new Set<string>();
  for (const gang of problem.gangs) {
    for (const g of gang.groups)
      for (const r of Object.keys(g.requests ?? {})) if (r !== PODS) resourceSet.add(r);
  }
  const resources = [...resourceSet].sort();

  const free = problem.nodes.map((node, n) =>
    resources.map((r) => {
      const a = node.allocatable[r];
      if (a === undefined) return 0;
      const used = node.allocated?.[r];
      const f = milli(a, `nodes[${n}].allocatable.${r}`) - (used === undefined ? 0 : milli(used));
      return Math.max(0, f);
    }),
  );
  // Every pod uses one unit of `pods`; a node that does not list `pods` has none.
  const podsFree = problem.nodes.map((node) => {
    const a = node.allocatable[PODS];
    const used = node.allocated?.[PODS];
    return Math.max(
      0,
      Math.floor(((a === undefined ? 0 : milli(a)) - (used === undefined ? 0 : milli(used))) / 1000),
    );
  });

  // A domain is the path of label values from the broadest level down (rack "r1" of block "b1" is
  // not rack "r1" of block "b2"); a node missing any of those labels is in no domain at that level.
  const domainNames: string[][] = [];
  const domainOf = levels.map((_, l) => {
    const names: string[] = [];
    const byName = new Map<string, number>();
    const of = problem.nodes.map((node) => {
      const path: string[] = [];
      for (let k = 0; k <= l; k++) {
        const v = node.labels?.[levels[k]!.key];
        if (v === undefined) return -1;
        path.push(v);
      }
      const key = path.join("/");
      let d = byName.get(key);
      if (d === undefined) {
        d = names.length;
        names.push(key);
        byName.set(key, d);
      }
      return d;
    });
    domainNames.push(names);
    return of;
  });

  const groups: IndexedGroup[] = [];
  const gangs: IndexedGang[] = [];
  const scopes: Scope[] = [];
  problem.gangs.forEach((gang, gi) => {
    const byName = new Map<string, number>();
    const mine: number[] = [];
    gang.groups.forEach((group, k) => {
      const field = `gangs[${gi}].groups[${k}]`;
      const request = resources.map((r) => {
        const q = group.requests?.[r];
        return q === undefined ? 0 : milli(q, `${field}.requests.${r}`);
      });
      const cap = problem.nodes.map((node, n) => {
        if (!eligible(node, group)) return 0;
        let c = Math.min(group.count, podsFree[n] ?? 0);
        const nodeFree = free[n] ?? [];
        request.forEach((q, r) => {
          if (q > 0) c = Math.min(c, Math.floor((nodeFree[r] ?? 0) / q));
        });
        return c;
      });
      const index = groups.length;
      groups.push({
        gang: gi,
        name: group.name,
        count: group.count,
        minCount: group.minCount ?? group.count,
        request,
        cap,
      });
      byName.set(group.name, index);
      mine.push(index);
    });
    const gangScopes: number[] = [];
    const addScope = (
      kind: Scope["kind"],
      name: string,
      required: string | undefined,
      members: number[],
      field: string,
    ) => {
      if (required === undefined) return;
      gangScopes.push(scopes.length);
      scopes.push({ gang: gi, kind, name, level: levelIndex(required, field), groups: members });
    };
    addScope("gang", gang.name, gang.constraint?.required, mine, `gangs[${gi}].constraint.required`);
    (gang.subGroups ?? []).forEach((sg, k) => {
      const members = sg.groups.map((name) => {
        const g = byName.get(name);
        if (g === undefined)
          throw new ModelError(`gangs[${gi}].subGroups[${k}].groups: unknown group "${name}"`);
        return g;
      });
      addScope(
        "subGroup",
        sg.name,
        sg.constraint?.required,
        members,
        `gangs[${gi}].subGroups[${k}].constraint.required`,
      );
    });
    gang.groups.forEach((group, k) => {
      addScope(
        "group",
        group.name,
        group.constraint?.required,
        [mine[k]!],
        `gangs[${gi}].groups[${k}].constraint.required`,
      );
    });
    // A required scope rules out nodes that carry no label at its level.
    for (const s of gangScopes) {
      const scope = scopes[s]!;
      const of = domainOf[scope.level]!;
      for (const g of scope.groups) {
        const group = groups[g]!;
        group.cap = group.cap.map((c, n) => (of[n]! < 0 ? 0 : c));
      }
    }
    gangs.push({ name: gang.name, groups: mine, scopes: gangScopes });
  });

  return { problem, levelNames, resources, free, podsFree, domainOf, domainNames, groups, gangs, scopes };
}

/** Node eligibility per the contract: cordon, NoSchedule/NoExecute taints, nodeSelector, required node affinity. */
export function eligible(node: PlacementNode, group: PlacementGroup): boolean {
  if (node.unschedulable === true) return false;
  for (const taint of node.taints ?? []) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!(group.tolerations ?? []).some((t) => tolerates(t, taint))) return false;
  }
  const labels = node.labels ?? {};
  for (const [k, v] of Object.entries(group.nodeSelector ?? {})) if (labels[k] !== v) return false;
  return affinityMatches(group.affinity, node);
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== "" && t.effect !== taint.effect) return false;
  if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
  return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
}

function affinityMatches(affinity: Affinity | undefined, node: PlacementNode): boolean {
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  // Terms are ORed, requirements inside a term ANDed; an empty term matches nothing, an empty
  // term list (no requirement at all) everything.
  if (required.nodeSelectorTerms.length === 0) return true;
  return required.nodeSelectorTerms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((e) => requirementMatches(e, node.labels?.[e.key])) &&
      fields.every((e) => requirementMatches(e, e.key === "metadata.name" ? node.name : undefined))
    );
  });
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value)) return false;
      const a = Number(value);
      const b = Number(values[0]);
      return req.operator === "Gt" ? a > b : a < b;
    }
    default:
      throw new ModelError(
        `node affinity operator "${req.operator}" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt`,
      );
  }
}
