import { describe, expect, it } from "vitest";
import {
  ApiError,
  type Condition,
  conditionsEqual,
  controllerReference,
  deepEqual,
  deepFreeze,
  errorCode,
  findCondition,
  forEachLimit,
  getControllerOf,
  isConditionTrue,
  isControlledBy,
  isOwnedBy,
  lastErrorsEqual,
  memoryLogger,
  OwnerReferenceError,
  ReconcileError,
  RequeueAfterError,
  removeCondition,
  removeOwnerReference,
  setCondition,
  toLastErrors,
  upsertOwnerReference,
} from "../src/index.js";

describe("deepEqual", () => {
  it.each([
    [1, 1, true],
    [1, "1", false],
    [Number.NaN, Number.NaN, true],
    [null, null, true],
    [null, undefined, false],
    [{}, [], false],
    [[1, [2, { a: 3 }]], [1, [2, { a: 3 }]], true],
    [[1, 2], [2, 1], false],
    [{ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 1 }, { b: 1 }, false],
    [new Date(5), new Date(5), true],
    [new Date(5), { getTime: 5 }, false],
  ])("%j vs %j is %s", (a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
    expect(deepEqual(b, a)).toBe(want);
  });

  it("deepFreeze freezes nested values", () => {
    const o = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(o.a.b[1])).toBe(true);
    expect(() => {
      (o.a as { b: unknown }).b = 1;
    }).toThrow(TypeError);
  });
});

describe("conditions", () => {
  const t0 = new Date("2026-01-01T00:00:00.123Z");
  const t1 = new Date("2026-01-01T00:05:00Z");
  const ready: Condition = {
    type: "Ready",
    status: "False",
    lastTransitionTime: "2026-01-01T00:00:00Z",
    reason: "Wait",
    message: "",
  };

  it.each([
    ["same status keeps the time", "False", "Other", "2026-01-01T00:00:00Z"],
    ["new status moves the time", "True", "Up", "2026-01-01T00:05:00Z"],
  ] as const)("%s", (_, status, reason, time) => {
    const out = setCondition([ready], { type: "Ready", status, reason }, t1);
    expect(out).toEqual([{ type: "Ready", status, reason, message: "", lastTransitionTime: time }]);
  });

  it("adds a new condition at the end with the time at second precision, not mutating the input", () => {
    const input = Object.freeze([ready]);
    const out = setCondition(input, { type: "Scheduled", status: "True", observedGeneration: 2 }, t0);
    expect(out.map((c) => c.type)).toEqual(["Ready", "Scheduled"]);
    expect(findCondition(out, "Scheduled")).toEqual({
      type: "Scheduled",
      status: "True",
      observedGeneration: 2,
      lastTransitionTime: "2026-01-01T00:00:00Z",
      reason: "",
      message: "",
    });
    expect(input).toHaveLength(1);
  });

  it("isConditionTrue / removeCondition", () => {
    const out = setCondition(undefined, { type: "A", status: "True" }, t0);
    expect(isConditionTrue(out, "A")).toBe(true);
    expect(isConditionTrue(out, "B")).toBe(false);
    expect(removeCondition(out, "A")).toEqual([]);
  });

  it.each([
    ["timestamps ignored", [ready], [{ ...ready, lastTransitionTime: "2030-01-01T00:00:00Z" }], true],
    ["order ignored", [ready, { ...ready, type: "B" }], [{ ...ready, type: "B" }, ready], true],
    ["reason matters", [ready], [{ ...ready, reason: "X" }], false],
    ["message matters", [ready], [{ ...ready, message: "X" }], false],
    ["generation matters", [ready], [{ ...ready, observedGeneration: 1 }], false],
    ["length matters", [ready], [], false],
    ["undefined is empty", undefined, [], true],
  ] as const)("conditionsEqual: %s", (_, a, b, want) => {
    expect(conditionsEqual(a, b)).toBe(want);
  });
});

describe("owner references", () => {
  const type = {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    plural: "podcliquesets",
    namespaced: true,
  };
  const owner = { metadata: { name: "pcs", uid: "u1" } };

  it("controllerReference marks controller and blockOwnerDeletion", () => {
    expect(controllerReference(owner, type)).toEqual({
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      name: "pcs",
      uid: "u1",
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(() => controllerReference({ metadata: { name: "x" } }, type)).toThrow("metadata.uid");
  });

  it("upsert replaces by uid, refuses a second controller, remove drops by uid", () => {
    const ref = controllerReference(owner, type);
    const refs = upsertOwnerReference(undefined, ref);
    expect(upsertOwnerReference(refs, { ...ref, name: "renamed" })).toEqual([{ ...ref, name: "renamed" }]);
    expect(() => upsertOwnerReference(refs, { ...ref, uid: "u2" })).toThrow(OwnerReferenceError);
    const two = upsertOwnerReference(refs, { ...ref, uid: "u2", controller: false });
    expect(two).toHaveLength(2);
    const child = { metadata: { ownerReferences: two } };
    expect(getControllerOf(child)?.uid).toBe("u1");
    expect(isControlledBy(child, "u1")).toBe(true);
    expect(isControlledBy(child, "u2")).toBe(false);
    expect(isOwnedBy(child, "u2")).toBe(true);
    expect(removeOwnerReference(two, "u1").map((r) => r.uid)).toEqual(["u2"]);
  });
});

describe("reconcile errors and logging", () => {
  const now = new Date("2026-02-03T04:05:06.789Z");
  it.each([
    [new ReconcileError("ERR_SYNC_PODS", "pods failed"), "ERR_SYNC_PODS"],
    [new RequeueAfterError("waiting"), "ERR_REQUEUE_AFTER"],
    [
      new ApiError({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        code: 409,
        reason: "Conflict",
      }),
      "ERR_API_CONFLICT",
    ],
    [new Error("plain"), "ERR_UNKNOWN"],
    ["a string", "ERR_UNKNOWN"],
  ])("errorCode(%s) is %s", (err, code) => {
    expect(errorCode(err)).toBe(code);
  });

  it("toLastErrors records code, description and the observation time", () => {
    const errs = toLastErrors([new ReconcileError("ERR_X", "x broke")], now);
    expect(errs).toEqual([{ code: "ERR_X", description: "x broke", observedAt: "2026-02-03T04:05:06Z" }]);
    expect(lastErrorsEqual(errs, toLastErrors([new ReconcileError("ERR_X", "x broke")], new Date(0)))).toBe(
      true,
    );
    expect(lastErrorsEqual(errs, [])).toBe(false);
  });

  it("memoryLogger keeps structured records with inherited values and level filtering", () => {
    const { logger, records } = memoryLogger("info");
    const l = logger.with({ controller: "pcs" });
    l.debug("hidden");
    l.info("reconciled", { key: "ns/a" });
    l.error("failed", { code: "ERR_X" });
    expect(records.map((r) => [r.level, r.msg, r.values])).toEqual([
      ["info", "reconciled", { controller: "pcs", key: "ns/a" }],
      ["error", "failed", { controller: "pcs", code: "ERR_X" }],
    ]);
  });
});

describe("forEachLimit", () => {
  it("keeps at most `limit` calls in flight, in the items' order", async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it("starts nothing after the first failure and throws it once the running calls end", async () => {
    const started: number[] = [];
    let finished = 0;
    const run = forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await new Promise((r) => setTimeout(r, n === 1 ? 1 : 10));
      if (n === 1) throw new Error("one failed");
      finished++;
    });
    await expect(run).rejects.toThrow("one failed");
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1);
  });

  it("refuses a limit below 1", async () => {
    await expect(forEachLimit([1], 0, async () => {})).rejects.toThrow(
      "limit: must be an integer >= 1, got 0",
    );
  });
});
