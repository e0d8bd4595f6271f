import { describe, expect, it } from "vitest";
import { CliqueStartupTypeExplicit, type PodCliqueSet, type PodGang } from "../src/index.js";

describe("types", () => {
  it("use the wire names of grove-api.md §1.4", () => {
    const pcs: PodCliqueSet = {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name: "x" },
      spec: {
        template: {
          cliqueStartupType: CliqueStartupTypeExplicit,
          cliques: [
            {
              name: "a",
              spec: {
                roleName: "a",
                replicas: 1,
                podSpec: { containers: [{ name: "c", image: "i" }] },
                autoScalingConfig: { maxReplicas: 2 },
              },
            },
          ],
          podCliqueScalingGroups: [{ name: "g", cliqueNames: ["a"], scaleConfig: { maxReplicas: 3 } }],
          topologyConstraint: { topologyName: "t", pack: { required: "rack" } },
        },
      },
      status: { availableReplicas: 0, updatedReplicas: 0, hpaPodSelector: "a=b", podGangStatuses: [] },
    };
    const pg: PodGang = {
      spec: {
        podgroups: [
          {
            name: "p",
            podReferences: [],
            minReplicas: 1,
            topologyConstraint: { packConstraint: { required: "k" } },
          },
        ],
      },
    };
    expect(pcs.spec.template.cliques[0]?.spec.podSpec.containers[0]?.name).toBe("c");
    expect(pg.spec.podgroups).toHaveLength(1);
  });
});
