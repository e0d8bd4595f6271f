// TAS1, TAS17-TAS22 (grove-behaviour.md §18.6): ClusterTopologyBindings, their status (our stand-in for
// KAI Topology objects: grove-scheduler reads the bindings itself, so a binding "has its topology"
// when the ClusterTopologyBinding controller reports grove-scheduler inSync for its current
// generation), several bindings over one cluster, the PCS TopologyLevelsUnavailable lifecycle, and
// admission through kubectl apply. The real kubectl against one grove-sim.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { PodView } from "../e2e/lib/pods.js";
import { waitFor } from "../e2e/lib/wait.js";
import { fixturesDir, haveFixtures, noteMissingFixtures } from "../src/shared.js";
import {
  BLOCK,
  domains,
  GROVE_TOPOLOGY_LEVELS,
  HOST,
  RACK,
  Tas,
  TOPOLOGY,
  TOPOLOGY_ANNOTATION,
  ZONE,
} from "./lib/tas.js";
import { manifest, SHAPES, toYaml } from "./workloads/shapes.js";

noteMissingFixtures("tas bindings (upstream TAS17/TAS20 fixtures)");

interface CtbStatus {
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string }[];
  schedulerTopologyStatuses?: {
    schedulerName: string;
    topologyReference: string;
    inSync: boolean;
    message?: string;
  }[];
}
interface CtbJson {
  metadata: { generation?: number };
  spec: { levels: { domain: string; key: string }[] };
  status?: CtbStatus;
}

const NVL_BLOCK = "example.com/nvl-block";
const NVL_DOMAIN = "example.com/nvlink-domain";

const ctbYaml = (name: string, levels: { domain: string; key: string }[], bindings?: unknown[]) =>
  stringify({
    apiVersion: "grove.io/v1alpha1",
    kind: "ClusterTopologyBinding",
    metadata: { name },
    spec: { levels, ...(bindings ? { schedulerTopologyBindings: bindings } : {}) },
  });

let tas: Tas;
const kubectl = () => tas.kubectl;
const getCtb = (name: string) => kubectl().json<CtbJson>(["get", "clustertopologybindings.grove.io", name]);
const drift = (c: CtbJson) => c.status?.conditions?.find((x) => x.type === "SchedulerTopologyDrift");

/** Waits until the binding's status is for its current generation with drift `status/reason`. */
async function settledCtb(name: string, status: string, reason: string): Promise<CtbJson> {
  let last: CtbJson | undefined;
  await waitFor(
    `${name} SchedulerTopologyDrift=${status}/${reason} at its generation`,
    async () => {
      last = await getCtb(name);
      const d = drift(last);
      return {
        ok:
          d?.status === status &&
          d.reason === reason &&
          last.status?.observedGeneration === last.metadata.generation,
        state: JSON.stringify(last.status ?? {}),
      };
    },
    { intervalMs: 200 },
  );
  return last as CtbJson;
}

async function applyText(name: string, text: string) {
  return kubectl().run(["apply", "-f", tas.e2e.file(name, text)]);
}

beforeAll(async () => {
  tas = await Tas.start();
});
afterAll(async () => {
  await tas?.close();
});

describe("ClusterTopologyBindings (§18.6)", () => {
  it("TAS1: grove-topology is in sync for grove-scheduler with its 4 keys; every worker carries the 4 labels", async () => {
    const c = await settledCtb(TOPOLOGY, "False", "InSync");
    expect(c.spec.levels.map((l) => l.key)).toEqual([ZONE, BLOCK, RACK, HOST]);
    expect(c.status?.schedulerTopologyStatuses).toEqual([
      expect.objectContaining({
        schedulerName: "grove-scheduler",
        topologyReference: TOPOLOGY,
        inSync: true,
      }),
    ]);
    const labels = await tas.nodeLabels();
    const workers = [...labels.entries()].filter(([, l]) => l["node_role.e2e.grove.nvidia.com"] === "agent");
    expect(workers).toHaveLength(28);
    for (const [n, l] of workers)
      for (const k of [ZONE, BLOCK, RACK, HOST]) expect(l[k], `${n} ${k}`).toBeTruthy();
  });

  it("TAS18: a kai-scheduler binding to a missing KAI Topology is Drift; the reference is preserved", async () => {
    const r = await applyText(
      "tas18.yaml",
      ctbYaml("tas18-topology", GROVE_TOPOLOGY_LEVELS, [
        { schedulerName: "kai-scheduler", topologyReference: "non-existent-kai-topo" },
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const c = await settledCtb("tas18-topology", "True", "Drift");
    const kai = c.status?.schedulerTopologyStatuses?.filter((s) => s.schedulerName === "kai-scheduler");
    expect(kai).toEqual([
      expect.objectContaining({ topologyReference: "non-existent-kai-topo", inSync: false }),
    ]);
    // grove-ts adds grove-scheduler's own entry next to the binding's (upstream has one entry: KAI only).
    expect(c.status?.schedulerTopologyStatuses?.map((s) => s.schedulerName)).toEqual([
      "grove-scheduler",
      "kai-scheduler",
    ]);
    await kubectl().ok(["delete", "clustertopologybindings.grove.io", "tas18-topology"]);
  });

  it("TAS19: (zone, host) is in sync; updated to (zone, rack, host) it is in sync for the new generation", async () => {
    const two = [GROVE_TOPOLOGY_LEVELS[0], GROVE_TOPOLOGY_LEVELS[3]] as { domain: string; key: string }[];
    expect((await applyText("tas19a.yaml", ctbYaml("tas19-topology", two))).code).toBe(0);
    const a = await settledCtb("tas19-topology", "False", "InSync");
    expect(a.spec.levels.map((l) => l.key)).toEqual([ZONE, HOST]);
    expect(a.status?.observedGeneration).toBe(1);
    const three = [GROVE_TOPOLOGY_LEVELS[0], GROVE_TOPOLOGY_LEVELS[2], GROVE_TOPOLOGY_LEVELS[3]] as {
      domain: string;
      key: string;
    }[];
    expect((await applyText("tas19b.yaml", ctbYaml("tas19-topology", three))).code).toBe(0);
    const b = await settledCtb("tas19-topology", "False", "InSync");
    expect(b.spec.levels.map((l) => l.key)).toEqual([ZONE, RACK, HOST]);
    expect(b.status?.observedGeneration).toBe(2);
    expect(b.status?.schedulerTopologyStatuses?.[0]).toMatchObject({
      schedulerName: "grove-scheduler",
      inSync: true,
    });
    await kubectl().ok(["delete", "clustertopologybindings.grove.io", "tas19-topology"]);
  });

  describe("TAS17: H100 and GB200 pools under two bindings", () => {
    const gb200 = Array.from({ length: 14 }, (_, i) => ({ node: `kwok-node-${14 + i}`, i }));
    beforeAll(async () => {
      // The last 14 nodes become GB200: no rack label, an NVLink block and domain of their own.
      await Promise.all(
        gb200.map(({ node, i }) =>
          kubectl().ok([
            "label",
            "node",
            node,
            `${RACK}-`,
            `${NVL_BLOCK}=block-${Math.floor(i / 7)}`,
            `${NVL_DOMAIN}=nvl-domain-${i}`,
          ]),
        ),
      );
      const h100 = ctbYaml("h100-topology", [
        { domain: "block", key: RACK },
        { domain: "host", key: HOST },
      ]);
      const gb = ctbYaml("gb200-topology", [
        { domain: "block", key: NVL_BLOCK },
        { domain: "rack", key: NVL_DOMAIN },
        { domain: "host", key: HOST },
      ]);
      expect((await applyText("tas17-ctb.yaml", `${h100}---\n${gb}`)).code).toBe(0);
    });
    afterAll(async () => {
      await kubectl().run(["delete", "clustertopologybindings.grove.io", "h100-topology", "gb200-topology"]);
      await Promise.all(
        gb200.map(({ node, i }) =>
          kubectl().ok([
            "label",
            "node",
            node,
            `${RACK}=rack-${Math.floor((14 + i) / 7)}`,
            `${NVL_BLOCK}-`,
            `${NVL_DOMAIN}-`,
          ]),
        ),
      );
    });

    it("both bindings are in sync, with 2 and 3 levels", async () => {
      const h = await settledCtb("h100-topology", "False", "InSync");
      const g = await settledCtb("gb200-topology", "False", "InSync");
      expect(h.spec.levels).toHaveLength(2);
      expect(g.spec.levels).toHaveLength(3);
    });

    const gbNodes = new Set(gb200.map((g) => g.node));
    const cases = [
      {
        what: "ours",
        h100: { name: SHAPES.H100.name, text: toYaml(SHAPES.H100) },
        gb: { name: SHAPES.GB200.name, text: toYaml(SHAPES.GB200) },
      },
      ...(haveFixtures
        ? [
            {
              what: "Grove's fixtures",
              h100: {
                name: "tas-h100-workload",
                text: readFileSync(join(fixturesDir, "e2e", "tas-multi-topology-h100.yaml"), "utf8"),
              },
              gb: {
                name: "tas-gb200-workload",
                text: readFileSync(join(fixturesDir, "e2e", "tas-multi-topology-gb200.yaml"), "utf8"),
              },
            },
          ]
        : []),
    ];
    for (const c of cases)
      it(`H100 workload in one rack of H100 nodes, GB200 workload in one NVLink block of GB200 nodes (${c.what})`, async () => {
        await tas.e2e.prepareTest(28);
        try {
          expect((await applyText(`tas17-${c.h100.name}.yaml`, c.h100.text)).code).toBe(0);
          expect((await applyText(`tas17-${c.gb.name}.yaml`, c.gb.text)).code).toBe(0);
          const hp = await tas.e2e.waitPods(c.h100.name, { total: 2, running: 2 });
          const gp = await tas.e2e.waitPods(c.gb.name, { total: 2, running: 2 });
          const labels = await tas.nodeLabels();
          expect(
            hp.filter((p) => gbNodes.has(p.node ?? "")),
            "H100 pods on GB200 nodes",
          ).toEqual([]);
          expect(domains(hp, labels, RACK)).toHaveLength(1);
          expect(
            gp.filter((p) => !gbNodes.has(p.node ?? "")),
            "GB200 pods on H100 nodes",
          ).toEqual([]);
          expect(domains(gp, labels, NVL_BLOCK)).toHaveLength(1);
          expect((await tas.podGang(`${c.h100.name}-0`)).spec.topologyConstraint).toEqual({
            packConstraint: { required: RACK },
          });
          expect((await tas.podGang(`${c.gb.name}-0`)).spec.topologyConstraint).toEqual({
            packConstraint: { required: NVL_BLOCK },
          });
        } finally {
          await tas.e2e.cleanup();
        }
      });
  });

  const tas20 = [
    { what: "ours", name: SHAPES.TAS20.name, text: () => toYaml(SHAPES.TAS20) },
    ...(haveFixtures
      ? [
          {
            what: "Grove's fixture",
            name: "tas-topology-condition",
            text: () => readFileSync(join(fixturesDir, "e2e", "tas-topology-condition.yaml"), "utf8"),
          },
        ]
      : []),
  ];
  for (const c of tas20)
    it(`TAS20: TopologyLevelsUnavailable follows the binding's deletion and re-creation (${c.what})`, async () => {
      await tas.e2e.prepareTest(2);
      const ctb = ctbYaml("tas20-topology", GROVE_TOPOLOGY_LEVELS);
      try {
        expect((await applyText("tas20-ctb.yaml", ctb)).code).toBe(0);
        expect((await applyText(`tas20-${c.name}.yaml`, c.text())).code).toBe(0);
        const cond = "TopologyLevelsUnavailable";
        await tas.waitPcsCondition(c.name, cond, "False", "AllClusterTopologyLevelsAvailable");
        await kubectl().ok(["delete", "clustertopologybindings.grove.io", "tas20-topology"]);
        await tas.waitPcsCondition(c.name, cond, "Unknown", "ClusterTopologyNotFound");
        await kubectl().ok(["scale", "podcliquesets.grove.io", c.name, "--replicas=1"]);
        const pods: PodView[] = await tas.e2e.waitPods(c.name, { total: 2, running: 2 });
        expect(pods).toHaveLength(2);
        const g = await tas.podGang(`${c.name}-0`);
        expect(g.metadata.annotations?.[TOPOLOGY_ANNOTATION]).toBeUndefined();
        expect(g.spec.topologyConstraint).toBeUndefined();
        expect(g.spec.topologyConstraintGroupConfigs ?? []).toEqual([]);
        for (const pg of g.spec.podgroups) expect(pg.topologyConstraint, pg.name).toBeUndefined();
        const pclq = await kubectl().json<{ metadata: { annotations?: Record<string, string> } }>([
          "get",
          "podcliques.grove.io",
          `${c.name}-0-worker`,
        ]);
        expect(pclq.metadata.annotations?.[TOPOLOGY_ANNOTATION]).toBeUndefined();
        await kubectl().ok(["scale", "podcliquesets.grove.io", c.name, "--replicas=0"]);
        await tas.e2e.waitPods(c.name, { total: 0 });
        expect((await applyText("tas20-ctb.yaml", ctb)).code).toBe(0);
        await tas.waitPcsCondition(c.name, cond, "False", "AllClusterTopologyLevelsAvailable");
      } finally {
        await tas.e2e.cleanup();
        await kubectl().run([
          "delete",
          "clustertopologybindings.grove.io",
          "tas20-topology",
          "--ignore-not-found",
        ]);
      }
    });
});

describe("admission through kubectl apply (§18.6 TAS21, TAS22)", () => {
  const rejects = async (file: string, text: string, ...parts: string[]) => {
    const r = await applyText(file, text);
    expect(r.code, `${file} must be rejected`).not.toBe(0);
    for (const p of parts) expect(r.stderr).toContain(p);
  };
  const level = (domain: string, key: string) => ({ domain, key });

  it.each([
    {
      case: "duplicate domains",
      levels: [level("zone", ZONE), level("zone", BLOCK)],
      bindings: undefined,
      parts: ["spec.levels[1].domain", 'Duplicate value: "zone"'],
    },
    {
      case: "duplicate keys",
      levels: [level("zone", ZONE), level("block", ZONE)],
      bindings: undefined,
      parts: ["spec.levels[1].key", "Duplicate value"],
    },
    {
      case: "duplicate scheduler references",
      levels: [level("zone", ZONE)],
      bindings: [
        { schedulerName: "kai-scheduler", topologyReference: "a" },
        { schedulerName: "kai-scheduler", topologyReference: "b" },
      ],
      parts: ["spec.schedulerTopologyBindings[1].schedulerName", "Duplicate value"],
    },
    {
      case: "unknown scheduler",
      levels: [level("zone", ZONE)],
      bindings: [{ schedulerName: "volcano", topologyReference: "a" }],
      parts: ["spec.schedulerTopologyBindings[0].schedulerName", "scheduler backend is not enabled in Grove"],
    },
    {
      case: "scheduler without topology-aware scheduling",
      levels: [level("zone", ZONE)],
      bindings: [{ schedulerName: "default-scheduler", topologyReference: "a" }],
      parts: [
        "spec.schedulerTopologyBindings[0].schedulerName",
        "does not implement topology-aware scheduling",
      ],
    },
  ])("TAS21: the binding webhook rejects $case", async ({ case: name, levels, bindings, parts }) => {
    await rejects(
      `tas21-${name.replaceAll(" ", "-")}.yaml`,
      ctbYaml("tas21-topology", levels, bindings),
      ...parts,
    );
  });

  it("TAS21: a PCS whose clique constraint inherits topologyName from the PCS is accepted", async () => {
    const text = stringify(
      manifest({
        name: "ts-tas21-inherit",
        replicas: 0,
        topology: { required: "block" },
        cliques: [{ name: "worker", replicas: 1, topology: { required: "rack" } }],
      }),
    );
    const r = await applyText("tas21-inherit.yaml", text);
    expect(r.code, r.stderr).toBe(0);
    await kubectl().ok(["delete", "podcliquesets.grove.io", "ts-tas21-inherit"]);
  });

  type Tc = Record<string, unknown>;
  /** A PCS with a constraint at one level, the others unconstrained. */
  const pcsWith = (where: "pcs" | "clique" | "pcsg", tc: Tc) => {
    const m = manifest({
      name: "ts-tas22",
      replicas: 0,
      cliques: [{ name: "worker", replicas: 1 }],
      groups: [{ name: "workers", replicas: 1, cliques: ["worker"] }],
    }) as { spec: { template: Tc & { cliques: Tc[]; podCliqueScalingGroups: Tc[] } } };
    const t = m.spec.template;
    const target =
      where === "pcs" ? t : where === "clique" ? (t.cliques[0] as Tc) : (t.podCliqueScalingGroups[0] as Tc);
    target.topologyConstraint = { topologyName: TOPOLOGY, ...tc };
    return stringify(m);
  };
  const paths = {
    pcs: "spec.template.topologyConstraint",
    clique: "spec.template.cliques[0].topologyConstraint",
    pcsg: "spec.template.podCliqueScalingGroups[0].topologyConstraint",
  } as const;

  it.each(
    (["pcs", "clique", "pcsg"] as const).flatMap((where) => [
      {
        where,
        case: "packDomain on a new object",
        tc: { packDomain: "rack" },
        // Grove's CRD reports the clique and group rules at their lists (the rules' fieldPath).
        parts: [
          where === "pcs"
            ? `${paths.pcs}.packDomain`
            : paths[where].replace(/\[0\]\.topologyConstraint$/, ": Forbidden"),
          "packDomain is deprecated and cannot be used on new workloads",
        ],
      },
      {
        where,
        case: "a constraint without pack",
        tc: {},
        parts: [paths[where], "topologyConstraint must specify pack or deprecated packDomain"],
      },
      {
        where,
        case: "an empty pack",
        tc: { pack: {} },
        parts: [paths[where], "pack must specify at least one of required or preferred"],
      },
      {
        where,
        case: "packDomain with pack.required",
        tc: { packDomain: "rack", pack: { required: "rack" } },
        parts: [paths[where], "must not set both pack.required and deprecated packDomain"],
      },
    ]),
  )("TAS22: CEL rejects $case at $where level", async ({ where, case: name, tc, parts }) => {
    await rejects(`tas22-${where}-${name.replaceAll(" ", "-")}.yaml`, pcsWith(where, tc), ...parts);
  });

  it.each(["pcs", "clique", "pcsg"] as const)(
    "TAS22: a preferred-only pack is accepted at %s level",
    async (where) => {
      const r = await applyText(
        `tas22-${where}-preferred.yaml`,
        pcsWith(where, { pack: { preferred: "rack" } }),
      );
      expect(r.code, r.stderr).toBe(0);
      await kubectl().ok(["delete", "podcliquesets.grove.io", "ts-tas22"]);
    },
  );
});
