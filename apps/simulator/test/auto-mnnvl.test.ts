// Auto-MNNVL in grove-sim: the cluster file's computeDomains, the GB200 NVL72 cluster serving the
// ComputeDomain CRD with auto-MNNVL on (a ComputeDomain per replica and group, admission accepting
// the group), and --auto-mnnvl on against a cluster without the CRD failing as grove-operator does.
import { join } from "node:path";
import { COMPUTE_DOMAIN_CRD_NAME, PodCliqueSetType } from "@grove-ts/api";
import { MNNVLPreflightError } from "@grove-ts/operator";
import { CustomResourceDefinitionType, type KubeObject } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { parseUp } from "../src/cli/up.js";
import { ClusterFileError, checkCluster, loadClusterFile } from "../src/cluster.js";
import { type Simulator, startSimulator } from "../src/simulator.js";

const CLUSTERS = join(import.meta.dirname, "..", "clusters");
const ComputeDomainType = {
  apiVersion: "resource.nvidia.com/v1beta1",
  kind: "ComputeDomain",
  plural: "computedomains",
  namespaced: true,
};

const pool = { name: "p", count: 1, allocatable: { cpu: "1" } };

describe("cluster file computeDomains and --auto-mnnvl", () => {
  it("computeDomains must be a boolean; gb200-nvl72 sets it", () => {
    expect(checkCluster({ pools: [pool], computeDomains: true }).computeDomains).toBe(true);
    expect(() => checkCluster({ pools: [pool], computeDomains: "yes" })).toThrow(ClusterFileError);
    expect(() => checkCluster({ pools: [pool], computeDomains: "yes" })).toThrow(
      /computeDomains: must be true or false, got "yes"/,
    );
    expect(loadClusterFile(join(CLUSTERS, "gb200-nvl72.yaml")).computeDomains).toBe(true);
  });

  it("--auto-mnnvl takes on or off", () => {
    expect(parseUp(["up", "--auto-mnnvl", "on"])).toMatchObject({ autoMNNVL: true });
    expect(parseUp(["up"])).not.toHaveProperty("autoMNNVL");
    expect(() => parseUp(["up", "--auto-mnnvl", "yes"])).toThrow(
      /--auto-mnnvl: must be on or off, got "yes"/,
    );
  });
});

describe("grove-sim with auto-MNNVL", () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("gb200-nvl72: the CRD is served, a grouped PodCliqueSet gets its ComputeDomain", async () => {
    sim = await startSimulator({ cluster: join(CLUSTERS, "gb200-nvl72.yaml") });
    expect(sim.autoMNNVL).toBe(true);
    expect(await sim.client.get(CustomResourceDefinitionType, COMPUTE_DOMAIN_CRD_NAME)).toBeDefined();
    await sim.client.create(PodCliqueSetType, {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name: "nvl", namespace: "default", annotations: { "grove.io/mnnvl-group": "train" } },
      spec: {
        replicas: 1,
        template: {
          cliques: [
            {
              name: "w",
              spec: {
                roleName: "w",
                replicas: 2,
                podSpec: {
                  containers: [{ name: "w", image: "x", resources: { limits: { "nvidia.com/gpu": "4" } } }],
                },
              },
            },
          ],
        },
      },
    } as unknown as KubeObject);
    const deadline = Date.now() + 30_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = (await sim.client.list(ComputeDomainType, { namespace: "default" })).items.map(
        (c) => c.metadata.name ?? "",
      );
      if (names.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(names).toEqual(["nvl-0-train"]);
  });

  it("--auto-mnnvl on without the CRD fails like grove-operator's preflight", async () => {
    await expect(startSimulator({ nodes: 1, autoMNNVL: true })).rejects.toBeInstanceOf(MNNVLPreflightError);
  });
});
