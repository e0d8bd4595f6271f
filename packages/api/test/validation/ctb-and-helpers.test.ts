// ClusterTopologyBinding rules 1-5 and its CRD rules (§9.6, §5), and the apimachinery helpers.

import { describe, expect, it } from "vitest";
import type { FieldErrorType } from "../../src/field-errors.js";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  parseGoDuration,
  stronglyConnectedCycles,
  type ValidationOptions,
  validateClusterTopologyBinding,
} from "../../src/validation/index.js";
import { ctb, DELETE, mutate } from "./builders.js";

interface CtbCase {
  name: string;
  set?: Record<string, unknown>;
  options?: ValidationOptions;
  reject?: { field: string; type: FieldErrorType; msg?: string };
}

const binding = (schedulerName: string, topologyReference = "t") => ({ schedulerName, topologyReference });

const ctbTable = (rule: string, cases: CtbCase[]) =>
  describe(rule, () => {
    it.each(cases)("$name", (c) => {
      const obj = mutate(ctb(), c.set);
      const errs = validateClusterTopologyBinding(obj, undefined, c.options);
      // Update runs the same rules.
      expect(validateClusterTopologyBinding(obj, ctb(), c.options)).toEqual(errs);
      if (!c.reject) expect(errs).toEqual([]);
      else
        expect(errs).toContainEqual(
          expect.objectContaining({
            field: c.reject.field,
            type: c.reject.type,
            message: expect.stringContaining(c.reject.msg ?? ""),
          }),
        );
    });
  });

ctbTable("CTB CRD: levels required, minItems 1, domain and key patterns", [
  { name: "e2e topology accepted" },
  {
    name: "missing levels rejected",
    set: { "spec.levels": DELETE },
    reject: { field: "spec.levels", type: "FieldValueRequired" },
  },
  {
    name: "empty levels rejected",
    set: { "spec.levels": [] },
    reject: { field: "spec.levels", type: "FieldValueInvalid", msg: "at least 1 items" },
  },
  {
    name: "domain pattern",
    set: { "spec.levels[1].domain": "Block" },
    reject: { field: "spec.levels[1].domain", type: "FieldValueInvalid", msg: "should match" },
  },
  {
    name: "domain required",
    set: { "spec.levels[0].domain": DELETE },
    reject: { field: "spec.levels[0].domain", type: "FieldValueRequired" },
  },
  {
    name: "key pattern",
    set: { "spec.levels[2].key": "bad key/" },
    reject: { field: "spec.levels[2].key", type: "FieldValueInvalid", msg: "should match" },
  },
  {
    name: "key length",
    set: { "spec.levels[2].key": "k".repeat(64) },
    reject: { field: "spec.levels[2].key", type: "FieldValueTooLong" },
  },
  {
    name: "key required",
    set: { "spec.levels[3].key": DELETE },
    reject: { field: "spec.levels[3].key", type: "FieldValueRequired" },
  },
  {
    name: "cluster-scoped: namespace forbidden",
    set: { "metadata.namespace": "default" },
    reject: { field: "metadata.namespace", type: "FieldValueForbidden" },
  },
  { name: "spec required", set: { spec: DELETE }, reject: { field: "spec", type: "FieldValueRequired" } },
]);

ctbTable("CTB rule 1: level domains unique", [
  {
    name: "distinct domains accepted (any order)",
    set: {
      "spec.levels": [
        { domain: "host", key: "h" },
        { domain: "zone", key: "z" },
      ],
    },
  },
  {
    name: "duplicate domain rejected",
    set: { "spec.levels[1].domain": "zone" },
    // field.Duplicate has no detail: `spec.levels[1].domain: Duplicate value: "zone"`.
    reject: { field: "spec.levels[1].domain", type: "FieldValueDuplicate", msg: "" },
  },
]);

ctbTable("CTB rule 2: level keys unique", [
  { name: "distinct keys accepted", set: { "spec.levels[0].key": "example.com/zone" } },
  {
    name: "duplicate key rejected",
    set: { "spec.levels[3].key": "topology.example.com/zone" },
    reject: { field: "spec.levels[3].key", type: "FieldValueDuplicate" },
  },
]);

ctbTable("CTB rule 3: schedulerTopologyBindings schedulerName unique", [
  { name: "one kai binding accepted", set: { "spec.schedulerTopologyBindings": [binding("kai-scheduler")] } },
  {
    name: "duplicate rejected",
    set: { "spec.schedulerTopologyBindings": [binding("kai-scheduler"), binding("kai-scheduler", "u")] },
    reject: { field: "spec.schedulerTopologyBindings[1].schedulerName", type: "FieldValueDuplicate" },
  },
  {
    name: "topologyReference required",
    set: { "spec.schedulerTopologyBindings": [{ schedulerName: "kai-scheduler" }] },
    reject: { field: "spec.schedulerTopologyBindings[0].topologyReference", type: "FieldValueRequired" },
  },
]);

ctbTable("CTB rule 4: binding names an enabled backend", [
  {
    name: "volcano not enabled",
    set: { "spec.schedulerTopologyBindings": [binding("volcano")] },
    reject: {
      field: "spec.schedulerTopologyBindings[0].schedulerName",
      type: "FieldValueInvalid",
      msg: "scheduler backend is not enabled in Grove",
    },
  },
  {
    name: "kai-scheduler disabled by options",
    options: { enabledSchedulers: ["default-scheduler"] },
    set: { "spec.schedulerTopologyBindings": [binding("kai-scheduler")] },
    reject: {
      field: "spec.schedulerTopologyBindings[0].schedulerName",
      type: "FieldValueInvalid",
      msg: "not enabled",
    },
  },
]);

ctbTable("CTB rule 5: binding names a topology-aware backend", [
  {
    name: "grove-scheduler is topology-aware",
    set: { "spec.schedulerTopologyBindings": [binding("grove-scheduler")] },
  },
  {
    name: "default-scheduler rejected",
    set: { "spec.schedulerTopologyBindings": [binding("default-scheduler")] },
    reject: {
      field: "spec.schedulerTopologyBindings[0].schedulerName",
      type: "FieldValueInvalid",
      msg: "does not implement topology-aware scheduling",
    },
  },
  {
    name: "volcano enabled but not topology-aware",
    options: { enabledSchedulers: ["default-scheduler", "volcano"] },
    set: { "spec.schedulerTopologyBindings": [binding("volcano")] },
    reject: {
      field: "spec.schedulerTopologyBindings[0].schedulerName",
      type: "FieldValueInvalid",
      msg: "topology-aware",
    },
  },
]);

describe("CTB: arbitrary JSON never throws", () => {
  it.each([null, 1, "x", {}, { spec: { levels: "x", schedulerTopologyBindings: [null, 1] } }])(
    "%j",
    (input) => {
      expect(validateClusterTopologyBinding(input as never).length).toBeGreaterThan(0);
    },
  );
});

describe("apimachinery helpers", () => {
  it.each([
    ["a", true],
    ["a.b-c", true],
    ["-a", false],
    ["A", false],
    ["a".repeat(254), false],
  ])("isDNS1123Subdomain(%s) valid=%s", (v, ok) => expect(isDNS1123Subdomain(v).length === 0).toBe(ok));
  it.each([
    ["my-name", true],
    ["a.b", false],
    ["a".repeat(64), false],
  ])("isDNS1123Label(%s) valid=%s", (v, ok) => expect(isDNS1123Label(v).length === 0).toBe(ok));
  it.each([
    ["kai.scheduler/queue", true],
    ["MyName", true],
    ["a/b/c", false],
    ["/x", false],
    ["x/", false],
    ["Bad_Prefix/x", false],
    ["n".repeat(64), false],
  ])("isQualifiedName(%s) valid=%s", (v, ok) => expect(isQualifiedName(v).length === 0).toBe(ok));
  it.each([
    ["", true],
    ["my_value", true],
    ["-x", false],
    ["v".repeat(64), false],
  ])("isValidLabelValue(%s) valid=%s", (v, ok) => expect(isValidLabelValue(v).length === 0).toBe(ok));
  it.each([
    ["MY_ENV.NAME", true],
    ["my.env-name", true],
    ["1ABC", false],
    ["A=B", false],
    ["..", false],
    ["..x", false],
  ])("isEnvVarName(%s) valid=%s", (v, ok) => expect(isEnvVarName(v).length === 0).toBe(ok));
  it.each([
    ["4h", 4 * 3600e9],
    ["1m30s", 90e9],
    ["1.5h", 5400e9],
    ["-1s", -1e9],
    ["0", 0],
    ["300ms", 300e6],
    ["4", undefined],
    ["", undefined],
    ["1d", undefined],
  ])("parseGoDuration(%s) = %s", (v, ns) => expect(parseGoDuration(v)).toBe(ns));
  it("Tarjan finds every cycle of size > 1 and ignores self-loops and unknown targets", () => {
    const g = new Map<string, string[]>([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "zz"]],
      ["d", ["d"]],
      ["e", ["f"]],
      ["f", ["e", "a"]],
      ["g", []],
    ]);
    expect(stronglyConnectedCycles(g)).toEqual([
      ["a", "b", "c"],
      ["e", "f"],
    ]);
  });
  it("Tarjan handles a long chain without recursion", () => {
    const g = new Map<string, string[]>();
    for (let i = 0; i < 20000; i++) g.set(`n${i}`, i > 0 ? [`n${i - 1}`] : []);
    expect(stronglyConnectedCycles(g)).toEqual([]);
    g.set("n0", ["n19999"]);
    expect(stronglyConnectedCycles(g)[0]).toHaveLength(20000);
  });
});
