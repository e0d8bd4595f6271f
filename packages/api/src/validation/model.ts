// A read-only view of a (possibly malformed) PodCliqueSet: the pieces every rule module needs, read
// once, with their field paths. Absent or mistyped fields read as undefined / empty.

import { FieldPath } from "../field-errors.js";
import { arr, isObj, type Obj, obj, str } from "./json.js";

export const CliqueStartupTypes = [
  "CliqueStartupTypeAnyOrder",
  "CliqueStartupTypeInOrder",
  "CliqueStartupTypeExplicit",
] as const;

export interface CliqueView {
  index: number;
  raw: Obj;
  name: string | undefined;
  spec: Obj | undefined;
  podSpec: Obj | undefined;
  path: FieldPath;
}

export interface GroupView {
  index: number;
  raw: Obj;
  name: string | undefined;
  /** Every entry of `cliqueNames` as read (non-strings become undefined, keeping indices). */
  cliqueNames: (string | undefined)[];
  path: FieldPath;
}

export interface PcsView {
  raw: Obj;
  meta: Obj | undefined;
  name: string;
  spec: Obj | undefined;
  template: Obj | undefined;
  templatePath: FieldPath;
  startupType: unknown;
  cliques: CliqueView[];
  groups: GroupView[];
}

export const metadataPath = FieldPath.root("metadata");
export const specPath = FieldPath.root("spec");
export const templatePath = specPath.child("template");
export const cliquesPath = templatePath.child("cliques");
export const groupsPath = templatePath.child("podCliqueScalingGroups");

export function viewPodCliqueSet(pcs: unknown): PcsView {
  const raw = isObj(pcs) ? pcs : {};
  const meta = obj(raw.metadata);
  const spec = obj(raw.spec);
  const template = obj(spec?.template);
  const cliques: CliqueView[] = arr(template?.cliques).map((c, index) => {
    const co = isObj(c) ? c : {};
    const cs = obj(co.spec);
    return {
      index,
      raw: co,
      name: str(co.name),
      spec: cs,
      podSpec: obj(cs?.podSpec),
      path: cliquesPath.index(index),
    };
  });
  const groups: GroupView[] = arr(template?.podCliqueScalingGroups).map((g, index) => {
    const go = isObj(g) ? g : {};
    return {
      index,
      raw: go,
      name: str(go.name),
      cliqueNames: arr(go.cliqueNames).map((n) => str(n)),
      path: groupsPath.index(index),
    };
  });
  return {
    raw,
    meta,
    name: str(meta?.name) ?? "",
    spec,
    template,
    templatePath,
    startupType: template?.cliqueStartupType,
    cliques,
    groups,
  };
}

export function isExplicit(v: PcsView): boolean {
  return v.startupType === "CliqueStartupTypeExplicit";
}

/** Names of cliques that belong to some PCSG. */
export function groupMemberNames(v: PcsView): Set<string> {
  const s = new Set<string>();
  for (const g of v.groups) for (const n of g.cliqueNames) if (n !== undefined) s.add(n);
  return s;
}

/** Resolved scheduler backend of one clique (empty resolves to the configured default). */
export function cliqueScheduler(c: CliqueView, defaultScheduler: string): string {
  const s = str(c.podSpec?.schedulerName);
  return s ? s : defaultScheduler;
}

/** Every TopologyConstraint location of a PCS with its path and a label for messages. */
export interface ConstraintSite {
  level: "PodCliqueSet" | "PodCliqueScalingGroup" | "PodClique";
  name: string;
  path: FieldPath;
  tc: Obj;
  /** For cliques and groups: the position in their list. */
  index: number;
}

export function constraintSites(v: PcsView): ConstraintSite[] {
  const out: ConstraintSite[] = [];
  const pcsTc = obj(v.template?.topologyConstraint);
  if (pcsTc) {
    out.push({
      level: "PodCliqueSet",
      name: v.name,
      path: templatePath.child("topologyConstraint"),
      tc: pcsTc,
      index: -1,
    });
  }
  for (const g of v.groups) {
    const tc = obj(g.raw.topologyConstraint);
    if (tc) {
      out.push({
        level: "PodCliqueScalingGroup",
        name: g.name ?? "",
        path: g.path.child("topologyConstraint"),
        tc,
        index: g.index,
      });
    }
  }
  for (const c of v.cliques) {
    const tc = obj(c.raw.topologyConstraint);
    if (tc) {
      out.push({
        level: "PodClique",
        name: c.name ?? "",
        path: c.path.child("topologyConstraint"),
        tc,
        index: c.index,
      });
    }
  }
  return out;
}

/** `pack.required` if non-empty, else the deprecated `packDomain` (§2.5). */
export function effectiveRequired(tc: Obj | undefined): string {
  const req = str(obj(tc?.pack)?.required);
  return req ? req : (str(tc?.packDomain) ?? "");
}

export function effectivePreferred(tc: Obj | undefined): string {
  return str(obj(tc?.pack)?.preferred) ?? "";
}
