// The JSON helpers every layer shares (src/json.ts): one deepEqual, clone and getPath.
import { describe, expect, it } from "vitest";
import { clone, deepEqual, getPath } from "../src/json.js";

describe("deepEqual", () => {
  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, u: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [Number.NaN, Number.NaN, true],
    [null, {}, false],
  ])("%j ~ %j is %s", (a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
    expect(deepEqual(b, a)).toBe(want);
  });
});

describe("clone", () => {
  it("copies deeply, drops undefined keys, and keeps __proto__ as an own key", () => {
    const src = JSON.parse('{"a":{"b":[1,{"c":2}]},"__proto__":{"x":1}}') as Record<string, unknown>;
    src.u = undefined;
    const out = clone(src);
    expect(out).not.toBe(src);
    expect((out.a as { b: unknown[] }).b).not.toBe((src.a as { b: unknown[] }).b);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "u")).toBe(false);
    expect(deepEqual(out, src)).toBe(true);
  });
});

describe("getPath", () => {
  const o = { metadata: { name: "x" }, spec: { nodeName: "" }, list: [1] };
  it.each([
    ["metadata.name", "x"],
    [".metadata.name", "x"],
    ["spec.nodeName", ""],
    ["spec.missing", undefined],
    ["list.0", undefined],
    ["metadata.constructor", undefined],
  ])("%s is %j", (path, want) => {
    expect(getPath(o, path)).toBe(want);
  });
});
