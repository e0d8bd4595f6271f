// Update-only rules U1-U6 and U8 (§9.4), MNNVL create rules M1-M2 (§9.3), backend rules V33 (§9.5).

import { describe, expect, it } from "vitest";
import { validatePodCliqueSet } from "../../src/validation/index.js";
import { check, clique, DELETE, mutate, type RuleCase, validPcs } from "./builders.js";

const P = "spec.template";
const C = (i: number) => `${P}.cliques[${i}]`;
const G = (i: number) => `${P}.podCliqueScalingGroups[${i}]`;
const MNNVL = '["grove.io/mnnvl-group"]';

const table = (rule: string, cases: RuleCase[]) =>
  describe(rule, () => {
    it.each(cases)("$name", (c) => check(c));
  });

table("U1 clique composition unchanged", [
  {
    name: "template replicas and podSpec are mutable",
    old: {},
    set: { [`${C(0)}.spec.replicas`]: 4, [`${C(0)}.spec.podSpec.containers[0].image`]: "busybox:2" },
  },
  {
    name: "added clique rejected",
    old: {},
    set: {
      [`${P}.cliques[3]`]: { ...clique("d"), spec: { ...(clique("d").spec as object), minAvailable: 2 } },
    },
    reject: {
      field: `${P}.cliques`,
      type: "FieldValueForbidden",
      msg: "not allowed to change clique composition",
    },
  },
  {
    name: "renamed clique rejected",
    old: {},
    set: { [`${C(0)}.name`]: "a2" },
    reject: {
      field: `${C(0)}.name`,
      type: "FieldValueForbidden",
      msg: "new clique name 'a2' is not allowed",
    },
  },
]);

const swapped = (p: RuleCase["set"] = {}) => ({
  ...p,
  [`${P}.cliques`]: (() => {
    const cl = (validPcs() as { spec: { template: { cliques: unknown[] } } }).spec.template.cliques;
    return [cl[1], cl[0], cl[2]];
  })(),
});
table("U2 clique order fixed for InOrder and Explicit", [
  { name: "reorder allowed for AnyOrder", old: {}, set: swapped() },
  {
    name: "reorder rejected for InOrder",
    old: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" },
    set: swapped({ [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" }),
    reject: { field: `${C(0)}.name`, type: "FieldValueInvalid", msg: "Expected 'a' at position 0, got 'b'" },
  },
]);

table("U3 per-clique immutable fields", [
  {
    name: "roleName",
    old: {},
    set: { [`${C(0)}.spec.roleName`]: "other" },
    reject: { field: `${C(0)}.spec.roleName`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "minAvailable",
    old: {},
    set: { [`${C(0)}.spec.minAvailable`]: 1 },
    reject: { field: `${C(0)}.spec.minAvailable`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "startsAfter",
    old: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeExplicit" },
    set: { [`${C(1)}.spec.startsAfter`]: ["a"] },
    reject: { field: `${C(1)}.spec.startsAfter`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "schedulerName",
    old: {},
    set: {
      [`${C(0)}.spec.podSpec.schedulerName`]: "grove-scheduler",
      [`${C(1)}.spec.podSpec.schedulerName`]: "grove-scheduler",
      [`${C(2)}.spec.podSpec.schedulerName`]: "grove-scheduler",
    },
    reject: {
      field: `${C(0)}.spec.podSpec.schedulerName`,
      type: "FieldValueInvalid",
      msg: "field is immutable",
    },
  },
  {
    name: "resourceSharing",
    old: {},
    set: { [`${C(0)}.resourceSharing`]: [{ name: "x", scope: "AllReplicas" }] },
    reject: { field: `${C(0)}.resourceSharing`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "autoScalingConfig is mutable",
    old: {},
    set: { [`${C(0)}.spec.autoScalingConfig`]: { minReplicas: 2, maxReplicas: 4 } },
  },
]);

table("U4 cliqueStartupType immutable", [
  {
    name: "unchanged Explicit accepted",
    old: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeExplicit" },
    set: { "spec.replicas": 4 },
  },
  {
    name: "AnyOrder -> InOrder rejected",
    old: {},
    set: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" },
    reject: { field: `${P}.cliqueStartupType`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
]);

table("U5 PCSG composition and immutable fields", [
  {
    name: "PCSG replicas and scaleConfig are mutable",
    old: {},
    set: { [`${G(0)}.replicas`]: 3, [`${G(0)}.scaleConfig`]: { minReplicas: 1, maxReplicas: 3 } },
  },
  {
    name: "removed PCSG rejected",
    old: {},
    set: { [`${P}.podCliqueScalingGroups`]: [] },
    reject: {
      field: `${P}.podCliqueScalingGroups`,
      type: "FieldValueForbidden",
      msg: "not allowed to add or remove",
    },
  },
  {
    name: "renamed PCSG rejected",
    old: {},
    set: { [`${G(0)}.name`]: "sg2" },
    reject: { field: `${G(0)}.name`, type: "FieldValueForbidden", msg: "new scaling group name 'sg2'" },
  },
  {
    name: "cliqueNames",
    old: {},
    set: { [`${G(0)}.cliqueNames`]: ["b"] },
    reject: { field: `${G(0)}.cliqueNames`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "minAvailable",
    old: { [`${G(0)}.replicas`]: 2 },
    set: { [`${G(0)}.minAvailable`]: 2 },
    reject: { field: `${G(0)}.minAvailable`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "resourceSharing",
    old: {},
    set: { [`${G(0)}.resourceSharing`]: [{ name: "x", scope: "AllReplicas" }] },
    reject: { field: `${G(0)}.resourceSharing`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
]);

const tpl = { name: "t", templateSpec: { spec: { devices: { requests: [{ name: "d" }] } } } };
table("U6 resourceClaimTemplates and PCS resourceSharing immutable", [
  {
    name: "resourceClaimTemplates",
    old: { [`${P}.resourceClaimTemplates`]: [tpl] },
    set: { [`${P}.resourceClaimTemplates[0].name`]: "t2" },
    reject: { field: `${P}.resourceClaimTemplates`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
  {
    name: "resourceSharing",
    old: { [`${P}.resourceSharing`]: [{ name: "t", scope: "AllReplicas" }] },
    set: { [`${P}.resourceSharing[0].scope`]: "PerReplica" },
    reject: { field: `${P}.resourceSharing`, type: "FieldValueInvalid", msg: "field is immutable" },
  },
]);

describe("update: immutability is only checked once §9.2, U8 and backend rules pass", () => {
  it("a V-rule error hides the U-rule errors", () => {
    const old = validPcs();
    const pcs = mutate(old, { "spec.replicas": -1, [`${C(0)}.spec.roleName`]: "changed" });
    const errs = validatePodCliqueSet(pcs, old);
    expect(errs.map((e) => e.field)).toContain("spec.replicas");
    expect(errs.map((e) => e.field)).not.toContain(`${C(0)}.spec.roleName`);
  });
});

const on = { autoMNNVLEnabled: true };
table("M1 grove.io/mnnvl-group is none or a DNS-1123 label", [
  {
    name: "group name accepted (enabled)",
    options: on,
    set: { [`metadata.annotations${MNNVL}`]: "my-group" },
  },
  { name: "none accepted even when disabled", set: { [`${C(0)}.annotations${MNNVL}`]: "none" } },
  {
    name: "spaces rejected (PCS)",
    options: on,
    set: { [`metadata.annotations${MNNVL}`]: "invalid value with spaces" },
    reject: {
      field: "metadata.annotations[grove.io/mnnvl-group]",
      type: "FieldValueInvalid",
      msg: "DNS-1123 label",
    },
  },
  {
    name: "empty rejected (clique)",
    options: on,
    set: { [`${C(1)}.annotations${MNNVL}`]: "" },
    reject: { field: `${C(1)}.annotations[grove.io/mnnvl-group]`, type: "FieldValueRequired" },
  },
  {
    name: "64 characters rejected (PCSG)",
    options: on,
    set: { [`${G(0)}.annotations${MNNVL}`]: "g".repeat(64) },
    reject: { field: `${G(0)}.annotations[grove.io/mnnvl-group]`, type: "FieldValueInvalid" },
  },
]);

table("M2 a group other than none needs autoMNNVLEnabled", [
  {
    name: "group rejected when disabled",
    set: { [`metadata.annotations${MNNVL}`]: "default" },
    reject: {
      field: "metadata.annotations[grove.io/mnnvl-group]",
      type: "FieldValueForbidden",
      msg: "MNNVL is not enabled in the operator configuration",
    },
  },
  {
    name: "PCSG group rejected when disabled",
    set: { [`${G(0)}.annotations${MNNVL}`]: "train" },
    reject: { field: `${G(0)}.annotations[grove.io/mnnvl-group]`, type: "FieldValueForbidden" },
  },
]);

table("U8 grove.io/mnnvl-group immutable", [
  {
    name: "unchanged accepted",
    options: on,
    old: { [`metadata.annotations${MNNVL}`]: "g" },
    set: { "spec.replicas": 2 },
  },
  {
    name: "added rejected",
    options: on,
    old: {},
    set: { [`metadata.annotations${MNNVL}`]: "g" },
    reject: {
      field: "metadata.annotations[grove.io/mnnvl-group]",
      type: "FieldValueForbidden",
      msg: "cannot be added",
    },
  },
  {
    name: "removed rejected (clique)",
    options: on,
    old: { [`${C(0)}.annotations${MNNVL}`]: "g" },
    set: { [`${C(0)}.annotations`]: {} },
    reject: {
      field: `${C(0)}.annotations[grove.io/mnnvl-group]`,
      type: "FieldValueForbidden",
      msg: "cannot be removed",
    },
  },
  {
    name: "changed rejected (PCSG)",
    options: on,
    old: { [`${G(0)}.annotations${MNNVL}`]: "g" },
    set: { [`${G(0)}.annotations${MNNVL}`]: "none" },
    reject: {
      field: `${G(0)}.annotations[grove.io/mnnvl-group]`,
      type: "FieldValueForbidden",
      msg: 'from "g" to "none"',
    },
  },
]);

const sched = (s: string) => ({
  [`${C(0)}.spec.podSpec.schedulerName`]: s,
  [`${C(1)}.spec.podSpec.schedulerName`]: s,
  [`${C(2)}.spec.podSpec.schedulerName`]: s,
});
const kai = sched("kai-scheduler");
const Q = '["kai.scheduler/queue"]';
table("V33 backend default-scheduler and grove-scheduler: no extra rules", [
  {
    name: "default-scheduler with a topology constraint",
    set: { [`${P}.topologyConstraint`]: { topologyName: "t", pack: { required: "rack" } } },
  },
  {
    name: "grove-scheduler with a topology constraint",
    set: {
      ...sched("grove-scheduler"),
      [`${P}.topologyConstraint`]: { topologyName: "t", pack: { required: "rack" } },
    },
  },
  {
    name: "default backend not enabled",
    options: { enabledSchedulers: ["kai-scheduler"], defaultScheduler: "volcano" },
    reject: {
      field: "spec",
      type: "FieldValueInvalid",
      msg: 'schedulerName "volcano" is not enabled in OperatorConfiguration',
    },
  },
]);

table("V33 backend kai-scheduler: a KAI queue must resolve", [
  { name: "PCS label accepted", set: { ...kai, [`metadata.labels${Q}`]: "test" } },
  { name: "PCS annotation as fallback accepted", set: { ...kai, [`metadata.annotations${Q}`]: "test" } },
  {
    name: "clique labels agreeing accepted",
    set: { ...kai, [`${C(0)}.labels${Q}`]: "test", [`${C(2)}.annotations${Q}`]: "test" },
  },
  {
    name: "default backend kai-scheduler applies the rules",
    options: { defaultScheduler: "kai-scheduler" },
    set: { [`metadata.labels${Q}`]: "q" },
  },
  {
    name: "no queue rejected",
    set: kai,
    reject: { field: "spec", type: "FieldValueInvalid", msg: "no KAI queue is configured" },
  },
  {
    name: "clique disagreeing with the PCS rejected",
    set: { ...kai, [`metadata.labels${Q}`]: "a", [`${C(1)}.labels${Q}`]: "b" },
    reject: { field: "spec", type: "FieldValueInvalid", msg: 'resolves to "b"' },
  },
  {
    name: "cliques disagreeing rejected",
    set: { ...kai, [`${C(0)}.labels${Q}`]: "a", [`${C(1)}.labels${Q}`]: "b" },
    reject: { field: "spec", type: "FieldValueInvalid", msg: "conflicting KAI queues" },
  },
]);

const volcanoOn = { enabledSchedulers: ["default-scheduler", "volcano"] };
const VQ = '["scheduling.grove.io/volcano-queue"]';
table("V33 backend volcano", [
  { name: "default queue accepted", options: volcanoOn, set: sched("volcano") },
  {
    name: "topology constraint rejected",
    options: volcanoOn,
    set: {
      ...sched("volcano"),
      [`${P}.topologyConstraint`]: { topologyName: "t", pack: { required: "rack" } },
    },
    reject: {
      field: "spec",
      type: "FieldValueInvalid",
      msg: "volcano does not support Grove topology constraints",
    },
  },
  {
    name: "queue name must be a DNS subdomain",
    options: volcanoOn,
    set: { ...sched("volcano"), [`metadata.annotations${VQ}`]: "Bad Queue" },
    reject: { field: "spec", type: "FieldValueInvalid", msg: "DNS-1123 subdomain" },
  },
  {
    name: "PCS and clique queues must match",
    options: volcanoOn,
    set: { ...sched("volcano"), [`metadata.annotations${VQ}`]: "q1", [`${C(0)}.annotations${VQ}`]: " q2 " },
    reject: { field: "spec", type: "FieldValueInvalid", msg: 'sets "q2"' },
  },
  {
    name: "cliques must resolve to one queue",
    options: volcanoOn,
    set: { ...sched("volcano"), [`${C(0)}.annotations${VQ}`]: "q1" },
    reject: { field: "spec", type: "FieldValueInvalid", msg: "same volcano queue" },
  },
  {
    name: "queue must exist",
    options: { ...volcanoOn, getVolcanoQueueState: () => undefined },
    set: sched("volcano"),
    reject: { field: "spec", type: "FieldValueInvalid", msg: 'volcano queue "default" not found' },
  },
  {
    name: "queue must be Open",
    options: { ...volcanoOn, getVolcanoQueueState: () => "Closed" },
    set: sched("volcano"),
    reject: { field: "spec", type: "FieldValueInvalid", msg: "is not open" },
  },
  {
    name: "open queue accepted",
    options: { ...volcanoOn, getVolcanoQueueState: () => "Open" },
    set: sched("volcano"),
  },
]);

table("V33 backend lpx-scheduler", [
  {
    name: "no constraints accepted",
    options: { enabledSchedulers: ["lpx-scheduler"] },
    set: sched("lpx-scheduler"),
  },
  {
    name: "clique constraint rejected",
    options: { enabledSchedulers: ["lpx-scheduler"] },
    set: {
      ...sched("lpx-scheduler"),
      [`${C(0)}.topologyConstraint`]: { topologyName: "t", pack: { required: "rack" } },
    },
    reject: {
      field: "spec",
      type: "FieldValueInvalid",
      msg: "lpx-scheduler does not support Grove topology constraints",
    },
  },
]);

describe("V33 backend rules re-run on update", () => {
  it("a KAI queue removed on update is rejected", () => {
    const old = mutate(validPcs(), { ...kai, [`metadata.labels${Q}`]: "q" });
    const pcs = mutate(old, { [`metadata.labels${Q}`]: DELETE });
    expect(validatePodCliqueSet(pcs, old)).toContainEqual(
      expect.objectContaining({ field: "spec", message: expect.stringContaining("no KAI queue") }),
    );
  });
});
