import { describe, expect, it } from "vitest";
import { applyMergePatch, applyStrategicMergePatch } from "../src/index.js";
import { humanDuration, jsonPath } from "../src/util.js";

const podSpec = {
  spec: {
    containers: [
      {
        name: "a",
        image: "a:1",
        env: [
          { name: "X", value: "1" },
          { name: "Y", value: "2" },
        ],
        ports: [{ containerPort: 80 }],
      },
      { name: "b", image: "b:1" },
    ],
    tolerations: [{ key: "k", operator: "Exists" }],
  },
  metadata: { finalizers: ["f1"], labels: { a: "1", b: "2" } },
};

describe("strategic merge patch (built-in kinds)", () => {
  it.each([
    [
      "merges containers by name and env by name",
      { spec: { containers: [{ name: "a", env: [{ name: "Y", value: "3" }] }] } },
      (o: typeof podSpec) => o.spec.containers[0]?.env,
      [
        { name: "X", value: "1" },
        { name: "Y", value: "3" },
      ],
    ],
    [
      "appends a new container",
      { spec: { containers: [{ name: "c", image: "c:1" }] } },
      (o: typeof podSpec) => o.spec.containers.map((c) => c.name),
      ["a", "b", "c"],
    ],
    [
      "deletes a list item with $patch: delete",
      { spec: { containers: [{ name: "a", $patch: "delete" }] } },
      (o: typeof podSpec) => o.spec.containers.map((c) => c.name),
      ["b"],
    ],
    [
      "reorders with $setElementOrder",
      {
        spec: { $setElementOrder: undefined, "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] },
      },
      (o: typeof podSpec) => o.spec.containers.map((c) => c.name),
      ["b", "a"],
    ],
    [
      "replaces a list with a $patch: replace item",
      { spec: { containers: [{ $patch: "replace" }, { name: "z", image: "z" }] } },
      (o: typeof podSpec) => o.spec.containers,
      [{ name: "z", image: "z" }],
    ],
    [
      "replaces lists without a merge key (tolerations)",
      { spec: { tolerations: [{ key: "n", operator: "Equal", value: "v" }] } },
      (o: typeof podSpec) => o.spec.tolerations,
      [{ key: "n", operator: "Equal", value: "v" }],
    ],
    [
      "merges container ports by containerPort",
      {
        spec: {
          containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] }],
        },
      },
      (o: typeof podSpec) => o.spec.containers[0]?.ports,
      [{ containerPort: 80, name: "http" }, { containerPort: 443 }],
    ],
    [
      "unions finalizers and deletes from primitive lists",
      { metadata: { finalizers: ["f2"], "$deleteFromPrimitiveList/finalizers": ["f1"] } },
      (o: typeof podSpec) => o.metadata.finalizers,
      ["f2"],
    ],
    [
      "deletes a key with null and replaces a map with $patch: replace",
      { metadata: { labels: { $patch: "replace", c: "3" } } },
      (o: typeof podSpec) => o.metadata.labels,
      { c: "3" },
    ],
    [
      "retains only $retainKeys",
      { metadata: { labels: { $retainKeys: ["b"], b: "9" } } },
      (o: typeof podSpec) => o.metadata.labels,
      { b: "9" },
    ],
  ] as const)("%s", (_name, patch, pick, want) => {
    const out = applyStrategicMergePatch(podSpec, patch) as typeof podSpec;
    expect(pick(out)).toEqual(want);
    expect(podSpec.spec.containers).toHaveLength(2);
  });

  it("rejects unknown directives", () => {
    expect(() => applyStrategicMergePatch(podSpec, { spec: { $patch: "explode" } })).toThrow(
      /unknown patch directive/,
    );
  });
});

describe("merge patch (RFC 7386)", () => {
  it.each([
    [{ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }, { a: 1, b: { d: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: null }, {}],
  ])("%j + %j", (doc, patch, want) => {
    expect(applyMergePatch(doc, patch)).toEqual(want);
  });
});

describe("printing helpers", () => {
  it.each([
    [0, "0s"],
    [59_000, "59s"],
    [119_000, "119s"],
    [5 * 60_000 + 7000, "5m7s"],
    [42 * 60_000, "42m"],
    [3 * 3600_000 + 2 * 60_000, "3h2m"],
    [30 * 3600_000, "30h"],
    [3 * 86400_000 + 4 * 3600_000, "3d4h"],
    [696 * 86400_000, "696d"],
    [3 * 365 * 86400_000, "3y"],
  ])("humanDuration(%d) = %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it.each([
    [".spec.replicas", [3]],
    ['.status.conditions[?(@.type=="Ready")].status', ["True"]],
    [".status.conditions[*].type", ["Ready", "Done"]],
    [".status.conditions[-1].type", ["Done"]],
    ["{.metadata.labels['app']}", ["x"]],
    [".missing.path", []],
  ])("jsonPath %s", (expr, want) => {
    const o = {
      metadata: { labels: { app: "x" } },
      spec: { replicas: 3 },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Done", status: "False" },
        ],
      },
    };
    expect(jsonPath(o, expr)).toEqual(want);
  });
});
