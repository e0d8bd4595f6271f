// Shared-status JSON patches, resourceVersion order and the status memory (src/status-patch.ts). The
// patches' guards are exercised against the real API server where their writers live
// (packages/controllers/test/podgang-status.test.ts, packages/scheduler/test/gang-status.test.ts);
// here, which ops each starting status gets.
import { describe, expect, it } from "vitest";
import {
  type Condition,
  compareResourceVersions,
  type KubeObject,
  StatusMemory,
  statusPatchOps,
} from "../src/index.js";

const cond = (
  type: string,
  status: "True" | "False",
  lastTransitionTime = "2026-11-29T00:00:00Z",
): Condition => ({
  type,
  status,
  reason: type,
  message: `${type} ${status}`,
  lastTransitionTime,
});

const obj = (status?: Record<string, unknown>) =>
  ({
    metadata: { name: "g", uid: "u", resourceVersion: "7" },
    ...(status ? { status } : {}),
  }) as KubeObject & {
    status?: { conditions?: Condition[] };
  };

const lock = { op: "test", path: "/metadata/resourceVersion", value: "7" };

describe("statusPatchOps", () => {
  const init = cond("Initialized", "True");
  const sched = cond("Scheduled", "False");
  it.each([
    {
      name: "no status: the first status, initial fields included, behind the resourceVersion",
      base: obj(),
      want: { initial: { phase: "Pending" }, condition: init },
      ops: [lock, { op: "add", path: "/status", value: { phase: "Pending", conditions: [init] } }],
    },
    {
      name: "no status and nothing wanted: nothing",
      base: obj(),
      want: {},
      ops: [],
    },
    {
      name: "initial fields are ignored once there is a status",
      base: obj({ conditions: [sched] }),
      want: { initial: { phase: "Pending" }, condition: init },
      ops: [
        { op: "test", path: "/status/conditions", value: [sched] },
        { op: "add", path: "/status/conditions/-", value: init },
      ],
    },
    {
      name: "no list yet: the list behind the resourceVersion, which comes first",
      base: obj({ phase: "Pending" }),
      want: { fields: { phase: "Running" }, condition: init },
      ops: [
        lock,
        { op: "add", path: "/status/phase", value: "Running" },
        { op: "add", path: "/status/conditions", value: [init] },
      ],
    },
    {
      name: "another writer's condition: in place, behind a test of the index's type",
      base: obj({ conditions: [sched, cond("Initialized", "False")] }),
      want: { condition: init },
      ops: [
        { op: "test", path: "/status/conditions/1/type", value: "Initialized" },
        { op: "replace", path: "/status/conditions/1", value: init },
      ],
    },
    {
      name: "a changed transition time alone is a change",
      base: obj({ conditions: [cond("Initialized", "True", "2026-11-28T00:00:00Z")] }),
      want: { condition: init },
      ops: [
        { op: "test", path: "/status/conditions/0/type", value: "Initialized" },
        { op: "replace", path: "/status/conditions/0", value: init },
      ],
    },
    {
      name: "already there: nothing",
      base: obj({ phase: "Running", conditions: [init] }),
      want: { fields: { phase: "Running" }, condition: init },
      ops: [],
    },
    {
      name: "field names are JSON pointers, structured values compared deeply",
      base: obj({ "a/b": { x: 1 }, "c~d": { x: 1 } }),
      want: { fields: { "a/b": { x: 1 }, "c~d": { x: 2 } } },
      ops: [{ op: "add", path: "/status/c~0d", value: { x: 2 } }],
    },
  ])("$name", ({ base, want, ops }) => {
    expect(statusPatchOps(base, want)).toEqual(ops);
  });
});

describe("compareResourceVersions", () => {
  it.each([
    ["5", "7", -1],
    ["7", "7", 0],
    ["10", "9", 1],
    ["18446744073709551616", "18446744073709551615", 1],
    ["a", "b", undefined],
    ["7", undefined, undefined],
    ["", "1", undefined],
  ] as const)("%s vs %s", (a, b, want) => {
    expect(compareResourceVersions(a, b)).toBe(want);
  });
});

describe("StatusMemory", () => {
  const at = (uid: string, rv: string, generation: number, status: unknown) =>
    ({
      metadata: { uid, name: uid, namespace: "default", resourceVersion: rv, generation },
      status,
    }) as KubeObject & {
      status?: unknown;
    };
  // [case, written rv and generation, cached rv and generation, which newest() returns, memories kept]
  it.each([
    ["a stale cache yields the write", ["7", 1], ["5", 1], "written", 1],
    ["the cache at the write's version wins", ["7", 1], ["7", 1], "cached", 0],
    ["a newer cache wins", ["7", 1], ["9", 1], "cached", 0],
    ["a newer generation in the cache wins", ["7", 1], ["5", 2], "cached", 0],
    ["opaque resourceVersions: the cache wins", ["b", 1], ["a", 1], "cached", 0],
  ] as const)("%s", (_name, written, cached, want, kept) => {
    const m = new StatusMemory();
    const w = at("u", written[0], written[1], { phase: "written" });
    const c = at("u", cached[0], cached[1], { phase: "cached" });
    m.record(w);
    expect(m.newest(c)).toBe(want === "written" ? w : c);
    expect(m.size).toBe(kept);
  });
  it("asking again with the remembered object keeps it (the cache has not caught up)", () => {
    const m = new StatusMemory();
    const w = at("u", "7", 1, {});
    m.record(w);
    expect(m.newest(m.newest(at("u", "5", 1, {})))).toBe(w);
    expect(m.newest(at("u", "5", 1, {}))).toBe(w);
    expect(m.size).toBe(1);
  });
  it("keys by uid and forgets deleted objects", () => {
    const m = new StatusMemory();
    const w = at("u", "7", 1, {});
    m.record(w);
    const other = at("v", "5", 1, {});
    expect(m.newest(other)).toBe(other);
    expect(m.size).toBe(1);
    m.forget(w);
    expect(m.size).toBe(0);
    expect(m.newest(undefined)).toBeUndefined();
  });
});
