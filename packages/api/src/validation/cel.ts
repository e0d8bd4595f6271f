// The CRD's CEL rules and TopologyDomain schema rules as code (grove-api.md §2.5, §2.9, §9.1). The API
// server evaluates these before any webhook; here they run inside validatePodCliqueSet.

import {
  type FieldError,
  type FieldPath,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
} from "../field-errors.js";
import { has, obj } from "./json.js";
import { type ConstraintSite, constraintSites, type PcsView, templatePath } from "./model.js";

export const TopologyDomainPattern = /^[a-z][a-z0-9-]*$/;
export const TopologyDomainMaxLength = 63;

export const MsgPackOrPackDomain = "topologyConstraint must specify pack or deprecated packDomain";
export const MsgNotBoth = "must not set both pack.required and deprecated packDomain";
export const MsgPackRequiredOrPreferred = "pack must specify at least one of required or preferred";
export const MsgPackDomainOnCreate =
  "packDomain is deprecated and cannot be used on new workloads; use pack.required";

/** Schema of TopologyDomain: string, 1..63, `^[a-z][a-z0-9-]*$`. */
export function validateTopologyDomain(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "string") return [fieldInvalid(path, "must be a string", value)];
  const errs: FieldError[] = [];
  if (value.length < 1) errs.push(fieldInvalid(path, "should be at least 1 chars long", value));
  if (value.length > TopologyDomainMaxLength) {
    errs.push(fieldTooLong(path, `may not be more than ${TopologyDomainMaxLength} bytes`, value));
  }
  if (value.length > 0 && !TopologyDomainPattern.test(value)) {
    errs.push(fieldInvalid(path, `should match '${TopologyDomainPattern.source}'`, value));
  }
  return errs;
}

function validateConstraintCEL(site: ConstraintSite): FieldError[] {
  const errs: FieldError[] = [];
  const { tc, path } = site;
  const pack = obj(tc.pack);
  const hasPackDomain = has(tc, "packDomain");
  // (a) has(self.pack) || has(self.packDomain)
  if (!has(tc, "pack") && !hasPackDomain) errs.push(fieldRequired(path.child("pack"), MsgPackOrPackDomain));
  // (b) !(has(self.packDomain) && has(self.pack.required))
  if (hasPackDomain && pack && has(pack, "required"))
    errs.push(fieldInvalid(path, MsgNotBoth, tc.packDomain));
  // (c) on pack: has(self.required) || has(self.preferred)
  if (has(tc, "pack") && !(pack && (has(pack, "required") || has(pack, "preferred")))) {
    errs.push(fieldInvalid(path.child("pack"), MsgPackRequiredOrPreferred, tc.pack));
  }
  errs.push(...validateTopologyDomain(tc.packDomain, path.child("packDomain")));
  if (pack) {
    errs.push(...validateTopologyDomain(pack.required, path.child("pack", "required")));
    errs.push(...validateTopologyDomain(pack.preferred, path.child("pack", "preferred")));
  }
  if (has(tc, "topologyName") && typeof tc.topologyName !== "string") {
    errs.push(fieldInvalid(path.child("topologyName"), "must be a string", tc.topologyName));
  }
  return errs;
}

/**
 * The root transition rules (optionalOldSelf): packDomain is forbidden when there is no old object.
 * Grove's CRD states one rule per level, reported at its fieldPath: the PCS constraint's packDomain,
 * and the cliques and scaling-group lists as a whole (kube-apiserver prints those paths).
 */
function packDomainOnCreate(sites: readonly ConstraintSite[]): FieldError[] {
  const errs: FieldError[] = [];
  const at = (level: ConstraintSite["level"]) =>
    sites.some((s) => s.level === level && has(s.tc, "packDomain"));
  if (at("PodCliqueSet"))
    errs.push(fieldForbidden(templatePath.child("topologyConstraint", "packDomain"), MsgPackDomainOnCreate));
  if (at("PodClique")) errs.push(fieldForbidden(templatePath.child("cliques"), MsgPackDomainOnCreate));
  if (at("PodCliqueScalingGroup"))
    errs.push(fieldForbidden(templatePath.child("podCliqueScalingGroups"), MsgPackDomainOnCreate));
  return errs;
}

/** All 12 CEL rule instances (+ the TopologyDomain schema) over the PCS's constraint sites. */
export function validatePodCliqueSetCEL(v: PcsView, create: boolean): FieldError[] {
  const sites = constraintSites(v);
  return [...sites.flatMap((s) => validateConstraintCEL(s)), ...(create ? packDomainOnCreate(sites) : [])];
}
