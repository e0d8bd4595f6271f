// The PCS webhook's resource-claim rules V4-V9 (grove-api.md §9.2): resourceClaimTemplates, and the
// resourceSharing lists of the PCS, its scaling groups and its cliques with their filters. Part of
// validateSpecRules (spec-rules.ts).
import {
  type FieldError,
  type FieldPath,
  fieldInvalid,
  fieldNotFound,
  fieldNotSupported,
  fieldRequired,
} from "../field-errors.js";
import { arr, has, type Obj, obj, str } from "./json.js";
import { type PcsView, templatePath } from "./model.js";

import { duplicates, MsgDeviceRequest, ResourceSharingScopes } from "./spec-messages.js";

// V4-V6
export function validateResourceClaimTemplates(v: PcsView): { errs: FieldError[]; internal: Set<string> } {
  const path = templatePath.child("resourceClaimTemplates");
  const errs: FieldError[] = [];
  const internal = new Set<string>();
  const names: { value: string | undefined; path: FieldPath }[] = [];
  arr(v.template?.resourceClaimTemplates).forEach((t, i) => {
    const p = path.index(i);
    const to = obj(t) ?? {};
    const name = str(to.name);
    if (!name) errs.push(fieldRequired(p.child("name")));
    else internal.add(name);
    names.push({ value: name, path: p.child("name") });
    const requests = obj(obj(obj(to.templateSpec)?.spec)?.devices)?.requests;
    if (arr(requests).length === 0) {
      errs.push(fieldRequired(p.child("templateSpec", "spec", "devices", "requests"), MsgDeviceRequest));
    }
  });
  errs.push(...duplicates(names));
  return { errs, internal };
}

// V7 (one resourceSharing list), V8/V9 filters via the callback.
function validateSharingList(
  list: unknown,
  path: FieldPath,
  internal: Set<string>,
  filter?: (f: Obj, p: FieldPath) => FieldError[],
): FieldError[] {
  const errs: FieldError[] = [];
  const names: { value: string | undefined; path: FieldPath }[] = [];
  arr(list).forEach((e, i) => {
    const p = path.index(i);
    const eo = obj(e) ?? {};
    const name = str(eo.name);
    if (!name) errs.push(fieldRequired(p.child("name")));
    names.push({ value: name, path: p.child("name") });
    const ns = str(eo.namespace);
    if (name && ns && internal.has(name)) {
      errs.push(
        fieldInvalid(
          p.child("namespace"),
          `namespace must be empty when name refers to a template in spec.template.resourceClaimTemplates (${name})`,
          ns,
        ),
      );
    }
    if (!has(eo, "scope")) errs.push(fieldRequired(p.child("scope")));
    else if (!(ResourceSharingScopes as readonly unknown[]).includes(eo.scope)) {
      errs.push(fieldNotSupported(p.child("scope"), eo.scope, ResourceSharingScopes));
    }
    if (filter && has(eo, "filter")) errs.push(...filter(obj(eo.filter) ?? {}, p.child("filter")));
  });
  errs.push(...duplicates(names));
  return errs;
}

/** A filter's name list: every entry not in `known` is NotFound at its own index. */
function unknownNames(list: unknown, path: FieldPath, known: Set<string>, message: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((n, i) => {
    if (typeof n !== "string" || !known.has(n)) errs.push(fieldNotFound(path.index(i), message, n));
  });
  return errs;
}

export function validateResourceSharing(v: PcsView, internal: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const cliqueNames = new Set(v.cliques.map((c) => c.name).filter((n): n is string => !!n));
  const groupNames = new Set(v.groups.map((g) => g.name).filter((n): n is string => !!n));
  // V8: PCS-level filter.
  errs.push(
    ...validateSharingList(
      v.template?.resourceSharing,
      templatePath.child("resourceSharing"),
      internal,
      (f, p) => {
        const out: FieldError[] = [];
        if (arr(f.childCliqueNames).length === 0 && arr(f.childScalingGroupNames).length === 0) {
          out.push(
            fieldRequired(
              p,
              "filter must specify at least one of childCliqueNames or childScalingGroupNames",
            ),
          );
        }
        out.push(
          ...unknownNames(
            f.childCliqueNames,
            p.child("childCliqueNames"),
            cliqueNames,
            "PodClique not found in spec.template.cliques",
          ),
          ...unknownNames(
            f.childScalingGroupNames,
            p.child("childScalingGroupNames"),
            groupNames,
            "PodCliqueScalingGroup not found in spec.template.podCliqueScalingGroups",
          ),
        );
        return out;
      },
    ),
  );
  // V9: PCSG-level filter.
  for (const g of v.groups) {
    const members = new Set(g.cliqueNames.filter((n): n is string => !!n));
    errs.push(
      ...validateSharingList(g.raw.resourceSharing, g.path.child("resourceSharing"), internal, (f, p) => {
        const out: FieldError[] = [];
        if (arr(f.childCliqueNames).length === 0)
          out.push(
            fieldRequired(
              p.child("childCliqueNames"),
              "filter must specify at least one childCliqueNames entry",
            ),
          );
        out.push(
          ...unknownNames(
            f.childCliqueNames,
            p.child("childCliqueNames"),
            members,
            `PodClique is not a member of PodCliqueScalingGroup '${g.name ?? ""}'`,
          ),
        );
        return out;
      }),
    );
  }
  // V7 at clique level (no filter).
  for (const c of v.cliques) {
    errs.push(...validateSharingList(c.raw.resourceSharing, c.path.child("resourceSharing"), internal));
  }
  return errs;
}
