// Topology constraint rules of the PCS webhook: create-only T1-T7 (grove-api.md §9.3), update-only
// U7 (immutability with the legacy-repair and packDomain-migration exceptions) and U9 (warnings).

import {
  type FieldError,
  type FieldPath,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
} from "../field-errors.js";
import { arr, type Obj, obj, str } from "./json.js";
import {
  type ConstraintSite,
  constraintSites,
  effectivePreferred,
  effectiveRequired,
  type PcsView,
  templatePath,
} from "./model.js";
import type { ResolvedOptions } from "./options.js";

export const MsgTASDisabled =
  "topology constraints are not allowed when Topology Aware Scheduling is disabled";
export const MsgTopologyNameRequired =
  "topologyName is required when topologyConstraint is set and cannot be inherited";
export const MsgTopologyNamesMatch =
  "all topologyConstraint.topologyName values within a PodCliqueSet must match in the current implementation";

/** The effective topologyName of each constraint site: explicit, else inherited (§9.3 T2). */
function effectiveNames(v: PcsView, sites: ConstraintSite[]): Map<ConstraintSite, string> {
  const out = new Map<ConstraintSite, string>();
  const pcsSite = sites.find((s) => s.level === "PodCliqueSet");
  const pcsName = str(pcsSite?.tc.topologyName) ?? "";
  const groupName = new Map<string, string>();
  for (const s of sites) {
    if (s.level === "PodCliqueSet") out.set(s, pcsName);
    if (s.level === "PodCliqueScalingGroup") {
      const n = str(s.tc.topologyName) || pcsName;
      out.set(s, n);
      groupName.set(s.name, n);
    }
  }
  for (const s of sites) {
    if (s.level !== "PodClique") continue;
    const explicit = str(s.tc.topologyName);
    if (explicit) {
      out.set(s, explicit);
      continue;
    }
    // A clique inherits from its PCSG when that PCSG has a constraint, else from the PCS.
    const group = v.groups.find((g) => g.cliqueNames.includes(s.name) && obj(g.raw.topologyConstraint));
    out.set(s, group ? (groupName.get(group.name ?? "") ?? "") : pcsName);
  }
  return out;
}

interface Levels {
  name: string;
  domains: string[];
}

function levelIndex(levels: Levels, domain: string): number {
  return levels.domains.indexOf(domain);
}

function domainFields(s: ConstraintSite): { value: string; path: FieldPath }[] {
  const out: { value: string; path: FieldPath }[] = [];
  const pd = str(s.tc.packDomain);
  if (pd) out.push({ value: pd, path: s.path.child("packDomain") });
  const pack = obj(s.tc.pack);
  const req = str(pack?.required);
  if (req) out.push({ value: req, path: s.path.child("pack", "required") });
  const pref = str(pack?.preferred);
  if (pref) out.push({ value: pref, path: s.path.child("pack", "preferred") });
  return out;
}

function label(s: ConstraintSite): string {
  return s.level === "PodCliqueSet" ? "PodCliqueSet" : `${s.level} '${s.name}'`;
}

/** T6 for one parent/child pair, separately for required and preferred. */
function hierarchy(levels: Levels, parent: ConstraintSite, child: ConstraintSite): FieldError[] {
  const errs: FieldError[] = [];
  const pairs: [string, string, string][] = [
    ["required", effectiveRequired(parent.tc), effectiveRequired(child.tc)],
    ["preferred", effectivePreferred(parent.tc), effectivePreferred(child.tc)],
  ];
  for (const [kind, pd, cd] of pairs) {
    if (!pd || !cd) continue;
    const pi = levelIndex(levels, pd);
    const ci = levelIndex(levels, cd);
    if (pi < 0 || ci < 0) continue;
    if (pi > ci) {
      const field =
        kind === "required" && !str(obj(parent.tc.pack)?.required)
          ? parent.path.child("packDomain")
          : parent.path.child("pack", kind);
      errs.push(
        fieldInvalid(
          field,
          `${label(parent)} topology constraint domain '${pd}' is narrower than ${child.level} '${child.name}' topology constraint domain '${cd}'`,
          pd,
        ),
      );
    }
  }
  return errs;
}

function levelsOf(o: ResolvedOptions, name: string): Levels | undefined {
  const ctb = o.getClusterTopologyBinding?.(name);
  if (!ctb) return undefined;
  const domains = arr(obj((ctb as Obj).spec)?.levels).map((l) => str(obj(l)?.domain) ?? "");
  return { name, domains };
}

/** T1-T6 (errors) and T7 (warnings) for a created PCS. */
export function validateTopologyOnCreate(
  v: PcsView,
  o: ResolvedOptions,
): { errs: FieldError[]; warnings: string[] } {
  const sites = constraintSites(v);
  if (sites.length === 0) return { errs: [], warnings: [] };
  // T1
  if (!o.topologyAwareScheduling) {
    return {
      errs: sites.map((s) => fieldInvalid(s.path, MsgTASDisabled, s.tc.packDomain ?? s.tc.pack)),
      warnings: [],
    };
  }
  const errs: FieldError[] = [];
  const warnings: string[] = [];
  // T2
  const names = effectiveNames(v, sites);
  for (const s of sites) {
    if (!names.get(s)) errs.push(fieldRequired(s.path.child("topologyName"), MsgTopologyNameRequired));
  }
  // T3
  const distinct = new Set([...names.values()].filter((n) => n !== ""));
  if (distinct.size > 1) {
    for (const s of sites) {
      const explicit = str(s.tc.topologyName);
      if (explicit) errs.push(fieldInvalid(s.path.child("topologyName"), MsgTopologyNamesMatch, explicit));
    }
  }
  if (errs.length > 0 || !o.getClusterTopologyBinding) return { errs, warnings };
  const topologyName = [...distinct][0] as string;
  // T4
  const levels = levelsOf(o, topologyName);
  if (!levels) {
    const at = sites.find((s) => str(s.tc.topologyName) === topologyName) ?? (sites[0] as ConstraintSite);
    return {
      errs: [
        fieldInvalid(
          at.path.child("topologyName"),
          `ClusterTopologyBinding "${topologyName}" not found`,
          topologyName,
        ),
      ],
      warnings,
    };
  }
  // T5
  for (const s of sites) {
    for (const d of domainFields(s)) {
      if (!levels.domains.includes(d.value)) {
        errs.push(
          fieldInvalid(
            d.path,
            `topology domain '${d.value}' does not exist in ClusterTopologyBinding '${levels.name}' (levels: ${levels.domains.join(", ")})`,
            d.value,
          ),
        );
      }
    }
  }
  // T7 (warning; on one constraint, preferred coarser than required)
  for (const s of sites) {
    const req = effectiveRequired(s.tc);
    const pref = effectivePreferred(s.tc);
    const ri = levelIndex(levels, req);
    const pi = levelIndex(levels, pref);
    if (req && pref && ri >= 0 && pi >= 0 && pi < ri) {
      warnings.push(
        `${s.path.child("pack", "preferred")} '${pref}' is coarser than ${s.path.child("pack", "required")} '${req}' and is redundant`,
      );
    }
  }
  if (errs.length > 0) return { errs, warnings };
  // T6
  const pcs = sites.find((s) => s.level === "PodCliqueSet");
  const groups = sites.filter((s) => s.level === "PodCliqueScalingGroup");
  const cliques = sites.filter((s) => s.level === "PodClique");
  if (pcs) {
    for (const c of cliques) errs.push(...hierarchy(levels, pcs, c));
    for (const g of groups) errs.push(...hierarchy(levels, pcs, g));
  }
  for (const g of groups) {
    const members = v.groups[g.index]?.cliqueNames ?? [];
    for (const c of cliques) if (members.includes(c.name)) errs.push(...hierarchy(levels, g, c));
  }
  return { errs, warnings };
}

interface ConstraintKey {
  topologyName: string;
  packDomain: string;
  required: string;
  preferred: string;
  packRequired: string;
}

function key(tc: Obj): ConstraintKey {
  return {
    topologyName: str(tc.topologyName) ?? "",
    packDomain: str(tc.packDomain) ?? "",
    required: effectiveRequired(tc),
    preferred: effectivePreferred(tc),
    packRequired: str(obj(tc.pack)?.required) ?? "",
  };
}

type Change = "same" | "legacy-repair" | "changed";

function compare(oldTc: Obj, newTc: Obj): Change {
  const a = key(oldTc);
  const b = key(newTc);
  if (
    a.topologyName === b.topologyName &&
    a.packDomain === b.packDomain &&
    a.required === b.required &&
    a.preferred === b.preferred
  ) {
    return "same";
  }
  // (b) deprecation migration: packDomain X → pack.required X, topologyName and preferred unchanged.
  if (
    a.packDomain !== "" &&
    b.packDomain === "" &&
    b.packRequired === a.packDomain &&
    a.topologyName === b.topologyName &&
    a.preferred === b.preferred
  ) {
    return "same";
  }
  // (a) legacy repair: a packDomain constraint without topologyName gains one, packDomain kept.
  if (
    a.packDomain !== "" &&
    a.topologyName === "" &&
    b.topologyName !== "" &&
    b.packDomain === a.packDomain &&
    a.required === b.required &&
    a.preferred === b.preferred
  ) {
    return "legacy-repair";
  }
  return "changed";
}

function describe(k: ConstraintKey): string {
  const parts = [`topologyName '${k.topologyName}'`];
  if (k.packDomain) parts.push(`packDomain '${k.packDomain}'`);
  parts.push(`required '${k.required}'`, `preferred '${k.preferred}'`);
  return parts.join(", ");
}

/**
 * U7: constraints at PCS, PCSG and clique level are immutable. Returns the errors and whether a legacy
 * repair happened (then T1-T6 must be re-run on the new object).
 */
export function validateTopologyUpdate(v: PcsView, old: PcsView): { errs: FieldError[]; repaired: boolean } {
  const errs: FieldError[] = [];
  let repaired = false;
  const check = (oldTc: Obj | undefined, newTc: Obj | undefined, path: FieldPath, who: string) => {
    if (!oldTc && !newTc) return;
    if (!oldTc) {
      errs.push(fieldForbidden(path, `${who} topology constraint cannot be added after creation`));
      return;
    }
    if (!newTc) {
      errs.push(fieldForbidden(path, `${who} topology constraint cannot be removed after creation`));
      return;
    }
    const c = compare(oldTc, newTc);
    if (c === "legacy-repair") repaired = true;
    if (c === "changed") {
      errs.push(
        fieldForbidden(
          path,
          `${who} topology constraint cannot be changed from (${describe(key(oldTc))}) to (${describe(key(newTc))})`,
        ),
      );
    }
  };
  check(
    obj(old.template?.topologyConstraint),
    obj(v.template?.topologyConstraint),
    templatePath.child("topologyConstraint"),
    "PodCliqueSet",
  );
  for (const g of v.groups) {
    const og = old.groups.find((x) => x.name === g.name);
    if (!og) continue; // a new PCSG is rejected by U5
    check(
      obj(og.raw.topologyConstraint),
      obj(g.raw.topologyConstraint),
      g.path.child("topologyConstraint"),
      `PodCliqueScalingGroup '${g.name ?? ""}'`,
    );
  }
  for (const c of v.cliques) {
    const oc = old.cliques.find((x) => x.name === c.name);
    if (!oc) continue; // a new clique is rejected by U1
    check(
      obj(oc.raw.topologyConstraint),
      obj(c.raw.topologyConstraint),
      c.path.child("topologyConstraint"),
      `PodClique '${c.name ?? ""}'`,
    );
  }
  return { errs, repaired };
}

/** U9: a warning for every constraint still using the deprecated packDomain. */
export function packDomainWarnings(v: PcsView): string[] {
  return constraintSites(v)
    .filter((s) => str(s.tc.packDomain))
    .map(
      (s) => `${s.path.child("packDomain")} is deprecated; use ${s.path.child("pack", "required")} instead`,
    );
}
