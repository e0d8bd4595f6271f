// CEL rules (§2.5, §2.9, §9.1), topology create rules T1-T7 (§9.3) and update rules U7, U9 (§9.4).

import { describe, expect, it } from "vitest";
import { check, ctb, DELETE, lookup, type RuleCase, warningsOf } from "./builders.js";

const P = "spec.template";
const C = (i: number) => `${P}.cliques[${i}]`;
const G = (i: number) => `${P}.podCliqueScalingGroups[${i}]`;
const PT = `${P}.topologyConstraint`;
const CT = (i: number) => `${C(i)}.topologyConstraint`;
const GT = (i: number) => `${G(i)}.topologyConstraint`;

/** TAS on with the e2e cluster's `grove-topology` (zone > block > rack > host) resolvable. */
const tas = { topologyAwareScheduling: true, getClusterTopologyBinding: lookup(ctb()) };

const table = (rule: string, cases: RuleCase[]) =>
  describe(rule, () => {
    it.each(cases)("$name", (c) => check(c));
  });

table("CEL pack-or-packDomain (3 locations)", [
  { name: "pack accepted", set: { [PT]: { topologyName: "grove-topology", pack: { required: "rack" } } } },
  {
    name: "PCS without pack rejected",
    set: { [PT]: { topologyName: "grove-topology" } },
    reject: {
      field: `${PT}.pack`,
      type: "FieldValueRequired",
      msg: "must specify pack or deprecated packDomain",
    },
  },
  {
    name: "clique without pack rejected",
    set: { [CT(0)]: { topologyName: "grove-topology" } },
    reject: { field: `${CT(0)}.pack`, type: "FieldValueRequired", msg: "pack or deprecated packDomain" },
  },
  {
    name: "PCSG without pack rejected",
    set: { [GT(0)]: { topologyName: "grove-topology" } },
    reject: { field: `${GT(0)}.pack`, type: "FieldValueRequired" },
  },
]);

table("CEL not both packDomain and pack.required (3 locations)", [
  {
    name: "PCS both rejected",
    old: { [PT]: { topologyName: "grove-topology", packDomain: "rack" } },
    set: { [PT]: { topologyName: "grove-topology", packDomain: "rack", pack: { required: "rack" } } },
    reject: {
      field: PT,
      type: "FieldValueInvalid",
      msg: "must not set both pack.required and deprecated packDomain",
    },
  },
  {
    name: "clique both rejected",
    set: { [CT(0)]: { topologyName: "grove-topology", packDomain: "host", pack: { required: "host" } } },
    reject: { field: CT(0), type: "FieldValueInvalid", msg: "must not set both" },
  },
  {
    name: "PCSG both rejected",
    set: { [GT(0)]: { topologyName: "grove-topology", packDomain: "rack", pack: { required: "rack" } } },
    reject: { field: GT(0), type: "FieldValueInvalid", msg: "must not set both" },
  },
  {
    name: "packDomain with pack.preferred only is not both",
    old: { [PT]: { topologyName: "grove-topology", packDomain: "rack", pack: { preferred: "host" } } },
    set: {},
  },
]);

table("CEL pack needs required or preferred (3 locations)", [
  {
    name: "preferred only accepted",
    set: { [PT]: { topologyName: "grove-topology", pack: { preferred: "rack" } } },
  },
  {
    name: "empty PCS pack rejected",
    set: { [PT]: { topologyName: "grove-topology", pack: {} } },
    reject: { field: `${PT}.pack`, type: "FieldValueInvalid", msg: "required or preferred" },
  },
  {
    name: "empty clique pack rejected",
    set: { [CT(1)]: { topologyName: "grove-topology", pack: {} } },
    reject: { field: `${CT(1)}.pack`, type: "FieldValueInvalid" },
  },
  {
    name: "empty PCSG pack rejected",
    set: { [GT(0)]: { topologyName: "grove-topology", pack: {} } },
    reject: { field: `${GT(0)}.pack`, type: "FieldValueInvalid" },
  },
]);

// Grove's CRD reports the clique and group rules at the list (their fieldPath), as kube-apiserver prints them.
table("CEL packDomain forbidden on create (root transition rules, 3 locations)", [
  {
    name: "PCS packDomain rejected on create",
    set: { [PT]: { topologyName: "grove-topology", packDomain: "rack" } },
    reject: {
      field: `${PT}.packDomain`,
      type: "FieldValueForbidden",
      msg: "packDomain is deprecated and cannot be used",
    },
  },
  {
    name: "clique packDomain rejected on create",
    set: { [CT(2)]: { topologyName: "grove-topology", packDomain: "host" } },
    reject: { field: "spec.template.cliques", type: "FieldValueForbidden" },
  },
  {
    name: "PCSG packDomain rejected on create",
    set: { [GT(0)]: { topologyName: "grove-topology", packDomain: "rack" } },
    reject: { field: "spec.template.podCliqueScalingGroups", type: "FieldValueForbidden" },
  },
  {
    name: "existing packDomain tolerated on update",
    old: { [PT]: { topologyName: "grove-topology", packDomain: "rack" } },
    set: { "spec.replicas": 2 },
  },
]);

table("CRD TopologyDomain pattern and length", [
  {
    name: "upper case domain rejected",
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "Rack" } } },
    reject: { field: `${PT}.pack.required`, type: "FieldValueInvalid", msg: "should match" },
  },
  {
    name: "64 characters rejected",
    set: { [PT]: { topologyName: "grove-topology", pack: { preferred: "r".repeat(64) } } },
    reject: { field: `${PT}.pack.preferred`, type: "FieldValueTooLong" },
  },
]);

table("T1 TAS disabled: any constraint rejected", [
  { name: "no constraint accepted with TAS off", options: { topologyAwareScheduling: false } },
  {
    name: "PCS constraint rejected",
    options: { topologyAwareScheduling: false },
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "rack" } } },
    reject: {
      field: PT,
      type: "FieldValueInvalid",
      msg: "not allowed when Topology Aware Scheduling is disabled",
    },
  },
  {
    name: "clique constraint rejected",
    options: { topologyAwareScheduling: false },
    set: { [CT(0)]: { topologyName: "grove-topology", pack: { required: "rack" } } },
    reject: { field: CT(0), type: "FieldValueInvalid", msg: "Topology Aware Scheduling is disabled" },
  },
  {
    name: "PCSG constraint rejected",
    options: { topologyAwareScheduling: false },
    set: { [GT(0)]: { topologyName: "grove-topology", pack: { required: "rack" } } },
    reject: { field: GT(0), type: "FieldValueInvalid" },
  },
]);

table("T2 every constraint has an effective topologyName", [
  {
    name: "clique and PCSG inherit from PCS",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "block" } },
      [GT(0)]: { pack: { required: "rack" } },
      [CT(1)]: { pack: { required: "host" } },
      [CT(0)]: { pack: { required: "rack" } },
    },
  },
  {
    name: "member clique inherits from its PCSG",
    options: tas,
    set: {
      [GT(0)]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [CT(2)]: { pack: { required: "host" } },
    },
  },
  {
    name: "PCS constraint without name rejected",
    options: tas,
    set: { [PT]: { pack: { required: "rack" } } },
    reject: { field: `${PT}.topologyName`, type: "FieldValueRequired", msg: "cannot be inherited" },
  },
  {
    name: "standalone clique cannot inherit from a PCSG",
    options: tas,
    set: {
      [GT(0)]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [CT(0)]: { pack: { required: "host" } },
    },
    reject: { field: `${CT(0)}.topologyName`, type: "FieldValueRequired" },
  },
]);

table("T3 all effective topology names equal", [
  {
    name: "the same explicit name everywhere accepted",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [CT(0)]: { topologyName: "grove-topology", pack: { required: "host" } },
    },
  },
  {
    name: "two names rejected on every explicit one",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [CT(0)]: { topologyName: "other", pack: { required: "host" } },
    },
    reject: {
      field: `${CT(0)}.topologyName`,
      type: "FieldValueInvalid",
      msg: "must match in the current implementation",
    },
  },
  {
    name: "also on the PCS name",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [GT(0)]: { topologyName: "other", pack: { required: "host" } },
    },
    reject: { field: `${PT}.topologyName`, type: "FieldValueInvalid" },
  },
]);

table("T4 the ClusterTopologyBinding exists", [
  {
    name: "skipped without a lookup",
    options: { topologyAwareScheduling: true },
    set: { [PT]: { topologyName: "nowhere", pack: { required: "rack" } } },
  },
  {
    name: "missing CTB rejected",
    options: tas,
    set: { [PT]: { topologyName: "nowhere", pack: { required: "rack" } } },
    reject: {
      field: `${PT}.topologyName`,
      type: "FieldValueInvalid",
      msg: 'ClusterTopologyBinding "nowhere" not found',
    },
  },
]);

table("T5 every referenced domain is a CTB level", [
  {
    name: "known domains accepted",
    options: tas,
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "block", preferred: "rack" } } },
  },
  {
    name: "unknown required rejected",
    options: tas,
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "datacenter" } } },
    reject: {
      field: `${PT}.pack.required`,
      type: "FieldValueInvalid",
      msg: "topology domain 'datacenter' does not exist",
    },
  },
  {
    name: "unknown preferred rejected",
    options: tas,
    set: { [CT(0)]: { topologyName: "grove-topology", pack: { preferred: "numa" } } },
    reject: { field: `${CT(0)}.pack.preferred`, type: "FieldValueInvalid", msg: "does not exist" },
  },
]);

table("T6 a parent domain is not narrower than its children", [
  {
    name: "equal domains accepted",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "rack" } },
      [CT(0)]: { pack: { required: "rack" } },
    },
  },
  {
    name: "PCS narrower than clique rejected",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "host" } },
      [CT(0)]: { pack: { required: "rack" } },
    },
    reject: {
      field: `${PT}.pack.required`,
      type: "FieldValueInvalid",
      msg: "PodCliqueSet topology constraint domain 'host' is narrower than PodClique 'a' topology constraint domain 'rack'",
    },
  },
  {
    name: "PCS narrower than PCSG rejected (preferred)",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { preferred: "host" } },
      [GT(0)]: { pack: { preferred: "zone" } },
    },
    reject: { field: `${PT}.pack.preferred`, type: "FieldValueInvalid", msg: "PodCliqueScalingGroup 'sg'" },
  },
  {
    name: "PCSG narrower than member clique rejected",
    options: tas,
    set: {
      [GT(0)]: { topologyName: "grove-topology", pack: { required: "host" } },
      [CT(1)]: { pack: { required: "block" } },
    },
    reject: {
      field: `${GT(0)}.pack.required`,
      type: "FieldValueInvalid",
      msg: "PodCliqueScalingGroup 'sg' topology constraint domain 'host' is narrower than PodClique 'b'",
    },
  },
  {
    name: "required and preferred checked separately",
    options: tas,
    set: {
      [PT]: { topologyName: "grove-topology", pack: { required: "zone", preferred: "host" } },
      [CT(0)]: { pack: { required: "rack" } },
    },
  },
]);

describe("T7 preferred coarser than required is a warning", () => {
  it("warns and accepts", () => {
    const c: RuleCase = {
      name: "coarser",
      options: tas,
      set: { [PT]: { topologyName: "grove-topology", pack: { required: "rack", preferred: "zone" } } },
    };
    check(c);
    expect(warningsOf(c)).toContain(
      "spec.template.topologyConstraint.pack.preferred 'zone' is coarser than spec.template.topologyConstraint.pack.required 'rack' and is redundant",
    );
  });
  it("no warning when preferred is narrower", () => {
    const set = { [PT]: { topologyName: "grove-topology", pack: { required: "block", preferred: "rack" } } };
    expect(warningsOf({ name: "narrower", options: tas, set }).filter((w) => w.includes("coarser"))).toEqual(
      [],
    );
  });
});

const rackPcs = { [PT]: { topologyName: "grove-topology", pack: { required: "rack" } } };
table("U7 topology constraints are immutable", [
  { name: "unchanged accepted", old: rackPcs, set: { "spec.replicas": 3 } },
  {
    name: "added rejected",
    set: { [CT(0)]: { topologyName: "grove-topology", pack: { required: "host" } } },
    old: {},
    reject: { field: CT(0), type: "FieldValueForbidden", msg: "cannot be added after creation" },
  },
  {
    name: "removed rejected",
    old: rackPcs,
    set: { [PT]: DELETE },
    reject: { field: PT, type: "FieldValueForbidden", msg: "cannot be removed after creation" },
  },
  {
    name: "PCS topologyName change rejected",
    old: rackPcs,
    set: { [`${PT}.topologyName`]: "other" },
    reject: { field: PT, type: "FieldValueForbidden", msg: "cannot be changed" },
  },
  {
    name: "PCSG preferred change rejected",
    old: { [GT(0)]: { topologyName: "grove-topology", pack: { preferred: "rack" } } },
    set: { [`${GT(0)}.pack.preferred`]: "host" },
    reject: { field: GT(0), type: "FieldValueForbidden", msg: "PodCliqueScalingGroup 'sg'" },
  },
  {
    name: "migration packDomain X -> pack.required X accepted",
    old: { [PT]: { topologyName: "grove-topology", packDomain: "rack" } },
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "rack" } } },
  },
  {
    name: "migration to another domain rejected",
    old: { [PT]: { topologyName: "grove-topology", packDomain: "rack" } },
    set: { [PT]: { topologyName: "grove-topology", pack: { required: "host" } } },
    reject: { field: PT, type: "FieldValueForbidden" },
  },
  {
    name: "legacy repair: adding topologyName to a packDomain constraint accepted",
    options: tas,
    old: { [PT]: { packDomain: "rack" } },
    set: { [`${PT}.topologyName`]: "grove-topology" },
  },
  {
    name: "legacy repair re-runs T4 on the new object",
    options: tas,
    old: { [PT]: { packDomain: "rack" } },
    set: { [`${PT}.topologyName`]: "nowhere" },
    reject: { field: `${PT}.topologyName`, type: "FieldValueInvalid", msg: "not found" },
  },
]);

describe("U9 packDomain still in use is a warning on update", () => {
  it("warns per constraint", () => {
    const w = warningsOf({
      name: "legacy",
      old: { [PT]: { topologyName: "grove-topology", packDomain: "rack" }, [CT(0)]: { packDomain: "host" } },
    });
    expect(w).toContain(
      "spec.template.topologyConstraint.packDomain is deprecated; use spec.template.topologyConstraint.pack.required instead",
    );
    expect(w).toContain(
      "spec.template.cliques[0].topologyConstraint.packDomain is deprecated; use spec.template.cliques[0].topologyConstraint.pack.required instead",
    );
  });
  it("no warning after migration", () => {
    const w = warningsOf({ name: "migrated", old: rackPcs });
    expect(w.filter((x) => x.includes("deprecated"))).toEqual([]);
  });
});
