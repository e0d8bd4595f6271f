// KAI's fair share (fair-share.ts): min(quota, demand) first, the rest by priority then
// over-quota weight, never above limit or demand, hierarchically.
import { describe, expect, it } from "vitest";
import { type Amounts, fairShares, type QueueNode, queueTree } from "../src/fair-share.js";

const q = (
  name: string,
  cpu: { quota?: number; limit?: number; overQuotaWeight?: number } = {},
  extra: { parent?: string; priority?: number } = {},
): QueueNode => ({ name, resources: { cpu }, ...extra });

const cases: {
  name: string;
  queues: QueueNode[];
  demand: Record<string, number>;
  capacity: number;
  want: Record<string, number>;
}[] = [
  {
    name: "quotas 60/40 of a full cluster, both asking for all of it",
    queues: [q("a", { quota: 60 }), q("b", { quota: 40 })],
    demand: { a: 100, b: 100 },
    capacity: 100,
    want: { a: 60, b: 40 },
  },
  {
    name: "no competition: the idle rest goes to the one asking",
    queues: [q("a", { quota: 60 }), q("b", { quota: 40 })],
    demand: { a: 100, b: 0 },
    capacity: 100,
    want: { a: 100, b: 0 },
  },
  {
    name: "no competition, but a limit caps it",
    queues: [q("a", { quota: 60, limit: 80 }), q("b", { quota: 40 })],
    demand: { a: 100, b: 0 },
    capacity: 100,
    want: { a: 80, b: 0 },
  },
  {
    name: "never above demand: what one leaves under its quota goes to the other",
    queues: [q("a", { quota: 60 }), q("b", { quota: 40 })],
    demand: { a: 100, b: 10 },
    capacity: 100,
    want: { a: 90, b: 10 },
  },
  {
    name: "surplus by over-quota weight (3:1)",
    queues: [q("a", { quota: 10, overQuotaWeight: 3 }), q("b", { quota: 10, overQuotaWeight: 1 })],
    demand: { a: 100, b: 100 },
    capacity: 100,
    want: { a: 70, b: 30 },
  },
  {
    name: "water-filling: a capped queue's part goes to the others by weight",
    queues: [q("a", { limit: 20 }), q("b", {}), q("c", { overQuotaWeight: 2 })],
    demand: { a: 100, b: 100, c: 100 },
    capacity: 110,
    want: { a: 20, b: 30, c: 60 },
  },
  {
    name: "surplus to the higher priority first",
    queues: [q("a", { quota: 10 }, { priority: 50 }), q("b", { quota: 10 }, { priority: 200 })],
    demand: { a: 100, b: 50 },
    capacity: 100,
    want: { a: 50, b: 50 },
  },
  {
    name: "quota -1: its whole demand first",
    queues: [q("a", { quota: -1 }), q("b", { quota: 50 })],
    demand: { a: 70, b: 100 },
    capacity: 130,
    want: { a: 70, b: 60 },
  },
  {
    name: "quotas above capacity: step 1 in proportion to min(quota, demand)",
    queues: [q("a", { quota: 90 }), q("b", { quota: 60 })],
    demand: { a: 100, b: 100 },
    capacity: 100,
    want: { a: 60, b: 40 },
  },
  {
    name: "weight 0: no surplus",
    queues: [q("a", { quota: 10, overQuotaWeight: 0 }), q("b", { quota: 10 })],
    demand: { a: 100, b: 30 },
    capacity: 100,
    want: { a: 10, b: 30 },
  },
  {
    name: "hierarchy: the parent's share split among its children the same way",
    queues: [
      q("org-1", { quota: 60 }),
      q("org-2", { quota: 40 }),
      q("a", { quota: 20 }, { parent: "org-1" }),
      q("b", { quota: 10, overQuotaWeight: 2 }, { parent: "org-1" }),
    ],
    demand: { a: 100, b: 100, "org-2": 100 },
    capacity: 100,
    want: { "org-1": 60, "org-2": 40, a: 30, b: 30 },
  },
  {
    name: "hierarchy: a parent's own pods share it as a child with no quota",
    queues: [q("org", {}), q("a", { quota: 10 }, { parent: "org" })],
    demand: { org: 50, a: 50 },
    capacity: 60,
    want: { org: 60, a: 35 },
  },
];

describe("fairShares", () => {
  it.each(cases)("$name", ({ queues, demand, capacity, want }) => {
    const d = new Map<string, Amounts>(Object.entries(demand).map(([k, v]) => [k, { cpu: v }]));
    const got = fairShares(queues, d, { cpu: capacity });
    const cpu = Object.fromEntries([...got].map(([k, v]) => [k, Math.round((v.cpu ?? 0) * 1000) / 1000]));
    expect(cpu).toEqual(want);
  });

  it("divides each resource on its own", () => {
    const queues: QueueNode[] = [
      { name: "a", resources: { cpu: { quota: 60 }, gpu: { quota: 2 } } },
      { name: "b", resources: { cpu: { quota: 40 }, gpu: { quota: 6 } } },
    ];
    const d = new Map<string, Amounts>([
      ["a", { cpu: 100, gpu: 8 }],
      ["b", { cpu: 100, gpu: 8 }],
    ]);
    expect(Object.fromEntries(fairShares(queues, d, { cpu: 100, gpu: 8 }))).toEqual({
      a: { cpu: 60, gpu: 2 },
      b: { cpu: 40, gpu: 6 },
    });
  });

  it("treats a missing parent and a cycle of parents as top level", () => {
    const { parentOf } = queueTree([
      { name: "a", parent: "gone" },
      { name: "b", parent: "c" },
      { name: "c", parent: "b" },
      { name: "d", parent: "b" },
    ]);
    expect(Object.fromEntries(parentOf)).toEqual({ a: undefined, b: undefined, c: undefined, d: "b" });
  });
});
