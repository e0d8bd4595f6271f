// The PCS webhook's per-clique rules V11-V20 (grove-api.md §9.2) and the clique's CRD required keys:
// name, labels and annotations, replicas and minAvailable, startsAfter, autoScalingConfig, podSpec
// (restartPolicy warning, create-only fields, container env names). Part of validateSpecRules
// (spec-rules.ts); the rules across cliques (V21-V25) stay there.

import { DefaultRestartPolicy } from "../defaulting/defaults.js";
import {
  type FieldError,
  type FieldPath,
  fieldDuplicate,
  fieldInvalid,
  fieldRequired,
} from "../field-errors.js";
import { isDNS1123Subdomain, isEnvVarName, validateAnnotations, validateLabels } from "./apimachinery.js";
import { arr, has, int, type Obj, obj, str } from "./json.js";
import { type CliqueView, isExplicit, metadataPath, type PcsView } from "./model.js";

import {
  combinedNameMessage,
  MaxCombinedResourceNameLength,
  MsgCliqueNameDNS,
  MsgDepEmpty,
  MsgDepSelf,
  MsgFieldRequired,
  MsgGreaterThanZero,
  MsgMinAvailableGtReplicas,
  MsgMustNotBeSet,
  MsgRestartPolicyWarning,
  validateInt,
} from "./spec-messages.js";

// V20
function validateContainersEnv(podSpec: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const list of ["initContainers", "containers"] as const) {
    arr(podSpec[list]).forEach((ct, j) => {
      const env = arr(obj(ct)?.env);
      const seen = new Set<string>();
      env.forEach((e, k) => {
        const p = path.child(list).index(j).child("env").index(k).child("name");
        const name = str(obj(e)?.name);
        if (name === undefined || name === "") {
          errs.push(fieldRequired(p));
          return;
        }
        for (const m of isEnvVarName(name)) errs.push(fieldInvalid(p, m, name));
        if (seen.has(name)) errs.push(fieldDuplicate(p, name));
        seen.add(name);
      });
    });
  }
  return errs;
}

// V11-V20 for one clique; returns warnings (V18) separately.
export function validateClique(
  v: PcsView,
  c: CliqueView,
  members: Set<string>,
  create: boolean,
): { errs: FieldError[]; warnings: string[] } {
  const errs: FieldError[] = [];
  const warnings: string[] = [];
  const namePath = c.path.child("name");
  // V11
  if (!c.name) errs.push(fieldRequired(namePath));
  else if (isDNS1123Subdomain(c.name).length > 0) errs.push(fieldInvalid(namePath, MsgCliqueNameDNS, c.name));
  // V12 (standalone cliques only; members are checked with their PCSG, V28)
  if (c.name && !members.has(c.name)) {
    const n = v.name.length + c.name.length;
    if (n > MaxCombinedResourceNameLength) {
      const msg = combinedNameMessage(n, v.name, c.name);
      errs.push(fieldInvalid(namePath, msg, c.name));
      errs.push(fieldInvalid(metadataPath.child("name"), msg, v.name));
    }
  }
  // V13
  errs.push(...validateLabels(c.raw.labels, c.path.child("labels")));
  errs.push(...validateAnnotations(c.raw.annotations, c.path.child("annotations")));

  const sp = c.path.child("spec");
  const cs = c.spec;
  if (!cs) {
    errs.push(fieldRequired(sp));
    return { errs, warnings };
  }
  // CRD required keys (§9.1); roleName uniqueness is V21.
  if (!has(cs, "roleName")) errs.push(fieldRequired(sp.child("roleName")));
  if (!has(cs, "podSpec")) errs.push(fieldRequired(sp.child("podSpec")));
  // V14
  const replicas = int(cs.replicas);
  if (!has(cs, "replicas")) errs.push(fieldRequired(sp.child("replicas")));
  else errs.push(...validateInt(cs.replicas, sp.child("replicas"), (n) => n > 0, MsgGreaterThanZero));
  // V15
  const minAvailable = int(cs.minAvailable);
  if (!has(cs, "minAvailable")) errs.push(fieldRequired(sp.child("minAvailable"), MsgFieldRequired));
  else {
    errs.push(...validateInt(cs.minAvailable, sp.child("minAvailable"), (n) => n > 0, MsgGreaterThanZero));
    if (minAvailable !== undefined && replicas !== undefined && minAvailable > replicas) {
      errs.push(fieldInvalid(sp.child("minAvailable"), MsgMinAvailableGtReplicas, minAvailable));
    }
  }
  // V16
  if (isExplicit(v)) {
    const seen = new Set<string>();
    arr(cs.startsAfter).forEach((d, j) => {
      const p = sp.child("startsAfter").index(j);
      if (typeof d !== "string" || d === "") {
        errs.push(fieldRequired(p, MsgDepEmpty));
        return;
      }
      if (d === c.name) errs.push(fieldInvalid(p, MsgDepSelf, d));
      if (seen.has(d)) errs.push(fieldDuplicate(p, d));
      seen.add(d);
    });
  }
  // V17
  const asc = obj(cs.autoScalingConfig);
  if (asc) {
    const ap = sp.child("autoScalingConfig");
    const minReplicas = int(asc.minReplicas);
    const maxReplicas = int(asc.maxReplicas);
    if (!has(asc, "minReplicas")) errs.push(fieldRequired(ap.child("minReplicas"), MsgFieldRequired));
    else if (minReplicas !== undefined && minAvailable !== undefined && minReplicas < minAvailable) {
      errs.push(
        fieldInvalid(
          ap.child("minReplicas"),
          "must be greater than or equal to podCliqueSpec.minAvailable",
          minReplicas,
        ),
      );
    }
    if (!has(asc, "maxReplicas")) errs.push(fieldRequired(ap.child("maxReplicas")));
    else {
      if (maxReplicas !== undefined && minReplicas !== undefined && maxReplicas < minReplicas) {
        errs.push(
          fieldInvalid(
            ap.child("maxReplicas"),
            "must be greater than or equal to podCliqueSpec.minReplicas",
            maxReplicas,
          ),
        );
      }
      if (maxReplicas !== undefined && replicas !== undefined && maxReplicas < replicas) {
        errs.push(
          fieldInvalid(ap.child("maxReplicas"), "must be greater than or equal to replicas", maxReplicas),
        );
      }
    }
  }
  const ps = c.podSpec;
  if (ps) {
    // V18, narrowed on purpose: Grove warns after its own defaulting, which sets Always on every
    // clique, so it warns on every write. Only a value other than Always is ignored (the defaulted
    // Always cannot be told from a user's own), so only that warns (issue 16, item 6).
    if (
      typeof ps.restartPolicy === "string" &&
      ps.restartPolicy !== "" &&
      ps.restartPolicy !== DefaultRestartPolicy
    )
      warnings.push(MsgRestartPolicyWarning);
    // V19
    const pp = sp.child("podSpec");
    if (create) {
      if (has(ps, "topologySpreadConstraints")) {
        errs.push(
          fieldInvalid(pp.child("topologySpreadConstraints"), MsgMustNotBeSet, ps.topologySpreadConstraints),
        );
      }
      if (typeof ps.nodeName === "string" && ps.nodeName !== "") {
        errs.push(fieldInvalid(pp.child("nodeName"), MsgMustNotBeSet, ps.nodeName));
      }
    }
    // V20
    errs.push(...validateContainersEnv(ps, pp));
  }
  return { errs, warnings };
}
