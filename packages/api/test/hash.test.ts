import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  fnv64a,
  podCliqueSetGenerationHash,
  podTemplateHash,
  safeEncodeString,
} from "../src/hash.js";
import type { PodCliqueSet, PodCliqueTemplateSpec } from "../src/types.js";

const clique = (over: Partial<PodCliqueTemplateSpec> = {}): PodCliqueTemplateSpec => ({
  name: "a",
  labels: { x: "1", y: "2" },
  spec: { roleName: "a", replicas: 2, podSpec: { containers: [{ name: "c", image: "nginx:1" }] } },
  ...over,
});

describe("FNV-1a 64 and SafeEncodeString", () => {
  it.each([
    ["", 0xcbf29ce484222325n],
    ["a", 0xaf63dc4c8601ec8cn],
    ["foobar", 0x85944171f73967e8n],
  ])("fnv64a(%j)", (text, want) => {
    expect(fnv64a(text)).toBe(want);
  });

  it("maps characters onto the vowel-free alphabet", () => {
    // '0' is char code 48 -> 48 % 27 = 21 -> '4'; '9' is 57 -> 3 -> 'f'.
    expect(safeEncodeString("09")).toBe("4f");
    expect(safeEncodeString("0123456789")).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });

  it("serialises with sorted keys and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[1,{"f":2}]},"b":1}',
    );
  });
});

describe("pod template hash", () => {
  const base = podTemplateHash(clique());

  it("is deterministic and independent of key order", () => {
    expect(podTemplateHash(clique({ labels: { y: "2", x: "1" } }))).toBe(base);
    expect(base).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it.each([
    ["a label", clique({ labels: { x: "1", y: "3" } }), undefined],
    ["an annotation", clique({ annotations: { note: "n" } }), undefined],
    [
      "the podSpec",
      clique({
        spec: { roleName: "a", replicas: 2, podSpec: { containers: [{ name: "c", image: "nginx:2" }] } },
      }),
      undefined,
    ],
    ["the PCS priorityClassName", clique(), "high"],
  ])("changes with %s", (_what, c, pc) => {
    expect(podTemplateHash(c, pc)).not.toBe(base);
  });

  it.each([
    ["replicas", clique({ spec: { roleName: "a", replicas: 5, podSpec: clique().spec.podSpec } })],
    ["minAvailable", clique({ spec: { ...clique().spec, minAvailable: 1 } })],
    ["an empty annotation map", clique({ annotations: {} })],
  ])("ignores %s", (_what, c) => {
    expect(podTemplateHash(c)).toBe(base);
  });
});

describe("PodCliqueSet generation hash", () => {
  const pcs = (cliques: PodCliqueTemplateSpec[], priorityClassName?: string, replicas = 1): PodCliqueSet => ({
    spec: { replicas, template: { cliques, ...(priorityClassName ? { priorityClassName } : {}) } },
  });
  const base = podCliqueSetGenerationHash(pcs([clique(), clique({ name: "b" })]));

  it("covers every clique's template and the priorityClassName, not replicas", () => {
    expect(podCliqueSetGenerationHash(pcs([clique(), clique({ name: "b" })], undefined, 7))).toBe(base);
    expect(podCliqueSetGenerationHash(pcs([clique(), clique({ name: "b", labels: { z: "1" } })]))).not.toBe(
      base,
    );
    expect(podCliqueSetGenerationHash(pcs([clique(), clique({ name: "b" })], "high"))).not.toBe(base);
  });
});
