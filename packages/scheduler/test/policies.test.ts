// Placement policies (README "Policies"): BinPack or Spread per scheduler name, and PodCliqueSet
// replica spreading over a topology level (annotation grove-ts.dev/spread-replicas on the PodGangs).
import {
  AnnotationSpreadReplicas,
  AnnotationTopologyName,
  ClusterTopologyBindingType,
  LabelPartOf,
  LabelPodCliqueSetReplicaIndex,
  type PodGang,
} from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { createGangScheduler } from "../src/index.js";
import {
  createAll,
  eventually,
  type Harness,
  harness,
  type K,
  node,
  nodesOf,
  pod,
  podGang,
} from "./harness.js";

/** The current test's harness (closed by itself when the test finishes). */
let h: Harness | undefined;

const ZONE = "topology.kubernetes.io/zone";
const RACK = "example.com/rack";

/** A gang `name` of `n` 1-cpu pods (minimum n), scheduler `schedulerName`, nodes with `pool`. */
function gangOf(name: string, n: number, schedulerName: string, pool: string) {
  const names = Array.from({ length: n }, (_, i) => `${name}-${i}`);
  return {
    gang: podGang(name, [{ name: `${name}-w`, pods: names, min: n }]),
    pods: names.map((p) => pod({ name: p, gang: name, schedulerName, nodeSelector: { pool } })),
    names,
  };
}

describe.each([true, false])("placement policy per scheduler name (incremental: %s)", (incremental) => {
  it("places a Spread scheduler's gang over more nodes than a BinPack one's, in the same cycle", async () => {
    h = await harness({
      incremental,
      schedulerNames: ["grove-scheduler", "spread-scheduler"],
      placementPolicies: { "spread-scheduler": "Spread" },
    });
    const nodes = ["a", "b"].flatMap((pool) =>
      [0, 1, 2, 3].map((i) => node({ name: `${pool}${i}`, cpu: "4", labels: { pool } })),
    );
    const packed = gangOf("packed", 4, "grove-scheduler", "a");
    const spread = gangOf("spread", 4, "spread-scheduler", "b");
    await createAll(h.client, {
      nodes,
      gangs: [packed.gang, spread.gang],
      pods: [...packed.pods, ...spread.pods],
    });
    const [p, s] = await eventually(async () => {
      const p = await nodesOf(h!.client, packed.names);
      const s = await nodesOf(h!.client, spread.names);
      expect([...p, ...s].every(Boolean)).toBe(true);
      return [p, s];
    });
    expect(new Set(p).size).toBe(1);
    expect(new Set(s).size).toBe(4);
  });

  it("applies defaultPlacementPolicy to scheduler names without their own", async () => {
    h = await harness({
      incremental,
      defaultPlacementPolicy: "Spread",
      placementPolicies: { "kai-scheduler": "BinPack" },
      schedulerNames: ["grove-scheduler", "kai-scheduler"],
    });
    const nodes = [0, 1, 2].map((i) => node({ name: `n${i}`, cpu: "4", labels: { pool: "x" } }));
    const g = gangOf("g", 3, "grove-scheduler", "x");
    await createAll(h.client, { nodes, gangs: [g.gang], pods: g.pods });
    const placed = await eventually(async () => {
      const n = await nodesOf(h!.client, g.names);
      expect(n.every(Boolean)).toBe(true);
      return n;
    });
    expect(new Set(placed).size).toBe(3);
  });
});

describe("placement policy options", () => {
  it("rejects a policy that is neither BinPack nor Spread, naming the option", () => {
    const client = {} as never;
    expect(() => createGangScheduler(client, { placementPolicies: { x: "Pack" as never } })).toThrow(
      'placementPolicies[x]: must be one of BinPack, Spread, got "Pack"',
    );
    expect(() => createGangScheduler(client, { defaultPlacementPolicy: "spread" as never })).toThrow(
      'defaultPlacementPolicy: must be one of BinPack, Spread, got "spread"',
    );
  });
});

/** A binding with levels zone and rack, named `topo`. */
const binding = {
  apiVersion: ClusterTopologyBindingType.apiVersion,
  kind: ClusterTopologyBindingType.kind,
  metadata: { name: "topo" },
  spec: {
    levels: [
      { domain: "zone", key: ZONE },
      { domain: "rack", key: RACK },
    ],
  },
} as unknown as KubeObject;

/** `zones` zones of one rack of two 4-cpu nodes each. */
const zoned = (zones: number) =>
  Array.from({ length: zones }, (_, z) =>
    [0, 1].map((i) =>
      node({ name: `z${z}-n${i}`, cpu: "4", labels: { [ZONE]: `zone-${z}`, [RACK]: `rack-${z}` } }),
    ),
  ).flat();

/** Replica `r` of PCS `pcs`: a base PodGang of two 1-cpu pods, preferred rack, with `spread` asked. */
function replica(pcs: string, r: number, spread: string | undefined) {
  const name = `${pcs}-${r}`;
  const names = [`${name}-a`, `${name}-b`];
  const gang: K<PodGang> = podGang(name, [{ name: `${name}-w`, pods: names, min: 2 }], {
    preferred: RACK,
    labels: { [LabelPartOf]: pcs },
  });
  gang.metadata.annotations = {
    [AnnotationTopologyName]: "topo",
    ...(spread ? { [AnnotationSpreadReplicas]: spread } : {}),
  };
  const pods = names.map((p) => {
    const x = pod({ name: p, gang: name });
    x.metadata.labels = { ...x.metadata.labels, [LabelPartOf]: pcs, [LabelPodCliqueSetReplicaIndex]: `${r}` };
    return x;
  });
  return { gang, pods, names };
}

async function zonesOf(h: Harness, replicas: { names: string[] }[]): Promise<string[][]> {
  return eventually(async () => {
    const out: string[][] = [];
    for (const r of replicas) {
      const nodes = await nodesOf(h.client, r.names);
      expect(nodes.every(Boolean)).toBe(true);
      out.push(nodes.map((n) => (n as string).split("-")[0] as string));
    }
    return out;
  });
}

describe.each([true, false])("PCS replica spreading (incremental: %s)", (incremental) => {
  const start = async (zones: number, spread: string | undefined, replicas = 3) => {
    h = await harness({ incremental });
    await h.client.create(ClusterTopologyBindingType, binding);
    const rs = Array.from({ length: replicas }, (_, r) => replica("svc", r, spread));
    await createAll(h.client, {
      nodes: zoned(zones),
      gangs: rs.map((r) => r.gang),
      pods: rs.flatMap((r) => r.pods),
    });
    return zonesOf(h, rs);
  };

  it("puts each replica in a zone of its own, each replica in one zone", async () => {
    const zones = await start(3, "zone");
    for (const z of zones) expect(new Set(z).size).toBe(1);
    expect(new Set(zones.map((z) => z[0])).size).toBe(3);
  });

  it("without the annotation, bin-packs the replicas into fewer zones", async () => {
    const zones = await start(3, undefined);
    expect(new Set(zones.flat()).size).toBeLessThan(3);
  });

  it("falls back to a used zone when no unused zone is left (a preference, not a requirement)", async () => {
    const zones = await start(2, "zone");
    for (const z of zones) expect(new Set(z).size).toBe(1);
    expect(new Set(zones.map((z) => z[0])).size).toBe(2);
  });

  it("ignores a value that is no domain of the topology", async () => {
    const zones = await start(3, "continent");
    expect(zones.flat().length).toBe(6);
  });
});
