// ClusterTopologyBinding validation (grove-api.md §9.6 rules 1-5) plus the CRD's own rules on levels
// (required, minItems 1, TopologyDomain and label-key patterns) and the metadata of a cluster-scoped
// object. Grove reports binding errors under `spec.schedulerTopologyReferences`; we use the real JSON
// field name `spec.schedulerTopologyBindings` so the path leads to the offending entry.

import { TOPOLOGY_KEY_PATTERN } from "../constants.js";
import {
  type FieldError,
  FieldPath,
  fieldDuplicate,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
} from "../field-errors.js";
import type { ClusterTopologyBinding } from "./api-types.js";
import { validateObjectMeta } from "./apimachinery.js";
import { validateTopologyDomain } from "./cel.js";
import { arr, has, isObj, type Obj, obj, str } from "./json.js";
import { resolveOptions, TopologyAwareSchedulers, type ValidationOptions } from "./options.js";

/** The CRD's pattern for `spec.levels[].key` (constants.ts), as a RegExp. */
export const LevelKeyPattern = new RegExp(TOPOLOGY_KEY_PATTERN);
export const LevelKeyMaxLength = 63;
export const MsgBackendNotEnabled = "scheduler backend is not enabled in Grove";
export const MsgBackendNotTopologyAware = "scheduler backend does not implement topology-aware scheduling";

function validateLevelKey(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === null) return [fieldRequired(path)];
  if (typeof value !== "string") return [fieldInvalid(path, "must be a string", value)];
  const errs: FieldError[] = [];
  if (value.length < 1) errs.push(fieldInvalid(path, "should be at least 1 chars long", value));
  if (value.length > LevelKeyMaxLength)
    errs.push(fieldTooLong(path, `may not be more than ${LevelKeyMaxLength} bytes`, value));
  if (value.length > 0 && !LevelKeyPattern.test(value)) {
    errs.push(fieldInvalid(path, `should match '${LevelKeyPattern.source}'`, value));
  }
  return errs;
}

/** §9.6 on create and update alike (`old` is accepted for symmetry; no rule compares against it). */
export function validateClusterTopologyBinding(
  ctb: ClusterTopologyBinding,
  _old?: ClusterTopologyBinding,
  options?: ValidationOptions,
): FieldError[] {
  const o = resolveOptions(options);
  const input: unknown = ctb;
  const raw: Obj = isObj(input) ? input : {};
  const errs: FieldError[] = [];
  errs.push(...validateObjectMeta(raw.metadata, FieldPath.root("metadata"), { requiresNamespace: false }));
  const specPath = FieldPath.root("spec");
  const spec = obj(raw.spec);
  if (!spec) return [...errs, fieldRequired(specPath)];
  const levelsPath = specPath.child("levels");
  if (!has(spec, "levels")) errs.push(fieldRequired(levelsPath));
  else if (!Array.isArray(spec.levels)) errs.push(fieldInvalid(levelsPath, "must be an array", spec.levels));
  else if (spec.levels.length < 1)
    errs.push(fieldInvalid(levelsPath, "should have at least 1 items", spec.levels));
  const domains = new Set<string>();
  const keys = new Set<string>();
  arr(spec.levels).forEach((l, i) => {
    const p = levelsPath.index(i);
    const lo = obj(l) ?? {};
    if (!has(lo, "domain")) errs.push(fieldRequired(p.child("domain")));
    else errs.push(...validateTopologyDomain(lo.domain, p.child("domain")));
    errs.push(...validateLevelKey(lo.key, p.child("key")));
    // Rules 1 and 2.
    const d = str(lo.domain);
    if (d) {
      if (domains.has(d)) errs.push(fieldDuplicate(p.child("domain"), d));
      domains.add(d);
    }
    const k = str(lo.key);
    if (k) {
      if (keys.has(k)) errs.push(fieldDuplicate(p.child("key"), k));
      keys.add(k);
    }
  });
  const bindingsPath = specPath.child("schedulerTopologyBindings");
  const names = new Set<string>();
  arr(spec.schedulerTopologyBindings).forEach((b, i) => {
    const p = bindingsPath.index(i);
    const bo = obj(b) ?? {};
    const name = str(bo.schedulerName);
    if (!name) errs.push(fieldRequired(p.child("schedulerName")));
    if (!str(bo.topologyReference)) errs.push(fieldRequired(p.child("topologyReference")));
    if (!name) return;
    // Rule 3.
    if (names.has(name)) {
      errs.push(fieldDuplicate(p.child("schedulerName"), name));
      return;
    }
    names.add(name);
    // Rules 4 and 5.
    if (!o.enabledSchedulers.includes(name))
      errs.push(fieldInvalid(p.child("schedulerName"), MsgBackendNotEnabled, name));
    else if (!TopologyAwareSchedulers.includes(name)) {
      errs.push(fieldInvalid(p.child("schedulerName"), MsgBackendNotTopologyAware, name));
    }
  });
  return errs;
}
