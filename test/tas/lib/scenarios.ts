// TAS2-TAS16 and TAS23 (grove-behaviour.md §18.6) as data: the nodes left schedulable, Grove's
// fixture and our shape of it, the pod count, and the checks. Where upstream reads the KAI PodGroup
// of a gang, we read the PodGang itself (the object our scheduler consumes): its top-level
// constraint, its topologyConstraintGroupConfigs (KAI's PCSG parent subgroups) and its podgroups'
// constraints (KAI's child subgroups), with domains already translated to node label keys (§14.1).
import { scaledPodGangName } from "@grove-ts/api";
import { expect } from "vitest";
import type { PodView } from "../../e2e/lib/pods.js";
import { SHAPES, type Shape } from "../workloads/shapes.js";
import {
  BLOCK,
  domains,
  groupBy,
  HOST,
  type PodGangJson,
  RACK,
  type Tas,
  TOPOLOGY_ANNOTATION,
  ZONE,
} from "./tas.js";

export interface Ctx {
  tas: Tas;
  pcs: string;
  pods: PodView[];
  labels: Map<string, Record<string, string>>;
}

export interface Scenario {
  id: string;
  /** Nodes left schedulable (PrepareTest). */
  nodes: number;
  /** Grove's fixture file and the PCS name it declares. */
  fixture: string;
  upstreamName: string;
  ours: Shape;
  pods: number;
  /** Pods are expected to stay Pending (TAS13). */
  pending?: boolean;
  check(ctx: Ctx): Promise<void>;
  /**
   * §18.6 expectations that span several PodGangs of one PCS replica (base and scaled gangs in one
   * block). No PodGang expresses them: they hold because the scheduler keeps a scaled gang in its base
   * gang's domain when it can (packages/scheduler README, "Scaled gangs"; see test/tas/README.md).
   */
  acrossGangs?: (ctx: Ctx) => void;
}

/** Pods of one PodGang each share one value of node label `key`. */
const eachGangSharesDomain = (ctx: Ctx, key: string) =>
  eachSharesDomain(ctx, ctx.pods, "grove.io/podgang", key);

const PCLQ = "grove.io/podclique";
const PCSG_REPLICA = "grove.io/podcliquescalinggroup-replica-index";
const PCS_REPLICA = "grove.io/podcliqueset-replica-index";
const PCSG = "grove.io/podcliquescalinggroup";

const req = (key: string) => ({ packConstraint: { required: key } });

/** Every pod group of `pods` by `label` shares one value of node label `key`. */
function eachSharesDomain(ctx: Ctx, pods: readonly PodView[], label: string, key: string) {
  const groups = groupBy(pods, label);
  for (const [g, members] of groups)
    expect(domains(members, ctx.labels, key), `${label}=${g} on one ${key}`).toHaveLength(1);
  return groups;
}
const sharesDomain = (ctx: Ctx, pods: readonly PodView[], key: string) =>
  expect(domains(pods, ctx.labels, key), `pods on one ${key}`).toHaveLength(1);

/** Pods of one PCSG replica: the pair (PCSG name, replica index). */
const byPcsgReplica = (pods: readonly PodView[]): PodView[] =>
  pods
    .filter((p) => p.labels[PCSG])
    .map((p) => ({
      ...p,
      labels: { ...p.labels, pcsgReplica: `${p.labels[PCSG]}/${p.labels[PCSG_REPLICA]}` },
    }));

const group = (g: PodGangJson, name: string) => {
  const pg = g.spec.podgroups.find((x) => x.name === name);
  expect(pg, `podgroup ${name} in ${g.metadata.name}`).toBeDefined();
  return pg as NonNullable<typeof pg>;
};
const groupConfigs = (g: PodGangJson) =>
  Object.fromEntries(
    (g.spec.topologyConstraintGroupConfigs ?? []).map((c) => [
      c.name,
      { podGroupNames: [...c.podGroupNames].sort(), topologyConstraint: c.topologyConstraint },
    ]),
  );

export const SCENARIOS: Scenario[] = [
  {
    id: "TAS2",
    nodes: 28,
    fixture: "tas-indep-clq.yaml",
    upstreamName: "tas-indep-clq",
    ours: SHAPES.TAS2,
    pods: 7,
    async check(ctx) {
      const { pcs } = ctx;
      sharesDomain(
        ctx,
        ctx.pods.filter((p) => p.pclq === `${pcs}-0-worker-rack`),
        RACK,
      );
      sharesDomain(
        ctx,
        ctx.pods.filter((p) => p.pclq === `${pcs}-0-worker-block`),
        BLOCK,
      );
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toBeUndefined();
      expect(group(g, `${pcs}-0-worker-rack`)).toMatchObject({
        minReplicas: 3,
        topologyConstraint: req(RACK),
      });
      expect(group(g, `${pcs}-0-worker-block`)).toMatchObject({
        minReplicas: 4,
        topologyConstraint: req(BLOCK),
      });
    },
  },
  {
    id: "TAS3",
    nodes: 28,
    fixture: "tas-sl-pcs-only.yaml",
    upstreamName: "tas-sl-pcs-only",
    ours: SHAPES.TAS3,
    pods: 4,
    async check(ctx) {
      const { pcs } = ctx;
      sharesDomain(ctx, ctx.pods, RACK);
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(RACK));
      expect(g.spec.topologyConstraintGroupConfigs ?? []).toEqual([]);
      const names = g.spec.podgroups.map((p) => [p.name, p.minReplicas, p.topologyConstraint]).sort();
      expect(names).toEqual(
        [
          [`${pcs}-0-router`, 2, undefined],
          [`${pcs}-0-workers-0-worker`, 1, undefined],
          [`${pcs}-0-workers-1-worker`, 1, undefined],
        ].sort(),
      );
    },
  },
  {
    id: "TAS4",
    nodes: 28,
    fixture: "tas-sl-pcsg-only.yaml",
    upstreamName: "tas-sl-pcsg-only",
    ours: SHAPES.TAS4,
    pods: 4,
    async check(ctx) {
      const { pcs } = ctx;
      sharesDomain(
        ctx,
        ctx.pods.filter((p) => p.labels[PCSG]),
        RACK,
      );
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toBeUndefined();
      expect(groupConfigs(g)).toEqual({
        [`${pcs}-0-workers-0`]: {
          podGroupNames: [`${pcs}-0-workers-0-worker`],
          topologyConstraint: req(RACK),
        },
        [`${pcs}-0-workers-1`]: {
          podGroupNames: [`${pcs}-0-workers-1-worker`],
          topologyConstraint: req(RACK),
        },
      });
      expect(group(g, `${pcs}-0-router`)).toMatchObject({ minReplicas: 2 });
      expect(group(g, `${pcs}-0-router`).topologyConstraint).toBeUndefined();
      expect(group(g, `${pcs}-0-workers-0-worker`).minReplicas).toBe(1);
      await ctx.tas.waitPcsCondition(
        pcs,
        "TopologyLevelsUnavailable",
        "False",
        "AllClusterTopologyLevelsAvailable",
      );
    },
  },
  {
    id: "TAS5",
    nodes: 28,
    fixture: "tas-host-level.yaml",
    upstreamName: "tas-host-level",
    ours: SHAPES.TAS5,
    pods: 2,
    async check(ctx) {
      sharesDomain(ctx, ctx.pods, HOST);
      const g = await ctx.tas.podGang(`${ctx.pcs}-0`);
      expect(group(g, `${ctx.pcs}-0-worker`).topologyConstraint).toEqual(req(HOST));
    },
  },
  {
    id: "TAS6",
    nodes: 28,
    fixture: "tas-standalone-pclq-only-pcs-zone.yaml",
    upstreamName: "tas-standalone-pclq",
    ours: SHAPES.TAS6,
    pods: 4,
    async check(ctx) {
      sharesDomain(ctx, ctx.pods, ZONE);
      const g = await ctx.tas.podGang(`${ctx.pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(ZONE));
      expect(g.spec.podgroups).toHaveLength(1);
      expect(g.spec.podgroups[0]?.topologyConstraint).toBeUndefined();
    },
  },
  {
    id: "TAS7",
    nodes: 28,
    fixture: "tas-no-constraint.yaml",
    upstreamName: "tas-no-constraint",
    ours: SHAPES.TAS7,
    pods: 4,
    async check(ctx) {
      const g = await ctx.tas.podGang(`${ctx.pcs}-0`);
      expect(g.spec.topologyConstraint).toBeUndefined();
      expect(g.spec.topologyConstraintGroupConfigs ?? []).toEqual([]);
      for (const pg of g.spec.podgroups) expect(pg.topologyConstraint, pg.name).toBeUndefined();
      expect(g.metadata.annotations?.[TOPOLOGY_ANNOTATION]).toBeUndefined();
    },
  },
  {
    id: "TAS8",
    nodes: 8,
    fixture: "tas-hierarchy.yaml",
    upstreamName: "tas-hierarchy",
    ours: SHAPES.TAS8,
    pods: 8,
    async check(ctx) {
      const { pcs } = ctx;
      eachSharesDomain(ctx, ctx.pods, PCLQ, HOST);
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", RACK);
      sharesDomain(ctx, ctx.pods, BLOCK);
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
      const sg = `${pcs}-0-inference-group`;
      expect(groupConfigs(g)).toEqual({
        [`${sg}-0`]: { podGroupNames: [`${sg}-0-decode`, `${sg}-0-prefill`], topologyConstraint: req(RACK) },
        [`${sg}-1`]: { podGroupNames: [`${sg}-1-decode`, `${sg}-1-prefill`], topologyConstraint: req(RACK) },
      });
      for (const pg of g.spec.podgroups) expect(pg.topologyConstraint, pg.name).toEqual(req(HOST));
      expect(g.spec.podgroups).toHaveLength(4);
    },
  },
  {
    id: "TAS9",
    nodes: 28,
    fixture: "tas-pcs-pclq.yaml",
    upstreamName: "tas-pcs-pclq",
    ours: SHAPES.TAS9,
    pods: 2,
    async check(ctx) {
      sharesDomain(ctx, ctx.pods, HOST);
      const g = await ctx.tas.podGang(`${ctx.pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
      expect(group(g, `${ctx.pcs}-0-worker`).topologyConstraint).toEqual(req(HOST));
    },
  },
  {
    id: "TAS10",
    nodes: 28,
    fixture: "tas-pcsg-scale.yaml",
    upstreamName: "tas-pcsg-scale",
    ours: SHAPES.TAS10,
    pods: 6,
    async check(ctx) {
      const { pcs } = ctx;
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", RACK);
      sharesDomain(
        ctx,
        ctx.pods.filter((p) => p.labels["grove.io/podgang"] === `${pcs}-0`),
        BLOCK,
      );
      const sg = `${pcs}-0-inference-group`;
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
      expect(groupConfigs(g)).toEqual({
        [`${sg}-0`]: { podGroupNames: [`${sg}-0-worker`], topologyConstraint: req(RACK) },
      });
      expect(g.spec.podgroups.map((p) => [p.name, p.minReplicas])).toEqual([[`${sg}-0-worker`, 2]]);
      for (const j of [1, 2]) {
        const s = await ctx.tas.podGang(scaledPodGangName(sg, j, 1));
        expect(s.spec.topologyConstraint, `scaled gang of replica ${j}`).toEqual(req(RACK));
        expect(s.spec.podgroups.map((p) => p.name)).toEqual([`${sg}-${j}-worker`]);
      }
    },
    acrossGangs: (ctx) => sharesDomain(ctx, ctx.pods, BLOCK),
  },
  {
    id: "TAS11",
    nodes: 28,
    fixture: "tas-pcsg-pclq.yaml",
    upstreamName: "tas-pcsg-pclq",
    ours: SHAPES.TAS11,
    pods: 4,
    async check(ctx) {
      const { pcs } = ctx;
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", HOST);
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toBeUndefined();
      const sg = `${pcs}-0-workers`;
      expect(groupConfigs(g)).toEqual({
        [`${sg}-0`]: { podGroupNames: [`${sg}-0-worker`], topologyConstraint: req(RACK) },
        [`${sg}-1`]: { podGroupNames: [`${sg}-1-worker`], topologyConstraint: req(RACK) },
      });
      for (const pg of g.spec.podgroups) expect(pg.topologyConstraint, pg.name).toEqual(req(HOST));
    },
  },
  {
    id: "TAS12",
    nodes: 28,
    fixture: "tas-large-scale.yaml",
    upstreamName: "tas-large-scale",
    ours: SHAPES.TAS12,
    pods: 20,
    async check(ctx) {
      const { pcs } = ctx;
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", HOST);
      eachGangSharesDomain(ctx, BLOCK);
      const sg = `${pcs}-0-workers`;
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
      expect(g.spec.topologyConstraintGroupConfigs ?? []).toEqual([]);
      expect(g.spec.podgroups.map((p) => [p.name, p.topologyConstraint]).sort()).toEqual(
        [0, 1, 2].map((j) => [`${sg}-${j}-worker`, req(HOST)]),
      );
      const scaled = (await ctx.tas.podGangNames(pcs)).filter((n) => n !== `${pcs}-0`);
      expect(scaled).toEqual([3, 4, 5, 6, 7, 8, 9].map((j) => scaledPodGangName(sg, j, 3)).sort());
      for (const n of scaled)
        expect((await ctx.tas.podGang(n)).spec.topologyConstraint, n).toEqual(req(BLOCK));
    },
    acrossGangs: (ctx) => sharesDomain(ctx, ctx.pods, BLOCK),
  },
  {
    id: "TAS13",
    nodes: 28,
    fixture: "tas-insuffic.yaml",
    upstreamName: "tas-insuffic",
    ours: SHAPES.TAS13,
    pods: 10,
    pending: true,
    async check(ctx) {
      expect(ctx.pods.filter((p) => p.node)).toEqual([]);
      const notUnschedulable = ctx.pods.filter((p) => p.phase !== "Pending" || !p.unschedulable);
      expect(
        notUnschedulable.map((p) => `${p.name}: ${p.phase} ${JSON.stringify(p.raw.status?.conditions)}`),
        "every pod Pending with PodScheduled=False/Unschedulable",
      ).toEqual([]);
      const events = await ctx.tas.warningEvents("FailedScheduling");
      for (const p of ctx.pods) {
        const evs = events.get(p.name) ?? [];
        expect(evs.length, `FailedScheduling event for ${p.name}`).toBeGreaterThan(0);
        expect(evs.every((e) => e.source === p.raw.spec?.schedulerName)).toBe(true);
      }
      const g = await ctx.tas.podGang(`${ctx.pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(RACK));
    },
  },
  {
    id: "TAS14",
    nodes: 28,
    fixture: "tas-multirep.yaml",
    upstreamName: "tas-multirep",
    ours: SHAPES.TAS14,
    pods: 4,
    async check(ctx) {
      eachSharesDomain(ctx, ctx.pods, PCS_REPLICA, RACK);
      for (const i of [0, 1])
        expect((await ctx.tas.podGang(`${ctx.pcs}-${i}`)).spec.topologyConstraint).toEqual(req(RACK));
    },
  },
  {
    id: "TAS15",
    nodes: 28,
    fixture: "tas-pcs-multi-pcsg.yaml",
    upstreamName: "tas-pcs-multi-pcsg",
    ours: SHAPES.TAS15,
    pods: 10,
    async check(ctx) {
      const { pcs } = ctx;
      sharesDomain(ctx, ctx.pods, BLOCK);
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", RACK);
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
      const d = `${pcs}-0-decoder`;
      const p = `${pcs}-0-prefill`;
      expect(groupConfigs(g)).toEqual({
        [`${d}-0`]: { podGroupNames: [`${d}-0-dleader`, `${d}-0-dworker`], topologyConstraint: req(RACK) },
        [`${p}-0`]: { podGroupNames: [`${p}-0-pleader`, `${p}-0-pworker`], topologyConstraint: req(RACK) },
      });
      expect(g.spec.podgroups.map((x) => x.name).sort()).toEqual(
        [`${d}-0-dleader`, `${d}-0-dworker`, `${p}-0-pleader`, `${p}-0-pworker`, `${pcs}-0-router`].sort(),
      );
      for (const sg of [d, p]) {
        const s = await ctx.tas.podGang(scaledPodGangName(sg, 1, 1));
        expect(s.spec.topologyConstraint, `${sg} replica 1`).toEqual(req(RACK));
      }
    },
  },
  {
    id: "TAS16",
    nodes: 28,
    fixture: "tas-pcs-multi-pcsg-multi-replica.yaml",
    upstreamName: "tas-pcs-multi-pcsg",
    ours: SHAPES.TAS16,
    pods: 20,
    async check(ctx) {
      eachSharesDomain(ctx, ctx.pods, PCS_REPLICA, BLOCK);
      // The PCSG label is the PCSG's FQN, which names the PCS replica: one key per PCSG replica overall.
      eachSharesDomain(ctx, byPcsgReplica(ctx.pods), "pcsgReplica", RACK);
      eachSharesDomain(
        ctx,
        ctx.pods.filter((p) => p.pclq.endsWith("-pworker")),
        PCLQ,
        HOST,
      );
      for (const i of [0, 1]) {
        const g = await ctx.tas.podGang(`${ctx.pcs}-${i}`);
        expect(g.spec.topologyConstraint).toEqual(req(BLOCK));
        expect(group(g, `${ctx.pcs}-${i}-prefill-0-pworker`).topologyConstraint).toEqual(req(HOST));
      }
    },
  },
  {
    id: "TAS23",
    nodes: 28,
    fixture: "tas-preferred-pack.yaml",
    upstreamName: "tas-preferred-pack",
    ours: SHAPES.TAS23,
    pods: 3,
    async check(ctx) {
      const { pcs } = ctx;
      const g = await ctx.tas.podGang(`${pcs}-0`);
      expect(g.spec.topologyConstraint).toEqual({ packConstraint: { required: BLOCK, preferred: RACK } });
      expect(groupConfigs(g)).toEqual({
        [`${pcs}-0-workers-0`]: {
          podGroupNames: [`${pcs}-0-workers-0-worker`],
          topologyConstraint: { packConstraint: { preferred: HOST } },
        },
      });
      expect(group(g, `${pcs}-0-router`).topologyConstraint).toEqual({ packConstraint: { preferred: HOST } });
      const s = await ctx.tas.podGang(scaledPodGangName(`${pcs}-0-workers`, 1, 1));
      expect(s.spec.topologyConstraint).toEqual({ packConstraint: { preferred: HOST } });
      sharesDomain(
        ctx,
        ctx.pods.filter((p) => p.labels["grove.io/podgang"] === `${pcs}-0`),
        BLOCK,
      );
      await ctx.tas.waitPcsCondition(
        pcs,
        "TopologyLevelsUnavailable",
        "False",
        "AllClusterTopologyLevelsAvailable",
      );
    },
  },
];
