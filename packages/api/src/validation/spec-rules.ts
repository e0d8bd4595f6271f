// The PCS validating webhook's create-and-update rules V1-V32 (grove-api.md §9.2), plus the required
// keys of the CRD that validation must see even without a structural check (§9.1: clique `roleName`,
// `podSpec`, PCSG `name`/`cliqueNames`). V33 (backends) lives in backends.ts.
//
// Field paths are always indexed (`spec.template.cliques[1].spec.startsAfter[0]`), also where Grove's
// webhook reports a list path without an index, so a user can find the offending entry.

import {
  type FieldError,
  type FieldPath,
  fieldDuplicate,
  fieldInvalid,
  fieldNotFound,
  fieldNotSupported,
  fieldRequired,
} from "../field-errors.js";
import {
  isDNS1123Subdomain,
  isEnvVarName,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
} from "./apimachinery.js";
import { parseGoDuration } from "./duration.js";
import { stronglyConnectedCycles } from "./graph.js";
import { arr, has, int, isObj, type Obj, obj, str } from "./json.js";
import {
  CliqueStartupTypes,
  type CliqueView,
  cliqueScheduler,
  groupMemberNames,
  isExplicit,
  metadataPath,
  type PcsView,
  specPath,
  templatePath,
} from "./model.js";
import type { ResolvedOptions } from "./options.js";

export const MaxCombinedResourceNameLength = 45;
export const ResourceSharingScopes = ["AllReplicas", "PerReplica"] as const;

export const MsgAtLeastOneClique = "at least one PodClique must be defined";
export const MsgCliqueNameDNS = "invalid PodCliqueTemplateSpec name, must be a valid DNS subdomain";
export const MsgGroupNameDNS = "invalid PodCliqueScalingGroupConfig name, must be a valid DNS subdomain";
export const MsgGreaterThanZero = "must be greater than 0";
export const MsgMinAvailableGtReplicas = "minAvailable must not be greater than replicas";
export const MsgFieldRequired = "field is required";
export const MsgDepEmpty = "clique dependency must not be empty";
export const MsgDepSelf = "clique dependency cannot refer to itself";
export const MsgDepUnknown = "unknown clique names found, all clique dependencies must be defined as cliques";
export const MsgDepCycle = "clique must not have circular dependencies";
export const MsgSameScheduler = "the schedulerName for all pods have to be the same";
export const MsgMustNotBeSet = "must not be set";
export const MsgUnidentifiedCliques = "unidentified PodClique names found";
export const MsgAutoScalingInGroup =
  "AutoScalingConfig is not allowed to be defined for PodClique that is part of scaling group";
export const MsgTerminationDelay = "terminationDelay must be greater than 0";
export const MsgRestartPolicyWarning = "restartPolicy will be ignored, it will be set to Always";
export const MsgDeviceRequest = "at least one device request is required";

export function combinedNameMessage(n: number, pcs: string, clique: string, group?: string): string {
  return group === undefined
    ? `combined resource name length ${n} exceeds 45-character limit required for pod naming. Consider shortening: PodCliqueSet '${pcs}' or PodClique '${clique}'`
    : `combined resource name length ${n} exceeds 45-character limit required for pod naming. Consider shortening: PodCliqueSet '${pcs}', PodCliqueScalingGroup '${group}', or PodClique '${clique}'`;
}

/** Reports every later occurrence of a value already seen, at that entry's own path. */
function duplicates<T>(items: { value: T | undefined; path: FieldPath }[]): FieldError[] {
  const seen = new Set<T>();
  const errs: FieldError[] = [];
  for (const it of items) {
    if (it.value === undefined || it.value === "") continue;
    if (seen.has(it.value)) errs.push(fieldDuplicate(it.path, it.value));
    else seen.add(it.value);
  }
  return errs;
}

function validateInt(
  value: unknown,
  path: FieldPath,
  check: (n: number) => boolean,
  message: string,
): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value))
    return [fieldInvalid(path, "must be an integer", value)];
  return check(value) ? [] : [fieldInvalid(path, message, value)];
}

// V4-V6
function validateResourceClaimTemplates(v: PcsView): { errs: FieldError[]; internal: Set<string> } {
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

function validateResourceSharing(v: PcsView, internal: Set<string>): FieldError[] {
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
        const cl = arr(f.childCliqueNames);
        const sg = arr(f.childScalingGroupNames);
        if (cl.length === 0 && sg.length === 0) {
          out.push(
            fieldRequired(
              p,
              "filter must specify at least one of childCliqueNames or childScalingGroupNames",
            ),
          );
        }
        cl.forEach((n, i) => {
          if (typeof n !== "string" || !cliqueNames.has(n)) {
            out.push(
              fieldNotFound(
                p.child("childCliqueNames").index(i),
                "PodClique not found in spec.template.cliques",
                n,
              ),
            );
          }
        });
        sg.forEach((n, i) => {
          if (typeof n !== "string" || !groupNames.has(n)) {
            out.push(
              fieldNotFound(
                p.child("childScalingGroupNames").index(i),
                "PodCliqueScalingGroup not found in spec.template.podCliqueScalingGroups",
                n,
              ),
            );
          }
        });
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
        const cl = arr(f.childCliqueNames);
        if (cl.length === 0)
          out.push(
            fieldRequired(
              p.child("childCliqueNames"),
              "filter must specify at least one childCliqueNames entry",
            ),
          );
        cl.forEach((n, i) => {
          if (typeof n !== "string" || !members.has(n)) {
            out.push(
              fieldNotFound(
                p.child("childCliqueNames").index(i),
                `PodClique is not a member of PodCliqueScalingGroup '${g.name ?? ""}'`,
                n,
              ),
            );
          }
        });
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
function validateClique(
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
    // V18
    if (typeof ps.restartPolicy === "string" && ps.restartPolicy !== "")
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
