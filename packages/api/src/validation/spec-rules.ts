// The PCS validating webhook's create-and-update rules V1-V32 (grove-api.md §9.2), plus the required
// keys of the CRD that validation must see even without a structural check (§9.1: clique `roleName`,
// `podSpec`, PCSG `name`/`cliqueNames`). V33 (backends) lives in backends.ts.
//
// Field paths are always indexed (`spec.template.cliques[1].spec.startsAfter[0]`), also where Grove's
// webhook reports a list path without an index, so a user can find the offending entry.
//
// V4-V9 are in resource-sharing-rules.ts, V11-V20 (one clique) in clique-rules.ts, the messages and
// shared checks in spec-messages.ts.

import { type FieldError, fieldInvalid, fieldRequired } from "../field-errors.js";
import { isDNS1123Subdomain, validateObjectMeta } from "./apimachinery.js";
import { validateClique } from "./clique-rules.js";
import { parseGoDuration } from "./duration.js";
import { stronglyConnectedCycles } from "./graph.js";
import { arr, has, int, isObj, obj, str } from "./json.js";
import {
  CliqueStartupTypes,
  cliqueScheduler,
  groupMemberNames,
  isExplicit,
  metadataPath,
  type PcsView,
  specPath,
  templatePath,
} from "./model.js";
import type { ResolvedOptions } from "./options.js";
import { validateResourceClaimTemplates, validateResourceSharing } from "./resource-sharing-rules.js";
import {
  combinedNameMessage,
  duplicates,
  MaxCombinedResourceNameLength,
  MsgAtLeastOneClique,
  MsgAutoScalingInGroup,
  MsgDepCycle,
  MsgDepUnknown,
  MsgFieldRequired,
  MsgGreaterThanZero,
  MsgGroupNameDNS,
  MsgMinAvailableGtReplicas,
  MsgSameScheduler,
  MsgTerminationDelay,
  MsgUnidentifiedCliques,
  validateInt,
} from "./spec-messages.js";

// V21-V25 across cliques.
function validateCliquesTogether(v: PcsView, o: ResolvedOptions): FieldError[] {
  const errs: FieldError[] = [];
  // V21
  errs.push(...duplicates(v.cliques.map((c) => ({ value: c.name, path: c.path.child("name") }))));
  errs.push(
    ...duplicates(
      v.cliques.map((c) => ({ value: str(c.spec?.roleName), path: c.path.child("spec", "roleName") })),
    ).map((e) => ({ ...e, message: "cliqueTemplateSpec.Spec roleNames must be unique" })),
  );
  // V22, V23
  const first = v.cliques[0];
  if (first) {
    const expected = cliqueScheduler(first, o.defaultScheduler);
    const reported = new Set<string>();
    for (const c of v.cliques) {
      const s = cliqueScheduler(c, o.defaultScheduler);
      const p = c.path.child("spec", "podSpec", "schedulerName");
      if (s !== expected) errs.push(fieldInvalid(p, MsgSameScheduler, s));
      if (!o.enabledSchedulers.includes(s) && !reported.has(s)) {
        reported.add(s);
        errs.push(
          fieldInvalid(
            p,
            `schedulerName must be an enabled scheduler backend, enabled backends: [${o.enabledSchedulers.join(", ")}]`,
            s,
          ),
        );
      }
    }
  }
  // V24, V25
  if (isExplicit(v)) {
    const defined = new Set(v.cliques.map((c) => c.name).filter((n): n is string => !!n));
    const edges = new Map<string, string[]>();
    for (const c of v.cliques) {
      const deps: string[] = [];
      arr(c.spec?.startsAfter).forEach((d, j) => {
        if (typeof d !== "string" || d === "") return;
        deps.push(d);
        if (!defined.has(d))
          errs.push(fieldInvalid(c.path.child("spec", "startsAfter").index(j), MsgDepUnknown, d));
      });
      if (c.name) edges.set(c.name, [...(edges.get(c.name) ?? []), ...deps]);
    }
    const cycles = stronglyConnectedCycles(edges);
    if (cycles.length > 0) errs.push(fieldInvalid(templatePath.child("cliques"), MsgDepCycle, cycles));
  }
  return errs;
}

// V26-V31
function validateScalingGroups(v: PcsView): FieldError[] {
  const errs: FieldError[] = [];
  const defined = new Set(v.cliques.map((c) => c.name).filter((n): n is string => !!n));
  for (const g of v.groups) {
    const np = g.path.child("name");
    // V26 (+ required key)
    if (!g.name) errs.push(fieldRequired(np));
    else if (isDNS1123Subdomain(g.name).length > 0) errs.push(fieldInvalid(np, MsgGroupNameDNS, g.name));
    if (!has(g.raw, "cliqueNames")) errs.push(fieldRequired(g.path.child("cliqueNames")));
    g.cliqueNames.forEach((n, j) => {
      const p = g.path.child("cliqueNames").index(j);
      // V27
      if (n === undefined || !defined.has(n)) {
        errs.push(fieldInvalid(p, MsgUnidentifiedCliques, n ?? arr(g.raw.cliqueNames)[j]));
        return;
      }
      // V28
      const len = v.name.length + (g.name ?? "").length + n.length;
      if (len > MaxCombinedResourceNameLength) {
        const msg = combinedNameMessage(len, v.name, n, g.name ?? "");
        errs.push(fieldInvalid(p, msg, n));
        errs.push(fieldInvalid(np, msg, g.name));
        errs.push(fieldInvalid(metadataPath.child("name"), msg, v.name));
      }
    });
    // V29
    errs.push(...validateInt(g.raw.replicas, g.path.child("replicas"), (n) => n > 0, MsgGreaterThanZero));
    errs.push(
      ...validateInt(g.raw.minAvailable, g.path.child("minAvailable"), (n) => n > 0, MsgGreaterThanZero),
    );
    const replicas = int(g.raw.replicas);
    const minAvailable = int(g.raw.minAvailable);
    if (replicas !== undefined && minAvailable !== undefined && minAvailable > replicas) {
      errs.push(fieldInvalid(g.path.child("minAvailable"), MsgMinAvailableGtReplicas, minAvailable));
    }
    const minReplicas = int(obj(g.raw.scaleConfig)?.minReplicas);
    if (minReplicas !== undefined && minAvailable !== undefined && minReplicas < minAvailable) {
      errs.push(
        fieldInvalid(
          g.path.child("scaleConfig", "minReplicas"),
          "scaleConfig.minReplicas must be greater than or equal to minAvailable",
          minReplicas,
        ),
      );
    }
  }
  // V30
  errs.push(...duplicates(v.groups.map((g) => ({ value: g.name, path: g.path.child("name") }))));
  errs.push(
    ...duplicates(
      v.groups.flatMap((g) =>
        g.cliqueNames.map((n, j) => ({ value: n, path: g.path.child("cliqueNames").index(j) })),
      ),
    ).map((e) => ({
      ...e,
      message:
        "clique names must not overlap across scaling groups, every scaling group should have unique clique names",
    })),
  );
  // V31
  const members = groupMemberNames(v);
  for (const c of v.cliques) {
    if (c.name && members.has(c.name) && isObj(c.spec?.autoScalingConfig)) {
      errs.push(fieldInvalid(c.path.child("spec", "autoScalingConfig"), MsgAutoScalingInGroup, c.name));
    }
  }
  return errs;
}

// V32
function validateTerminationDelay(v: PcsView): FieldError[] {
  const p = templatePath.child("terminationDelay");
  const d = v.template?.terminationDelay;
  if (d === undefined || d === null) return [fieldRequired(p, MsgFieldRequired)];
  if (typeof d !== "string") return [fieldInvalid(p, 'must be a duration string such as "4h" or "30s"', d)];
  const ns = parseGoDuration(d);
  if (ns === undefined) return [fieldInvalid(p, 'must be a duration string such as "4h" or "30s"', d)];
  return ns > 0 ? [] : [fieldInvalid(p, MsgTerminationDelay, d)];
}

/** V1-V32 (+ CRD required keys) over the new object. `create` switches on V19. */
export function validateSpecRules(
  v: PcsView,
  o: ResolvedOptions,
  create: boolean,
): { errs: FieldError[]; warnings: string[] } {
  const errs: FieldError[] = [];
  const warnings: string[] = [];
  // V1
  errs.push(...validateObjectMeta(v.raw.metadata, metadataPath, { requiresNamespace: true }));
  if (!v.spec) return { errs: [...errs, fieldRequired(specPath)], warnings };
  // V2
  errs.push(
    ...validateInt(
      v.spec.replicas,
      specPath.child("replicas"),
      (n) => n >= 0,
      "must be greater than or equal to 0",
    ),
  );
  if (!v.template) return { errs: [...errs, fieldRequired(templatePath)], warnings };
  // V3
  const st = v.startupType;
  if (st === undefined || st === null) errs.push(fieldRequired(templatePath.child("cliqueStartupType")));
  else if (!(CliqueStartupTypes as readonly unknown[]).includes(st)) {
    errs.push(
      fieldInvalid(
        templatePath.child("cliqueStartupType"),
        `can only be one of ${CliqueStartupTypes.join(", ")}`,
        st,
      ),
    );
  }
  // V4-V9
  const rct = validateResourceClaimTemplates(v);
  errs.push(...rct.errs);
  errs.push(...validateResourceSharing(v, rct.internal));
  // V10
  if (v.cliques.length === 0) errs.push(fieldRequired(templatePath.child("cliques"), MsgAtLeastOneClique));
  // V11-V20
  const members = groupMemberNames(v);
  for (const c of v.cliques) {
    const r = validateClique(v, c, members, create);
    errs.push(...r.errs);
    warnings.push(...r.warnings);
  }
  // V21-V25
  errs.push(...validateCliquesTogether(v, o));
  // V26-V31
  errs.push(...validateScalingGroups(v));
  // V32
  errs.push(...validateTerminationDelay(v));
  return { errs, warnings };
}
