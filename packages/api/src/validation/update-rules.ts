// Update-only immutability rules U1-U6 (grove-api.md §9.4). U7 is in topology.ts, U8 in mnnvl.ts.

import { type FieldError, type FieldPath, fieldForbidden, fieldInvalid } from "../field-errors.js";
import { deepEqual } from "../json.js";
import { obj } from "./json.js";
import { type PcsView, templatePath } from "./model.js";

export const MsgImmutable = "field is immutable";

function immutable(newValue: unknown, oldValue: unknown, path: FieldPath): FieldError[] {
  // Absent and null are the same "unset" to Go's pointer comparison.
  const a = newValue === null ? undefined : newValue;
  const b = oldValue === null ? undefined : oldValue;
  return deepEqual(a, b) ? [] : [fieldInvalid(path, MsgImmutable, newValue)];
}

export function validateUpdateRules(v: PcsView, old: PcsView): FieldError[] {
  const errs: FieldError[] = [];
  const cliquesPath = templatePath.child("cliques");
  // U1
  if (v.cliques.length !== old.cliques.length) {
    errs.push(fieldForbidden(cliquesPath, "not allowed to change clique composition"));
  }
  const oldIndex = new Map(old.cliques.map((c) => [c.name, c]));
  const ordered =
    v.startupType === "CliqueStartupTypeInOrder" || v.startupType === "CliqueStartupTypeExplicit";
  for (const c of v.cliques) {
    const oc = oldIndex.get(c.name);
    if (!oc) {
      errs.push(
        fieldForbidden(
          c.path.child("name"),
          `not allowed to change clique composition, new clique name '${c.name ?? ""}' is not allowed`,
        ),
      );
      continue;
    }
    // U2
    if (ordered && oc.index !== c.index) {
      const expected = old.cliques[c.index]?.name ?? "";
      errs.push(
        fieldInvalid(
          c.path.child("name"),
          `clique order cannot be changed when StartupType is InOrder or Explicit. Expected '${expected}' at position ${c.index}, got '${c.name ?? ""}'`,
          c.name,
        ),
      );
    }
    // U3
    const sp = c.path.child("spec");
    errs.push(...immutable(c.spec?.roleName, oc.spec?.roleName, sp.child("roleName")));
    errs.push(...immutable(c.spec?.minAvailable, oc.spec?.minAvailable, sp.child("minAvailable")));
    errs.push(...immutable(c.spec?.startsAfter, oc.spec?.startsAfter, sp.child("startsAfter")));
    errs.push(
      ...immutable(
        c.podSpec?.schedulerName || undefined,
        oc.podSpec?.schedulerName || undefined,
        sp.child("podSpec", "schedulerName"),
      ),
    );
    errs.push(...immutable(c.raw.resourceSharing, oc.raw.resourceSharing, c.path.child("resourceSharing")));
  }
  // U4
  errs.push(...immutable(v.startupType, old.startupType, templatePath.child("cliqueStartupType")));
  // U5
  const groupsPath = templatePath.child("podCliqueScalingGroups");
  if (v.groups.length !== old.groups.length) {
    errs.push(fieldForbidden(groupsPath, "not allowed to add or remove PodCliqueScalingGroupConfigs"));
  } else {
    const oldGroups = new Map(old.groups.map((g) => [g.name, g]));
    for (const g of v.groups) {
      const og = oldGroups.get(g.name);
      if (!og) {
        errs.push(
          fieldForbidden(
            g.path.child("name"),
            `not allowed to change scaling group composition, new scaling group name '${g.name ?? ""}' is not allowed`,
          ),
        );
        continue;
      }
      errs.push(...immutable(g.raw.cliqueNames, og.raw.cliqueNames, g.path.child("cliqueNames")));
      errs.push(...immutable(g.raw.minAvailable, og.raw.minAvailable, g.path.child("minAvailable")));
      errs.push(...immutable(g.raw.resourceSharing, og.raw.resourceSharing, g.path.child("resourceSharing")));
    }
  }
  // U6
  errs.push(
    ...immutable(
      obj(v.template)?.resourceClaimTemplates,
      obj(old.template)?.resourceClaimTemplates,
      templatePath.child("resourceClaimTemplates"),
    ),
  );
  errs.push(
    ...immutable(
      obj(v.template)?.resourceSharing,
      obj(old.template)?.resourceSharing,
      templatePath.child("resourceSharing"),
    ),
  );
  return errs;
}
