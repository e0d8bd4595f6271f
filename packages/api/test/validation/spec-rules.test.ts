// One table per rule of grove-api.md §9.2 (V1-V32; V33 is in backends.test.ts). Each case mutates the
// valid base of builders.ts and asserts either no error at all, or an error at the exact field path
// with the rejection type of the spec's table and a fragment of Grove's message.

import { describe, expect, it } from "vitest";
import { podCliqueSetWarnings, validatePodCliqueSet } from "../../src/validation/index.js";
import { check, clique, DELETE, mutate, type RuleCase, validPcs, warningsOf } from "./builders.js";

const P = "spec.template";
const C = (i: number) => `${P}.cliques[${i}]`;
const G = (i: number) => `${P}.podCliqueScalingGroups[${i}]`;
const rct = (name: string, requests: unknown[] = [{ name: "dev", exactly: { deviceClassName: "gpu" } }]) => ({
  name,
  templateSpec: { spec: { devices: { requests } } },
});

const table = (rule: string, cases: RuleCase[]) =>
  describe(rule, () => {
    it.each(cases)("$name", (c) => check(c));
  });

table("V1 metadata is a valid ObjectMeta with a DNS-subdomain name", [
  { name: "dotted DNS subdomain name accepted", set: { "metadata.name": "my.pcs-1" } },
  {
    name: "upper case and underscore rejected",
    set: { "metadata.name": "Bad_Name" },
    reject: { field: "metadata.name", type: "FieldValueInvalid", msg: "RFC 1123 subdomain" },
  },
  {
    name: "missing name rejected",
    set: { "metadata.name": DELETE },
    reject: { field: "metadata.name", type: "FieldValueRequired", msg: "name or generateName is required" },
  },
  {
    name: "namespace must be a DNS label",
    set: { "metadata.namespace": "Bad.NS" },
    reject: { field: "metadata.namespace", type: "FieldValueInvalid", msg: "RFC 1123 label" },
  },
  {
    name: "label key must be a qualified name",
    set: { "metadata.labels": { "bad key": "v" } },
    reject: { field: "metadata.labels", type: "FieldValueInvalid", msg: "name part must consist of" },
  },
  {
    name: "label value at most 63 bytes",
    set: { "metadata.labels": { app: "x".repeat(64) } },
    reject: {
      field: "metadata.labels",
      type: "FieldValueInvalid",
      msg: "must be no more than 63 bytes",
    },
  },
  {
    name: "annotations at most 256 KiB in total",
    set: { "metadata.annotations": { big: "x".repeat(256 * 1024) } },
    reject: { field: "metadata.annotations", type: "FieldValueTooLong", msg: "262144 bytes" },
  },
]);

table("V2 spec.replicas >= 0", [
  { name: "0 accepted", set: { "spec.replicas": 0 } },
  {
    name: "-1 rejected",
    set: { "spec.replicas": -1 },
    reject: { field: "spec.replicas", type: "FieldValueInvalid", msg: "greater than or equal to 0" },
  },
]);

table("V3 cliqueStartupType set and one of three", [
  { name: "InOrder accepted", set: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" } },
  { name: "Explicit accepted", set: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeExplicit" } },
  {
    name: "nil rejected",
    set: { [`${P}.cliqueStartupType`]: DELETE },
    reject: { field: `${P}.cliqueStartupType`, type: "FieldValueRequired" },
  },
  {
    name: "unknown value rejected",
    set: { [`${P}.cliqueStartupType`]: "Sometimes" },
    reject: { field: `${P}.cliqueStartupType`, type: "FieldValueInvalid", msg: "can only be one of" },
  },
]);

table("V4 resourceClaimTemplates[].name non-empty", [
  { name: "named template accepted", set: { [`${P}.resourceClaimTemplates`]: [rct("gpu")] } },
  {
    name: "empty name rejected",
    set: { [`${P}.resourceClaimTemplates`]: [rct("")] },
    reject: { field: `${P}.resourceClaimTemplates[0].name`, type: "FieldValueRequired" },
  },
]);

table("V5 resourceClaimTemplates[] has at least one device request", [
  {
    name: "no requests rejected",
    set: { [`${P}.resourceClaimTemplates`]: [rct("gpu", [])] },
    reject: {
      field: `${P}.resourceClaimTemplates[0].templateSpec.spec.devices.requests`,
      type: "FieldValueRequired",
      msg: "at least one device request is required",
    },
  },
  {
    name: "missing templateSpec rejected",
    set: { [`${P}.resourceClaimTemplates`]: [{ name: "gpu" }] },
    reject: {
      field: `${P}.resourceClaimTemplates[0].templateSpec.spec.devices.requests`,
      type: "FieldValueRequired",
    },
  },
]);

table("V6 resourceClaimTemplates names unique", [
  { name: "distinct accepted", set: { [`${P}.resourceClaimTemplates`]: [rct("x"), rct("y")] } },
  {
    name: "duplicate rejected",
    set: { [`${P}.resourceClaimTemplates`]: [rct("x"), rct("x")] },
    reject: { field: `${P}.resourceClaimTemplates[1].name`, type: "FieldValueDuplicate" },
  },
]);

table("V7 resourceSharing entries at PCS, PCSG and clique level", [
  {
    name: "internal and external references accepted",
    set: {
      [`${P}.resourceClaimTemplates`]: [rct("int")],
      [`${P}.resourceSharing`]: [
        { name: "int", scope: "AllReplicas" },
        { name: "ext", namespace: "shared", scope: "PerReplica" },
      ],
      [`${G(0)}.resourceSharing`]: [{ name: "int", scope: "PerReplica" }],
      [`${C(0)}.resourceSharing`]: [{ name: "ext", scope: "AllReplicas" }],
    },
  },
  {
    name: "empty name rejected (PCS)",
    set: { [`${P}.resourceSharing`]: [{ name: "", scope: "AllReplicas" }] },
    reject: { field: `${P}.resourceSharing[0].name`, type: "FieldValueRequired" },
  },
  {
    name: "duplicate name rejected (PCSG)",
    set: {
      [`${G(0)}.resourceSharing`]: [
        { name: "x", scope: "AllReplicas" },
        { name: "x", scope: "PerReplica" },
      ],
    },
    reject: { field: `${G(0)}.resourceSharing[1].name`, type: "FieldValueDuplicate" },
  },
  {
    name: "namespace with an internal template rejected (clique)",
    set: {
      [`${P}.resourceClaimTemplates`]: [rct("int")],
      [`${C(0)}.resourceSharing`]: [{ name: "int", namespace: "other", scope: "AllReplicas" }],
    },
    reject: {
      field: `${C(0)}.resourceSharing[0].namespace`,
      type: "FieldValueInvalid",
      msg: "must be empty",
    },
  },
  {
    name: "unknown scope rejected",
    set: { [`${P}.resourceSharing`]: [{ name: "x", scope: "Everywhere" }] },
    reject: { field: `${P}.resourceSharing[0].scope`, type: "FieldValueNotSupported", msg: '"AllReplicas"' },
  },
  {
    name: "missing scope rejected",
    set: { [`${C(2)}.resourceSharing`]: [{ name: "x" }] },
    reject: { field: `${C(2)}.resourceSharing[0].scope`, type: "FieldValueRequired" },
  },
]);

table("V8 PCS resourceSharing filter", [
  {
    name: "clique, PCSG and PCSG-member names accepted",
    set: {
      [`${P}.resourceSharing`]: [
        {
          name: "x",
          scope: "AllReplicas",
          filter: { childCliqueNames: ["a", "b"], childScalingGroupNames: ["sg"] },
        },
      ],
    },
  },
  {
    name: "empty filter rejected",
    set: { [`${P}.resourceSharing`]: [{ name: "x", scope: "AllReplicas", filter: {} }] },
    reject: { field: `${P}.resourceSharing[0].filter`, type: "FieldValueRequired" },
  },
  {
    name: "unknown clique rejected",
    set: {
      [`${P}.resourceSharing`]: [{ name: "x", scope: "AllReplicas", filter: { childCliqueNames: ["zz"] } }],
    },
    reject: { field: `${P}.resourceSharing[0].filter.childCliqueNames[0]`, type: "FieldValueNotFound" },
  },
  {
    name: "unknown scaling group rejected",
    set: {
      [`${P}.resourceSharing`]: [
        { name: "x", scope: "AllReplicas", filter: { childScalingGroupNames: ["zz"] } },
      ],
    },
    reject: { field: `${P}.resourceSharing[0].filter.childScalingGroupNames[0]`, type: "FieldValueNotFound" },
  },
]);

table("V9 PCSG resourceSharing filter", [
  {
    name: "member clique accepted",
    set: {
      [`${G(0)}.resourceSharing`]: [{ name: "x", scope: "PerReplica", filter: { childCliqueNames: ["c"] } }],
    },
  },
  {
    name: "empty filter rejected",
    set: { [`${G(0)}.resourceSharing`]: [{ name: "x", scope: "PerReplica", filter: {} }] },
    reject: { field: `${G(0)}.resourceSharing[0].filter.childCliqueNames`, type: "FieldValueRequired" },
  },
  {
    name: "clique outside the PCSG rejected",
    set: {
      [`${G(0)}.resourceSharing`]: [{ name: "x", scope: "PerReplica", filter: { childCliqueNames: ["a"] } }],
    },
    reject: { field: `${G(0)}.resourceSharing[0].filter.childCliqueNames[0]`, type: "FieldValueNotFound" },
  },
]);

table("V10 at least one clique", [
  {
    name: "a single clique accepted",
    set: { [`${P}.cliques`]: [validPcs().spec.template.cliques[0]], [`${P}.podCliqueScalingGroups`]: DELETE },
  },
  {
    name: "no cliques rejected",
    set: { [`${P}.cliques`]: [], [`${P}.podCliqueScalingGroups`]: DELETE },
    reject: {
      field: `${P}.cliques`,
      type: "FieldValueRequired",
      msg: "at least one PodClique must be defined",
    },
  },
]);

table("V11 clique name non-empty DNS subdomain", [
  { name: "dotted name accepted", set: { [`${C(0)}.name`]: "a.b" } },
  {
    name: "empty rejected",
    set: { [`${C(0)}.name`]: "" },
    reject: { field: `${C(0)}.name`, type: "FieldValueRequired" },
  },
  {
    name: "invalid rejected",
    set: { [`${C(0)}.name`]: "Not_DNS" },
    reject: { field: `${C(0)}.name`, type: "FieldValueInvalid", msg: "must be a valid DNS subdomain" },
  },
]);

const name42 = "p".repeat(42);
table("V12 standalone: len(pcs) + len(clique) <= 45", [
  { name: "43 accepted", set: { "metadata.name": name42 } },
  {
    name: "46 rejected on the clique name",
    set: { "metadata.name": name42, [`${C(0)}.name`]: "aaaa" },
    reject: {
      field: `${C(0)}.name`,
      type: "FieldValueInvalid",
      msg: "combined resource name length 46 exceeds",
    },
  },
  {
    name: "46 rejected on metadata.name",
    set: { "metadata.name": name42, [`${C(0)}.name`]: "aaaa" },
    reject: { field: "metadata.name", type: "FieldValueInvalid", msg: "PodClique 'aaaa'" },
  },
]);

table("V13 clique labels and annotations", [
  {
    name: "valid maps accepted",
    set: { [`${C(0)}.labels`]: { "app.io/x": "y" }, [`${C(0)}.annotations`]: { n: "" } },
  },
  {
    name: "invalid label key rejected",
    set: { [`${C(0)}.labels`]: { "-bad": "v" } },
    reject: { field: `${C(0)}.labels`, type: "FieldValueInvalid" },
  },
  {
    name: "invalid label value rejected",
    set: { [`${C(0)}.labels`]: { ok: "no spaces" } },
    reject: { field: `${C(0)}.labels`, type: "FieldValueInvalid", msg: "a valid label must be" },
  },
  {
    name: "invalid annotation key rejected",
    set: { [`${C(0)}.annotations`]: { "a/b/c": "v" } },
    reject: { field: `${C(0)}.annotations`, type: "FieldValueInvalid", msg: "a valid label key" },
  },
]);

table("V14 clique replicas > 0", [
  {
    name: "-1 rejected",
    set: { [`${C(0)}.spec.replicas`]: -1, [`${C(0)}.spec.minAvailable`]: 1 },
    reject: { field: `${C(0)}.spec.replicas`, type: "FieldValueInvalid", msg: "must be greater than 0" },
  },
  {
    name: "0 rejected",
    set: { [`${C(0)}.spec.replicas`]: 0 },
    reject: { field: `${C(0)}.spec.replicas`, type: "FieldValueInvalid", msg: "must be greater than 0" },
  },
]);

table("V15 clique minAvailable set, > 0 and <= replicas", [
  { name: "1 of 2 accepted", set: { [`${C(0)}.spec.minAvailable`]: 1 } },
  {
    name: "nil rejected",
    set: { [`${C(0)}.spec.minAvailable`]: DELETE },
    reject: { field: `${C(0)}.spec.minAvailable`, type: "FieldValueRequired", msg: "field is required" },
  },
  {
    name: "0 rejected",
    set: { [`${C(0)}.spec.minAvailable`]: 0 },
    reject: { field: `${C(0)}.spec.minAvailable`, type: "FieldValueInvalid", msg: "must be greater than 0" },
  },
  {
    name: "above replicas rejected",
    set: { [`${C(0)}.spec.minAvailable`]: 3 },
    reject: {
      field: `${C(0)}.spec.minAvailable`,
      type: "FieldValueInvalid",
      msg: "minAvailable must not be greater than replicas",
    },
  },
]);

const explicit = { [`${P}.cliqueStartupType`]: "CliqueStartupTypeExplicit" };
table("V16 Explicit: startsAfter entries non-empty, not self, unique", [
  { name: "dependency accepted", set: { ...explicit, [`${C(1)}.spec.startsAfter`]: ["a"] } },
  { name: "ignored when not Explicit", set: { [`${C(1)}.spec.startsAfter`]: ["b", ""] } },
  {
    name: "empty entry rejected",
    set: { ...explicit, [`${C(1)}.spec.startsAfter`]: [""] },
    reject: { field: `${C(1)}.spec.startsAfter[0]`, type: "FieldValueRequired", msg: "must not be empty" },
  },
  {
    name: "self reference rejected",
    set: { ...explicit, [`${C(1)}.spec.startsAfter`]: ["a", "b"] },
    reject: {
      field: `${C(1)}.spec.startsAfter[1]`,
      type: "FieldValueInvalid",
      msg: "cannot refer to itself",
    },
  },
  {
    name: "duplicate rejected",
    set: { ...explicit, [`${C(1)}.spec.startsAfter`]: ["a", "a"] },
    reject: { field: `${C(1)}.spec.startsAfter[1]`, type: "FieldValueDuplicate" },
  },
]);

const A = `${C(0)}.spec.autoScalingConfig`;
table("V17 autoScalingConfig bounds", [
  { name: "min 2 max 5 accepted", set: { [A]: { minReplicas: 2, maxReplicas: 5 } } },
  {
    name: "nil minReplicas rejected",
    set: { [A]: { maxReplicas: 5 } },
    reject: { field: `${A}.minReplicas`, type: "FieldValueRequired" },
  },
  {
    name: "minReplicas below minAvailable rejected",
    set: { [A]: { minReplicas: 1, maxReplicas: 5 } },
    reject: { field: `${A}.minReplicas`, type: "FieldValueInvalid", msg: "podCliqueSpec.minAvailable" },
  },
  {
    name: "maxReplicas below minReplicas rejected",
    set: { [A]: { minReplicas: 4, maxReplicas: 3 } },
    reject: { field: `${A}.maxReplicas`, type: "FieldValueInvalid", msg: "podCliqueSpec.minReplicas" },
  },
  {
    name: "maxReplicas below replicas rejected",
    set: {
      [`${C(0)}.spec.replicas`]: 3,
      [`${C(0)}.spec.minAvailable`]: 1,
      [A]: { minReplicas: 1, maxReplicas: 2 },
    },
    reject: {
      field: `${A}.maxReplicas`,
      type: "FieldValueInvalid",
      msg: "greater than or equal to replicas",
    },
  },
  {
    name: "missing maxReplicas rejected",
    set: { [A]: { minReplicas: 2 } },
    reject: { field: `${A}.maxReplicas`, type: "FieldValueRequired" },
  },
]);

describe("V18 restartPolicy set is a warning, not an error", () => {
  it("warns once per clique whose restartPolicy is not Always", () => {
    const set = {
      [`${C(0)}.spec.podSpec.restartPolicy`]: "Never",
      [`${C(1)}.spec.podSpec.restartPolicy`]: "OnFailure",
    };
    const w = warningsOf({ name: "set", set });
    expect(w.filter((x) => x === "restartPolicy will be ignored, it will be set to Always")).toHaveLength(2);
    expect(() => check({ name: "no error", set })).not.toThrow();
  });
  it("no warning for Always, the value the defaulting webhook sets (we differ from Grove on purpose)", () => {
    const w = warningsOf({ name: "defaulted" });
    expect(w).toEqual([]);
  });
  it("no warning when restartPolicy is empty", () => {
    const set = {
      [`${C(0)}.spec.podSpec.restartPolicy`]: "",
      [`${C(1)}.spec.podSpec.restartPolicy`]: DELETE,
    };
    const w = warningsOf({ name: "x", set: { ...set, [`${C(2)}.spec.podSpec.restartPolicy`]: DELETE } });
    expect(w).toEqual([]);
  });
});

table("V19 create only: topologySpreadConstraints and nodeName unset", [
  {
    name: "topologySpreadConstraints rejected on create",
    set: { [`${C(0)}.spec.podSpec.topologySpreadConstraints`]: [] },
    reject: {
      field: `${C(0)}.spec.podSpec.topologySpreadConstraints`,
      type: "FieldValueInvalid",
      msg: "must not be set",
    },
  },
  {
    name: "nodeName rejected on create",
    set: { [`${C(2)}.spec.podSpec.nodeName`]: "node-1" },
    reject: { field: `${C(2)}.spec.podSpec.nodeName`, type: "FieldValueInvalid", msg: "must not be set" },
  },
  {
    name: "nodeName tolerated on update",
    old: { [`${C(2)}.spec.podSpec.nodeName`]: "node-1" },
    set: { [`${C(2)}.spec.podSpec.nodeName`]: "node-2" },
  },
]);

table("V20 env var names valid and unique per container", [
  {
    name: "dotted name accepted",
    set: { [`${C(0)}.spec.podSpec.containers[0].env[0].name`]: "my.env-name" },
  },
  {
    name: "leading digit rejected",
    set: { [`${C(0)}.spec.podSpec.containers[0].env[0].name`]: "1BAD" },
    reject: {
      field: `${C(0)}.spec.podSpec.containers[0].env[0].name`,
      type: "FieldValueInvalid",
      msg: "a valid environment variable name",
    },
  },
  {
    name: "duplicate rejected",
    set: { [`${C(0)}.spec.podSpec.containers[0].env[1]`]: { name: "MODE", value: "y" } },
    reject: { field: `${C(0)}.spec.podSpec.containers[0].env[1].name`, type: "FieldValueDuplicate" },
  },
  {
    name: "init containers checked too",
    set: { [`${C(1)}.spec.podSpec.initContainers`]: [{ name: "init", image: "x", env: [{ name: "A=B" }] }] },
    reject: { field: `${C(1)}.spec.podSpec.initContainers[0].env[0].name`, type: "FieldValueInvalid" },
  },
]);

table("V21 clique names and roleNames unique; roleName required (CRD)", [
  {
    name: "duplicate clique name rejected",
    set: { [`${P}.cliques[3]`]: clique("a") },
    reject: { field: `${C(3)}.name`, type: "FieldValueDuplicate" },
  },
  {
    name: "duplicate roleName rejected",
    set: { [`${C(2)}.spec.roleName`]: "role-a" },
    reject: { field: `${C(2)}.spec.roleName`, type: "FieldValueDuplicate" },
  },
  {
    name: "missing roleName rejected",
    set: { [`${C(0)}.spec.roleName`]: DELETE },
    // field.Required with no detail: it prints as `...roleName: Required value`.
    reject: { field: `${C(0)}.spec.roleName`, type: "FieldValueRequired", msg: "" },
  },
  {
    name: "a single empty roleName accepted (only uniqueness is checked)",
    set: { [`${C(0)}.spec.roleName`]: "" },
  },
]);

table("V22 every clique resolves to the same schedulerName", [
  {
    name: "explicit default-scheduler equals empty",
    set: { [`${C(1)}.spec.podSpec.schedulerName`]: "default-scheduler" },
  },
  {
    name: "mixed schedulers rejected",
    set: { [`${C(1)}.spec.podSpec.schedulerName`]: "grove-scheduler" },
    reject: {
      field: `${C(1)}.spec.podSpec.schedulerName`,
      type: "FieldValueInvalid",
      msg: "the schedulerName for all pods have to be the same",
    },
  },
]);

const allSched = (s: string) => ({
  [`${C(0)}.spec.podSpec.schedulerName`]: s,
  [`${C(1)}.spec.podSpec.schedulerName`]: s,
  [`${C(2)}.spec.podSpec.schedulerName`]: s,
});
table("V23 schedulerName must be an enabled backend", [
  { name: "grove-scheduler accepted", set: allSched("grove-scheduler") },
  {
    name: "volcano not enabled by default",
    set: allSched("volcano"),
    reject: {
      field: `${C(0)}.spec.podSpec.schedulerName`,
      type: "FieldValueInvalid",
      msg: "must be an enabled scheduler backend",
    },
  },
  {
    name: "kai-scheduler rejected when only default-scheduler is enabled",
    set: { ...allSched("kai-scheduler"), "metadata.labels": { "kai.scheduler/queue": "q" } },
    options: { enabledSchedulers: ["default-scheduler"] },
    reject: { field: `${C(0)}.spec.podSpec.schedulerName`, type: "FieldValueInvalid" },
  },
]);

table("V24 Explicit: startsAfter targets exist", [
  { name: "known target accepted", set: { ...explicit, [`${C(2)}.spec.startsAfter`]: ["a", "b"] } },
  {
    name: "unknown target rejected",
    set: { ...explicit, [`${C(0)}.spec.startsAfter`]: ["zz"] },
    reject: {
      field: `${C(0)}.spec.startsAfter[0]`,
      type: "FieldValueInvalid",
      msg: "unknown clique names found",
    },
  },
]);

table("V25 Explicit: no dependency cycles (Tarjan SCC)", [
  {
    name: "chain accepted",
    set: { ...explicit, [`${C(1)}.spec.startsAfter`]: ["a"], [`${C(2)}.spec.startsAfter`]: ["b"] },
  },
  {
    name: "two-cycle rejected",
    set: { ...explicit, [`${C(0)}.spec.startsAfter`]: ["b"], [`${C(1)}.spec.startsAfter`]: ["a"] },
    reject: {
      field: `${P}.cliques`,
      type: "FieldValueInvalid",
      msg: "clique must not have circular dependencies",
    },
  },
  {
    name: "three-cycle rejected",
    set: {
      ...explicit,
      [`${C(0)}.spec.startsAfter`]: ["c"],
      [`${C(1)}.spec.startsAfter`]: ["a"],
      [`${C(2)}.spec.startsAfter`]: ["b"],
    },
    reject: { field: `${P}.cliques`, type: "FieldValueInvalid", msg: "circular" },
  },
]);

table("V26 PCSG name DNS subdomain (and required)", [
  {
    name: "invalid rejected",
    set: { [`${G(0)}.name`]: "SG_1" },
    reject: { field: `${G(0)}.name`, type: "FieldValueInvalid", msg: "must be a valid DNS subdomain" },
  },
  {
    name: "missing rejected",
    set: { [`${G(0)}.name`]: DELETE },
    reject: { field: `${G(0)}.name`, type: "FieldValueRequired" },
  },
]);

table("V27 PCSG cliqueNames are defined cliques", [
  {
    name: "unknown member rejected",
    set: { [`${G(0)}.cliqueNames`]: ["b", "zz"] },
    reject: {
      field: `${G(0)}.cliqueNames[1]`,
      type: "FieldValueInvalid",
      msg: "unidentified PodClique names found",
    },
  },
  {
    name: "missing cliqueNames rejected",
    set: { [`${G(0)}.cliqueNames`]: DELETE },
    reject: { field: `${G(0)}.cliqueNames`, type: "FieldValueRequired" },
  },
]);

const name40 = "p".repeat(40);
table("V28 PCSG member: len(pcs) + len(pcsg) + len(clique) <= 45", [
  { name: "43 accepted", set: { "metadata.name": name40 } },
  {
    name: "47 rejected on the member",
    set: { "metadata.name": name40, [`${G(0)}.name`]: "sgsgsg" },
    reject: {
      field: `${G(0)}.cliqueNames[0]`,
      type: "FieldValueInvalid",
      msg: "combined resource name length 47",
    },
  },
  {
    name: "47 rejected on the PCSG name",
    set: { "metadata.name": name40, [`${G(0)}.name`]: "sgsgsg" },
    reject: { field: `${G(0)}.name`, type: "FieldValueInvalid", msg: "PodCliqueScalingGroup 'sgsgsg'" },
  },
  {
    name: "47 rejected on metadata.name",
    set: { "metadata.name": name40, [`${G(0)}.name`]: "sgsgsg" },
    reject: { field: "metadata.name", type: "FieldValueInvalid", msg: "exceeds 45-character limit" },
  },
]);

table("V29 PCSG replicas, minAvailable and scaleConfig.minReplicas", [
  {
    name: "scaleConfig accepted",
    set: { [`${G(0)}.replicas`]: 2, [`${G(0)}.scaleConfig`]: { minReplicas: 1, maxReplicas: 4 } },
  },
  {
    name: "replicas 0 rejected",
    set: { [`${G(0)}.replicas`]: 0 },
    reject: { field: `${G(0)}.replicas`, type: "FieldValueInvalid", msg: "must be greater than 0" },
  },
  {
    name: "minAvailable 0 rejected",
    set: { [`${G(0)}.minAvailable`]: 0 },
    reject: { field: `${G(0)}.minAvailable`, type: "FieldValueInvalid", msg: "must be greater than 0" },
  },
  {
    name: "minAvailable above replicas rejected",
    set: { [`${G(0)}.minAvailable`]: 2 },
    reject: {
      field: `${G(0)}.minAvailable`,
      type: "FieldValueInvalid",
      msg: "must not be greater than replicas",
    },
  },
  {
    name: "scaleConfig.minReplicas below minAvailable rejected",
    set: {
      [`${G(0)}.replicas`]: 2,
      [`${G(0)}.minAvailable`]: 2,
      [`${G(0)}.scaleConfig`]: { minReplicas: 1, maxReplicas: 4 },
    },
    reject: {
      field: `${G(0)}.scaleConfig.minReplicas`,
      type: "FieldValueInvalid",
      msg: "scaleConfig.minReplicas must be greater than or equal to minAvailable",
    },
  },
]);

table("V30 PCSG names unique; a clique in at most one PCSG", [
  {
    name: "two PCSGs accepted",
    set: {
      [`${G(0)}.cliqueNames`]: ["b"],
      [`${P}.podCliqueScalingGroups[1]`]: { name: "sg2", cliqueNames: ["c"], replicas: 1, minAvailable: 1 },
    },
  },
  {
    name: "duplicate PCSG name rejected",
    set: {
      [`${G(0)}.cliqueNames`]: ["b"],
      [`${P}.podCliqueScalingGroups[1]`]: { name: "sg", cliqueNames: ["c"], replicas: 1, minAvailable: 1 },
    },
    reject: { field: `${G(1)}.name`, type: "FieldValueDuplicate" },
  },
  {
    name: "clique in two PCSGs rejected",
    set: {
      [`${P}.podCliqueScalingGroups[1]`]: { name: "sg2", cliqueNames: ["c"], replicas: 1, minAvailable: 1 },
    },
    reject: { field: `${G(1)}.cliqueNames[0]`, type: "FieldValueDuplicate", msg: "must not overlap" },
  },
]);

table("V31 PCSG members must not have autoScalingConfig", [
  {
    name: "standalone clique with autoScalingConfig accepted",
    set: { [`${C(0)}.spec.autoScalingConfig`]: { minReplicas: 2, maxReplicas: 4 } },
  },
  {
    name: "member with autoScalingConfig rejected",
    set: { [`${C(2)}.spec.autoScalingConfig`]: { minReplicas: 3, maxReplicas: 5 } },
    reject: {
      field: `${C(2)}.spec.autoScalingConfig`,
      type: "FieldValueInvalid",
      msg: "AutoScalingConfig is not allowed to be defined for PodClique that is part of scaling group",
    },
  },
]);

table("V32 terminationDelay set and > 0", [
  { name: "1h30m accepted", set: { [`${P}.terminationDelay`]: "1h30m" } },
  {
    name: "nil rejected",
    set: { [`${P}.terminationDelay`]: DELETE },
    reject: { field: `${P}.terminationDelay`, type: "FieldValueRequired" },
  },
  {
    name: "0s rejected",
    set: { [`${P}.terminationDelay`]: "0s" },
    reject: {
      field: `${P}.terminationDelay`,
      type: "FieldValueInvalid",
      msg: "terminationDelay must be greater than 0",
    },
  },
  {
    name: "negative rejected",
    set: { [`${P}.terminationDelay`]: "-1m" },
    reject: { field: `${P}.terminationDelay`, type: "FieldValueInvalid", msg: "greater than 0" },
  },
  {
    name: "not a duration rejected",
    set: { [`${P}.terminationDelay`]: "soon" },
    reject: { field: `${P}.terminationDelay`, type: "FieldValueInvalid", msg: "duration" },
  },
]);

describe("defensive: arbitrary JSON never throws", () => {
  const inputs: unknown[] = [
    null,
    42,
    "pcs",
    [],
    {},
    { spec: null },
    { spec: { template: { cliques: "x" } } },
    { spec: { template: { cliques: [null, 1, { spec: { replicas: "3", podSpec: { containers: "x" } } }] } } },
    mutate(validPcs(), { [`${P}.podCliqueScalingGroups[0].cliqueNames`]: [1, null] }),
    mutate(validPcs(), { [`${P}.topologyConstraint`]: { pack: "rack", packDomain: 3 } }),
  ];
  it.each(inputs.map((input, i) => ({ i, input })))(
    "input #$i is rejected with field errors",
    ({ input }) => {
      const errs = validatePodCliqueSet(input as never);
      expect(errs.length).toBeGreaterThan(0);
      for (const e of errs) expect(typeof e.field).toBe("string");
      expect(() => podCliqueSetWarnings(input as never, input as never)).not.toThrow();
      expect(() => validatePodCliqueSet(input as never, input as never)).not.toThrow();
    },
  );
});
