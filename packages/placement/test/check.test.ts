// Every way the contract rejects a problem: a PlacementProblemError with a stable code naming the field.
import { describe, expect, it } from "vitest";
import { checkProblem, PlacementProblemError, parseQuantity, solve } from "../src/index.js";

const base = () =>
  ({
    topology: {
      levels: [
        { domain: "block", key: "b" },
        { domain: "rack", key: "r" },
      ],
    },
    nodes: [{ name: "n1", labels: { b: "b1", r: "r1" }, allocatable: { cpu: "8", pods: 10 } }],
    gangs: [
      {
        name: "g",
        constraint: { required: "block" },
        groups: [
          { name: "x", count: 2, requests: { cpu: "500m" } },
          { name: "y", count: 1 },
        ],
        subGroups: [{ name: "s", groups: ["x"], constraint: { required: "rack" } }],
      },
    ],
  }) as Record<string, any>;

const cases: [string, (p: Record<string, any>) => unknown, string, string][] = [
  ["problem is not an object", () => ({ replaceWith: [] }), "FieldValueTypeInvalid", "problem"],
  ["nodes missing", (p) => delete p.nodes, "FieldValueRequired", "nodes"],
  ["gangs missing", (p) => delete p.gangs, "FieldValueRequired", "gangs"],
  ["nodes not an array", (p) => (p.nodes = {}), "FieldValueTypeInvalid", "nodes"],
  ["levels not an array", (p) => (p.topology.levels = "x"), "FieldValueTypeInvalid", "topology.levels"],
  [
    "level without key",
    (p) => delete p.topology.levels[1].key,
    "FieldValueRequired",
    "topology.levels[1].key",
  ],
  [
    "duplicate domain",
    (p) => (p.topology.levels[1].domain = "block"),
    "FieldValueDuplicate",
    "topology.levels[1].domain",
  ],
  [
    "duplicate level key",
    (p) => (p.topology.levels[1].key = "b"),
    "FieldValueDuplicate",
    "topology.levels[1].key",
  ],
  ["node without name", (p) => delete p.nodes[0].name, "FieldValueRequired", "nodes[0].name"],
  ["node name not a string", (p) => (p.nodes[0].name = 7), "FieldValueTypeInvalid", "nodes[0].name"],
  ["duplicate node names", (p) => p.nodes.push({ ...p.nodes[0] }), "FieldValueDuplicate", "nodes[1].name"],
  [
    "node without allocatable",
    (p) => delete p.nodes[0].allocatable,
    "FieldValueRequired",
    "nodes[0].allocatable",
  ],
  [
    "malformed quantity",
    (p) => (p.nodes[0].allocatable.cpu = "8 cores"),
    "FieldValueInvalid",
    "nodes[0].allocatable[cpu]",
  ],
  [
    "negative quantity",
    (p) => (p.nodes[0].allocated = { cpu: "-1" }),
    "FieldValueInvalid",
    "nodes[0].allocated[cpu]",
  ],
  [
    "quantity of a bad type",
    (p) => (p.nodes[0].allocatable.cpu = true),
    "FieldValueTypeInvalid",
    "nodes[0].allocatable[cpu]",
  ],
  ["label not a string", (p) => (p.nodes[0].labels.b = 1), "FieldValueTypeInvalid", "nodes[0].labels[b]"],
  [
    "unschedulable not a boolean",
    (p) => (p.nodes[0].unschedulable = "yes"),
    "FieldValueTypeInvalid",
    "nodes[0].unschedulable",
  ],
  [
    "taint effect unknown",
    (p) => (p.nodes[0].taints = [{ key: "k", effect: "Never" }]),
    "FieldValueInvalid",
    "nodes[0].taints[0].effect",
  ],
  [
    "taint without key",
    (p) => (p.nodes[0].taints = [{ effect: "NoSchedule" }]),
    "FieldValueRequired",
    "nodes[0].taints[0].key",
  ],
  ["gang without groups", (p) => (p.gangs[0].groups = []), "FieldValueRequired", "gangs[0].groups"],
  [
    "duplicate gang names",
    (p) => p.gangs.push({ name: "g", groups: [{ name: "z", count: 1 }] }),
    "FieldValueDuplicate",
    "gangs[1].name",
  ],
  [
    "priority not a number",
    (p) => (p.gangs[0].priority = "high"),
    "FieldValueTypeInvalid",
    "gangs[0].priority",
  ],
  [
    "duplicate group names in a gang",
    (p) => (p.gangs[0].groups[1].name = "x"),
    "FieldValueDuplicate",
    "gangs[0].groups[1].name",
  ],
  [
    "duplicate group names across gangs",
    (p) => p.gangs.push({ name: "h", groups: [{ name: "x", count: 1 }] }),
    "FieldValueDuplicate",
    "gangs[1].groups[0].name",
  ],
  [
    "count missing",
    (p) => delete p.gangs[0].groups[0].count,
    "FieldValueRequired",
    "gangs[0].groups[0].count",
  ],
  [
    "count not an integer",
    (p) => (p.gangs[0].groups[0].count = 1.5),
    "FieldValueInvalid",
    "gangs[0].groups[0].count",
  ],
  [
    "count negative",
    (p) => (p.gangs[0].groups[0].count = -1),
    "FieldValueInvalid",
    "gangs[0].groups[0].count",
  ],
  [
    "count above the limit",
    (p) => (p.gangs[0].groups[0].count = 2_000_000),
    "FieldValueInvalid",
    "gangs[0].groups[0].count",
  ],
  [
    "minCount > count",
    (p) => (p.gangs[0].groups[0].minCount = 3),
    "FieldValueInvalid",
    "gangs[0].groups[0].minCount",
  ],
  [
    "requests.pods other than 1",
    (p) => (p.gangs[0].groups[0].requests.pods = 2),
    "FieldValueInvalid",
    "gangs[0].groups[0].requests[pods]",
  ],
  [
    "unknown required domain",
    (p) => (p.gangs[0].constraint.required = "zone"),
    "FieldValueNotFound",
    "gangs[0].constraint.required",
  ],
  [
    "unknown preferred domain",
    (p) => (p.gangs[0].groups[1].constraint = { preferred: "host" }),
    "FieldValueNotFound",
    "gangs[0].groups[1].constraint.preferred",
  ],
  [
    "a constraint without topology",
    (p) => delete p.topology,
    "FieldValueNotFound",
    "gangs[0].constraint.required",
  ],
  [
    "preferred broader than required",
    (p) => (p.gangs[0].constraint = { required: "rack", preferred: "block" }),
    "FieldValueInvalid",
    "gangs[0].constraint.preferred",
  ],
  [
    "sub-group broader than the gang",
    (p) => {
      p.gangs[0].constraint = { required: "rack" };
      p.gangs[0].subGroups[0].constraint = { required: "block" };
    },
    "FieldValueInvalid",
    "gangs[0].subGroups[0].constraint.required",
  ],
  [
    "group broader than its sub-group",
    (p) => (p.gangs[0].groups[0].constraint = { required: "block" }),
    "FieldValueInvalid",
    "gangs[0].groups[0].constraint.required",
  ],
  [
    "group preferred broader than the gang's required",
    (p) => {
      p.gangs[0].constraint = { required: "rack" };
      p.gangs[0].groups[1].constraint = { preferred: "block" };
    },
    "FieldValueInvalid",
    "gangs[0].groups[1].constraint.preferred",
  ],
  [
    "sub-group naming an unknown group",
    (p) => p.gangs[0].subGroups[0].groups.push("nope"),
    "FieldValueNotFound",
    "gangs[0].subGroups[0].groups[1]",
  ],
  [
    "a group in two sub-groups",
    (p) => p.gangs[0].subGroups.push({ name: "t", groups: ["x"] }),
    "FieldValueDuplicate",
    "gangs[0].subGroups[1].groups[0]",
  ],
  [
    "sub-group named like a group",
    (p) => (p.gangs[0].subGroups[0].name = "y"),
    "FieldValueDuplicate",
    "gangs[0].subGroups[0].name",
  ],
  [
    "nodeSelector value not a string",
    (p) => (p.gangs[0].groups[0].nodeSelector = { a: 1 }),
    "FieldValueTypeInvalid",
    "gangs[0].groups[0].nodeSelector[a]",
  ],
  [
    "toleration operator unknown",
    (p) => (p.gangs[0].groups[0].tolerations = [{ key: "k", operator: "Is" }]),
    "FieldValueInvalid",
    "gangs[0].groups[0].tolerations[0].operator",
  ],
  [
    "toleration Exists with a value",
    (p) => (p.gangs[0].groups[0].tolerations = [{ key: "k", operator: "Exists", value: "v" }]),
    "FieldValueInvalid",
    "gangs[0].groups[0].tolerations[0].value",
  ],
  [
    "toleration with empty key and Equal",
    (p) => (p.gangs[0].groups[0].tolerations = [{ value: "v" }]),
    "FieldValueInvalid",
    "gangs[0].groups[0].tolerations[0].operator",
  ],
  ...(
    [
      [{ key: "a", operator: "Near" }, "operator"],
      [{ key: "a", operator: "In" }, "values"],
      [{ key: "a", operator: "Exists", values: ["x"] }, "values"],
      [{ key: "a", operator: "Gt", values: ["x"] }, "values"],
      [{ key: "a", operator: "Lt", values: ["1", "2"] }, "values"],
      [{ operator: "Exists" }, "key"],
    ] as const
  ).map(([expr, leaf]): [string, (p: Record<string, any>) => unknown, string, string] => [
    `affinity requirement ${JSON.stringify(expr)}`,
    (p) =>
      (p.gangs[0].groups[0].affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [expr] }],
          },
        },
      }),
    leaf === "key"
      ? "FieldValueRequired"
      : leaf === "values" && !("values" in expr)
        ? "FieldValueRequired"
        : "FieldValueInvalid",
    `gangs[0].groups[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].${leaf}`,
  ]),
  [
    "matchFields on an unsupported field",
    (p) =>
      (p.gangs[0].groups[0].affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "spec.x", operator: "In", values: ["a"] }] }],
          },
        },
      }),
    "FieldValueNotFound",
    "gangs[0].groups[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key",
  ],
  [
    "options.spread not a boolean",
    (p) => (p.options = { spread: 1 }),
    "FieldValueTypeInvalid",
    "options.spread",
  ],
];

// Sparse arrays (JS callers only; JSON has no holes): a hole is an undefined entry.
const sparse = (length: number, entries: Record<number, unknown>) =>
  Object.assign(new Array(length), entries);
cases.push(
  [
    "a hole in the gangs",
    (p) => (p.gangs = sparse(3, { 0: p.gangs[0], 2: p.gangs[0] })),
    "FieldValueTypeInvalid",
    "gangs[1]",
  ],
  [
    "a hole in a sub-group's groups",
    (p) => (p.gangs[0].subGroups[0].groups = sparse(2, { 1: "x" })),
    "FieldValueRequired",
    "gangs[0].subGroups[0].groups[0]",
  ],
  [
    "a hole in an expression's values",
    (p) =>
      (p.gangs[0].groups[1].affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "b", operator: "In", values: sparse(3, { 0: "b1", 2: "b2" }) }] },
            ],
          },
        },
      }),
    "FieldValueTypeInvalid",
    "gangs[0].groups[1].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[1]",
  ],
);

describe("checkProblem rejects", () => {
  it.each(cases)("%s", (_name, mutate, code, field) => {
    const p = base();
    const out = mutate(p) as { replaceWith?: unknown } | undefined;
    const input = out && typeof out === "object" && "replaceWith" in out ? out.replaceWith : p;
    let err: unknown;
    try {
      checkProblem(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlacementProblemError);
    const e = err as PlacementProblemError;
    expect({ code: e.code, field: e.field }).toEqual({ code, field });
    expect(e.message.startsWith(`${field}: `)).toBe(true);
    // solve() rejects the same way, before any engine runs.
    expect(() => solve(input, { engine: "js" })).toThrow(PlacementProblemError);
  });

  it("accepts the base problem", () => {
    expect(checkProblem(base()).gangs[0]?.groups).toHaveLength(2);
  });
});

describe("parseQuantity", () => {
  it.each([
    ["500m", 500],
    ["1", 1000],
    [8, 8000],
    [0.5, 500],
    ["1Ki", 1024000],
    ["1Gi", 1073741824000],
    ["1.5Gi", 1610612736000],
    ["2k", 2000000],
    ["1M", 1e9],
    ["1e3", 1e6],
    ["1E-3", 1],
    ["100u", 1],
    ["1n", 1],
    ["0.1", 100],
    [".5", 500],
    ["+2", 2000],
    ["-0", 0],
    // Beyond 2^53 thousandths (~8 TiB): nodes report such values (ephemeral-storage).
    ["28Ti", 28000 * 2 ** 40],
    ["30T", 3e16],
  ] as const)("%s is %d thousandths", (q, want) => {
    expect(parseQuantity(q, "f")).toBe(want);
  });

  it("places pods on a node whose allocatable is above 2^53 thousandths", () => {
    const r = solve({
      nodes: [{ name: "n", allocatable: { cpu: "8", "ephemeral-storage": "28Ti", pods: "110" } }],
      gangs: [{ name: "g", groups: [{ name: "w", count: 2, requests: { "ephemeral-storage": "14Ti" } }] }],
    });
    expect(r.gangs[0]?.groups[0]?.nodes).toEqual(["n", "n"]);
    const over = solve({
      nodes: [{ name: "n", allocatable: { "ephemeral-storage": "28Ti", pods: "110" } }],
      gangs: [{ name: "g", groups: [{ name: "w", count: 3, requests: { "ephemeral-storage": "14Ti" } }] }],
    });
    expect(over.gangs[0]?.placed).toBe(false);
  });

  it.each(["", "1.2.3", "m", "1Qi", "1 Gi", "0x10", "Infinity", "1e400"])("rejects %j", (q) => {
    expect(() => parseQuantity(q, "f")).toThrow(PlacementProblemError);
  });
});
