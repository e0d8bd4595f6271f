import { describe, expect, it } from "vitest";
import {
  checkSchema,
  formatFieldError,
  groveKindOf,
  isPodCliqueSet,
  kindOf,
  NotGroveObjectError,
  PodCliqueSetType,
  PodGangType,
} from "../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the cases build deliberately malformed objects
type Loose = any;

const pcs = (patch: (o: Record<string, Loose>) => void = () => {}) => {
  const o: Record<string, Loose> = {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: "simple1", labels: { "app.kubernetes.io/name": "x" } },
    spec: {
      replicas: 1,
      template: {
        cliques: [
          {
            name: "pca",
            spec: {
              roleName: "a",
              replicas: 2,
              podSpec: {
                containers: [
                  { name: "c", image: "nginx", resources: { requests: { cpu: 1, memory: "1Gi" } } },
                ],
              },
            },
          },
          { name: "pcb", spec: { roleName: "b", replicas: 1, podSpec: { containers: [{ name: "c" }] } } },
        ],
      },
    },
  };
  patch(o);
  return o;
};

describe("checkSchema", () => {
  it("accepts a valid PodCliqueSet", () => {
    expect(checkSchema(pcs())).toEqual([]);
  });

  it("leaves server-populated metadata to the server", () => {
    expect(
      checkSchema(
        pcs((o) => Object.assign(o.metadata, { creationTimestamp: null, uid: "u", generation: 2 })),
      ),
    ).toEqual([]);
  });

  const cases: Array<
    [string, (o: Record<string, Loose>) => void, { field: string; type: string; message?: RegExp }]
  > = [
    [
      "unknown field",
      (o) => {
        o.spec.foo = 1;
      },
      { field: "spec.foo", type: "FieldValueNotFound", message: /^unknown field "spec\.foo"$/ },
    ],
    [
      "unknown field inside the PodSpec",
      (o) => {
        o.spec.template.cliques[1].spec.podSpec.containers[0].imagePullPolicyy = "Always";
      },
      {
        field: "spec.template.cliques[1].spec.podSpec.containers[0].imagePullPolicyy",
        type: "FieldValueNotFound",
      },
    ],
    [
      "wrong type",
      (o) => {
        o.spec.template.cliques[1].spec.replicas = "2";
      },
      {
        field: "spec.template.cliques[1].spec.replicas",
        type: "FieldValueTypeInvalid",
        message: /must be of type integer: "string"/,
      },
    ],
    [
      "missing required key",
      (o) => {
        delete o.spec.template.cliques[0].spec.roleName;
      },
      { field: "spec.template.cliques[0].spec.roleName", type: "FieldValueRequired" },
    ],
    [
      "enum",
      (o) => {
        o.spec.template.cliqueStartupType = "Whenever";
      },
      {
        field: "spec.template.cliqueStartupType",
        type: "FieldValueNotSupported",
        message: /CliqueStartupTypeInOrder/,
      },
    ],
    [
      "pattern",
      (o) => {
        o.spec.template.topologyConstraint = { topologyName: "t", pack: { required: "Rack" } };
      },
      {
        field: "spec.template.topologyConstraint.pack.required",
        type: "FieldValueInvalid",
        message: /should match/,
      },
    ],
    [
      "max length",
      (o) => {
        o.spec.template.topologyConstraint = { topologyName: "t", pack: { preferred: "a".repeat(64) } };
      },
      { field: "spec.template.topologyConstraint.pack.preferred", type: "FieldValueTooLong" },
    ],
    [
      "Quantity that is neither integer nor string",
      (o) => {
        o.spec.template.cliques[0].spec.podSpec.containers[0].resources.requests.cpu = true;
      },
      {
        field: "spec.template.cliques[0].spec.podSpec.containers[0].resources.requests.cpu",
        type: "FieldValueTypeInvalid",
      },
    ],
    [
      "duplicate clique name (list-map key)",
      (o) => {
        o.spec.template.cliques[1].name = "pca";
      },
      { field: "spec.template.cliques[1]", type: "FieldValueDuplicate" },
    ],
    [
      "label value not a string",
      (o) => {
        o.metadata.labels.tier = 3;
      },
      { field: "metadata.labels.tier", type: "FieldValueTypeInvalid" },
    ],
    [
      "unknown metadata field",
      (o) => {
        o.metadata.lables = {};
      },
      { field: "metadata.lables", type: "FieldValueNotFound", message: /^unknown field "metadata\.lables"$/ },
    ],
    [
      "missing spec",
      (o) => {
        delete o.spec;
      },
      { field: "spec", type: "FieldValueRequired" },
    ],
  ];

  it.each(cases)("rejects %s with its field path", (_name, patch, want) => {
    const errors = checkSchema(pcs(patch));
    expect(errors).toHaveLength(1);
    const [e] = errors;
    expect(e).toMatchObject({ field: want.field, type: want.type });
    if (want.message) expect(e!.message).toMatch(want.message);
    expect(formatFieldError(e!)).toContain(want.field);
  });

  it("checks ClusterTopologyBinding minItems and key pattern", () => {
    const errors = checkSchema({
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      metadata: { name: "t" },
      spec: { levels: [] },
    });
    expect(errors).toMatchObject([{ field: "spec.levels", type: "FieldValueInvalid" }]);
    expect(
      checkSchema({
        apiVersion: "grove.io/v1alpha1",
        kind: "ClusterTopologyBinding",
        spec: { levels: [{ domain: "zone", key: "-bad-" }] },
      }),
    ).toMatchObject([{ field: "spec.levels[0].key", type: "FieldValueInvalid" }]);
  });

  it("throws NotGroveObjectError for other objects", () => {
    expect(() => checkSchema({ apiVersion: "v1", kind: "Pod" })).toThrow(NotGroveObjectError);
    expect(() => checkSchema({ apiVersion: "v1", kind: "Pod" })).toThrow(
      /no matches for kind "Pod" in version "v1"/,
    );
    expect(() => checkSchema("nope")).toThrow(NotGroveObjectError);
  });
});

describe("checkSchema: list-map keys as kube-apiserver compares them (after defaulting)", () => {
  const container = "spec.template.cliques[0].spec.podSpec.containers[0]";
  const withPorts = (ports: unknown[]) =>
    pcs((o) => {
      o.spec.template.cliques[0].spec.podSpec.containers[0].ports = ports;
    });

  it("applies the key field's schema default: {containerPort: 8080} is {containerPort: 8080, protocol: TCP}", () => {
    const errors = checkSchema(
      withPorts([{ containerPort: 8080 }, { containerPort: 8080, protocol: "TCP" }]),
    );
    expect(errors).toEqual([
      {
        field: `${container}.ports[1]`,
        type: "FieldValueDuplicate",
        value: { containerPort: 8080, protocol: "TCP" },
        message: expect.any(String),
      },
    ]);
    expect(formatFieldError(errors[0]!)).toMatch(/ports\[1\]: Duplicate value/);
    // The other way round, and with both items relying on the default.
    expect(
      checkSchema(withPorts([{ containerPort: 8080, protocol: "TCP" }, { containerPort: 8080 }])),
    ).toMatchObject([{ field: `${container}.ports[1]`, type: "FieldValueDuplicate" }]);
    expect(checkSchema(withPorts([{ containerPort: 8080 }, { containerPort: 8080 }]))).toMatchObject([
      { field: `${container}.ports[1]`, type: "FieldValueDuplicate" },
    ]);
  });

  it("keeps entries whose defaulted keys differ", () => {
    expect(
      checkSchema(withPorts([{ containerPort: 8080 }, { containerPort: 8080, protocol: "UDP" }])),
    ).toEqual([]);
    expect(checkSchema(withPorts([{ containerPort: 8080 }, { containerPort: 8081 }]))).toEqual([]);
  });

  it("checks list-map keys inside the embedded Kubernetes types", () => {
    const errors = checkSchema(
      pcs((o) => {
        o.spec.template.cliques[0].spec.podSpec.containers[0].env = [
          { name: "A", value: "1" },
          { name: "A", value: "2" },
        ];
      }),
    );
    expect(errors).toMatchObject([
      { field: `${container}.env[1]`, type: "FieldValueDuplicate", value: { name: "A" } },
    ]);
  });
});

describe("kindOf", () => {
  it.each([
    [{ apiVersion: "grove.io/v1alpha1", kind: "PodCliqueSet" }, "PodCliqueSet"],
    [{ apiVersion: "grove.io/v1alpha1", kind: "PodClique" }, "PodClique"],
    [{ apiVersion: "grove.io/v1alpha1", kind: "PodCliqueScalingGroup" }, "PodCliqueScalingGroup"],
    [{ apiVersion: "grove.io/v1alpha1", kind: "ClusterTopologyBinding" }, "ClusterTopologyBinding"],
    [{ apiVersion: "scheduler.grove.io/v1alpha1", kind: "PodGang" }, "PodGang"],
    [{ apiVersion: "grove.io/v1alpha1", kind: "PodGang" }, undefined],
    [{ apiVersion: "grove.io/v1beta1", kind: "PodCliqueSet" }, undefined],
    [{ apiVersion: "v1", kind: "Pod" }, undefined],
    [null, undefined],
  ])("%j -> %s", (obj, want) => {
    expect(kindOf(obj)).toBe(want);
  });

  it("type guards and resource types agree", () => {
    const o = { apiVersion: PodCliqueSetType.apiVersion, kind: PodCliqueSetType.kind };
    expect(isPodCliqueSet(o)).toBe(true);
    expect(groveKindOf({ apiVersion: PodGangType.apiVersion, kind: PodGangType.kind })).toBe("PodGang");
  });
});
