// The repo's examples/ (what `npm start` applies) stay valid: each is admitted, all their pods run
// on the default cluster's GPU nodes, and constraints hold (each multi-node replica in one rack).
import { fileURLToPath } from "node:url";
import { PodCliqueSetType } from "@grove-ts/api";
import { type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedPods, loadExamples, progress, renderTree } from "../src/cli/demo-view.js";
import { type Simulator, startSimulator } from "../src/index.js";

const EXAMPLES = fileURLToPath(new URL("../../../examples", import.meta.url));
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 16 });
});
afterAll(() => sim?.close());

describe("examples/", () => {
  const ex = loadExamples(EXAMPLES);

  it.each([
    ["agg", 2],
    ["disagg", 5],
    ["multinode", 6],
    ["pipeline", 8],
  ])("%s makes %i pods", (name, pods) => {
    expect(expectedPods(ex).get(name)).toBe(pods);
  });

  it("all run on GPU nodes, multi-node replicas each in one rack, and the tree shows every pod", {
    timeout: 30_000,
  }, async () => {
    for (const { obj } of ex.objects)
      await sim.client.create(PodCliqueSetType, {
        ...obj,
        metadata: { ...obj.metadata, namespace: "default" },
      });
    const lines: string[] = [];
    const ok = await progress(sim.client, expectedPods(ex), 20_000, { write: (s) => lines.push(s) > 0 });
    expect(ok, lines.join("")).toBe(true);
    const nodes = new Map(
      (await sim.client.list(NodeType)).items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]),
    );
    const pods = (
      await sim.client.list<KubeObject & { spec?: { nodeName?: string } }>(PodType, { namespace: "default" })
    ).items;
    expect(pods).toHaveLength(21);
    const racks = new Map<string, Set<string>>();
    for (const p of pods) {
      const labels = nodes.get(p.spec?.nodeName) ?? {};
      expect(labels["grove-sim/pool"]).toBe("gpu");
      const group = p.metadata.labels?.["grove.io/podcliquescalinggroup"];
      if (!group) continue;
      const key = `${group}/${p.metadata.labels?.["grove.io/podcliquescalinggroup-replica-index"]}`;
      racks.set(key, (racks.get(key) ?? new Set()).add(labels["kubernetes.io/rack"] ?? "?"));
    }
    expect(racks.size).toBe(4);
    for (const [k, r] of racks) expect(r.size, `${k} in one rack: ${[...r].join(",")}`).toBe(1);
    const tree = await renderTree(sim.client, ex);
    for (const p of pods) expect(tree).toContain(`${p.metadata.name}`);
    expect(tree).toContain("PodCliqueScalingGroup");
  });
});
