// grove-ts.dev/spread-replicas on a PodCliqueSet: a domain of its ClusterTopologyBinding (T5's rule
// for an annotation), on create and when an update changes it.
import { describe, expect, it } from "vitest";
import { AnnotationSpreadReplicas } from "../../src/index.js";
import { check, ctb, errorsOf, lookup, type RuleCase } from "./builders.js";

const ANN = `metadata.annotations["${AnnotationSpreadReplicas}"]`;
const FIELD = `metadata.annotations[${AnnotationSpreadReplicas}]`;
const PT = "spec.template.topologyConstraint";
const options = { topologyAwareScheduling: true, getClusterTopologyBinding: lookup(ctb()) };
const constrained = { [PT]: { topologyName: "grove-topology", pack: { preferred: "rack" } } };

describe("spread-replicas annotation", () => {
  it.each<RuleCase>([
    { name: "a level of the PCS's binding is accepted", options, set: { ...constrained, [ANN]: "zone" } },
    {
      name: "a value that is no level is rejected, naming the binding and its levels",
      options,
      set: { ...constrained, [ANN]: "continent" },
      reject: {
        field: FIELD,
        type: "FieldValueInvalid",
        msg: "topology domain 'continent' does not exist in ClusterTopologyBinding 'grove-topology' (levels: zone, block, rack, host)",
      },
    },
    {
      name: "an empty value is rejected",
      options,
      set: { ...constrained, [ANN]: "" },
      reject: { field: FIELD, type: "FieldValueInvalid", msg: "topology domain '' does not exist" },
    },
    {
      name: "a PCS that names no topology has nothing to check it against",
      options,
      set: { [ANN]: "continent" },
    },
    {
      name: "an update that changes it to an unknown level is rejected",
      options,
      old: { ...constrained, [ANN]: "zone" },
      set: { [ANN]: "zon" },
      reject: { field: FIELD, type: "FieldValueInvalid", msg: "topology domain 'zon' does not exist" },
    },
    {
      name: "an update that adds a level is accepted",
      options,
      old: constrained,
      set: { [ANN]: "block" },
    },
  ])("$name", (c) => check(c));

  it("an update that keeps a value the binding lost is not rejected for it", () => {
    const errs = errorsOf({
      name: "kept",
      options: { ...options, getClusterTopologyBinding: lookup(ctb("grove-topology", ["rack", "host"])) },
      old: { ...constrained, [ANN]: "zone" },
      set: { "metadata.labels.x": "y" },
    });
    expect(errs.filter((e) => e.field === FIELD)).toEqual([]);
  });
});
