// The simulated GPU driver's DeviceClass and ResourceSlices (src/resource-slices.ts): one slice per
// GPU node with one device per GPU, owned by its Node; CPU-only nodes publish none; a deleted node's
// slice goes with it.
import { DeviceClassType, type KubeObject, NodeType, ResourceSliceType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../src/index.js";
import { SIM_GPU_DRIVER } from "../src/resource-slices.js";

interface Slice extends KubeObject {
  spec: {
    driver: string;
    nodeName: string;
    pool: { name: string; generation: number; resourceSliceCount: number };
    devices: { name: string; attributes: Record<string, { int?: number; string?: string }> }[];
  };
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    cluster: {
      pools: [
        {
          name: "gpu",
          count: 2,
          namePrefix: "gpu-node-",
          allocatable: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "4" },
          labels: { "nvidia.com/gpu.product": "H100" },
        },
        {
          name: "cpu",
          count: 1,
          namePrefix: "cpu-node-",
          allocatable: { cpu: "8", memory: "32Gi", pods: "110" },
        },
      ],
    },
  });
});
afterAll(() => sim?.close());

describe("simulated GPU driver (resource.k8s.io/v1)", () => {
  it("publishes its DeviceClass and one ResourceSlice per GPU node, one device per GPU", async () => {
    const dc = await sim.client.get<KubeObject & { spec: unknown }>(DeviceClassType, SIM_GPU_DRIVER);
    expect(dc?.spec).toEqual({
      selectors: [{ cel: { expression: `device.driver == "${SIM_GPU_DRIVER}"` } }],
    });
    const slices = (await sim.client.list<Slice>(ResourceSliceType)).items;
    expect(slices.map((s) => s.metadata.name).sort()).toEqual([
      `gpu-node-0-${SIM_GPU_DRIVER}`,
      `gpu-node-1-${SIM_GPU_DRIVER}`,
    ]);
    const s0 = slices.find((s) => s.spec.nodeName === "gpu-node-0") as Slice;
    expect(s0.spec.driver).toBe(SIM_GPU_DRIVER);
    expect(s0.spec.pool).toEqual({ name: "gpu-node-0", generation: 1, resourceSliceCount: 1 });
    expect(s0.spec.devices.map((d) => [d.name, d.attributes.index?.int, d.attributes.model?.string])).toEqual(
      [
        ["gpu-0", 0, "H100"],
        ["gpu-1", 1, "H100"],
        ["gpu-2", 2, "H100"],
        ["gpu-3", 3, "H100"],
      ],
    );
    const node = await sim.client.get<KubeObject>(NodeType, "gpu-node-0");
    expect(s0.metadata.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Node", name: "gpu-node-0", uid: node?.metadata.uid, controller: true },
    ]);
  });

  it("a deleted node's slice is garbage-collected with it", async () => {
    await sim.client.delete(NodeType, "gpu-node-1");
    const end = Date.now() + 15_000;
    for (;;) {
      const left = (await sim.client.list<Slice>(ResourceSliceType)).items.map((s) => s.spec.nodeName);
      if (!left.includes("gpu-node-1")) break;
      if (Date.now() > end) throw new Error(`slice of gpu-node-1 still there: ${left.join(" ")}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });
});
