// DRA selectors and device allocation without an API server (src/claims-cel.ts, src/claims-alloc.ts):
// the CEL subset, device counts and modes, reachability (nodeName, nodeSelector, allNodes), devices
// other claims hold, newest pool generation, and what is refused outright.
import { describe, expect, it } from "vitest";
import {
  allocate,
  type Claim,
  type DeviceClass,
  devicesOf,
  type Slice,
  UnsupportedClaimError,
} from "../src/claims-alloc.js";
import { compileSelector, type SelectorDevice, UnsupportedSelectorError } from "../src/claims-cel.js";

const dev = (
  attrs: Record<string, string | number | boolean>,
  cap: Record<string, number> = {},
): SelectorDevice => ({
  driver: "gpu.test",
  attributes: new Map(Object.entries(attrs)),
  capacity: new Map(Object.entries(cap)),
});

describe("CEL selector subset", () => {
  it("compares driver, attributes and capacities", () => {
    const d = dev(
      { "gpu.test/model": "h100", "gpu.test/index": 3, "gpu.test/mig": false },
      { "gpu.test/memory": 80e3 * 1024 ** 3 },
    );
    const yes = [
      'device.driver == "gpu.test"',
      'device.attributes["gpu.test"].model == "h100"',
      "device.attributes['gpu.test'].index >= 2 && device.attributes[\"gpu.test\"].index < 4",
      'device.attributes["gpu.test"]["model"] != "a100"',
      'device.capacity["gpu.test"].memory >= quantity("40Gi")',
      'device.attributes["gpu.test"].mig == false',
      '!(device.driver == "other") || false',
      "true",
    ];
    for (const e of yes) expect(compileSelector(e)(d), e).toBe(true);
    const no = [
      'device.driver == "other"',
      'device.attributes["gpu.test"].model == "a100"',
      'device.attributes["gpu.test"].missing == "x"',
      'device.capacity["gpu.test"].memory > quantity("100000Gi")',
      'device.attributes["gpu.test"].index > 3',
    ];
    for (const e of no) expect(compileSelector(e)(d), e).toBe(false);
  });

  it("refuses what it does not understand, naming the expression", () => {
    for (const e of [
      'device.attributes["gpu.test"].model.startsWith("h")',
      '"x" in device.attributes["gpu.test"]',
      "device.allowMultipleAllocations",
      "device.driver ==",
    ])
      expect(() => compileSelector(e), e).toThrow(UnsupportedSelectorError);
    expect(() => compileSelector('device.attributes["d"].x.matches("a")')).toThrow(
      /not supported by grove-scheduler/,
    );
  });
});

const slice = (
  name: string,
  where: Partial<NonNullable<Slice["spec"]>>,
  devices: string[],
  generation = 1,
  pool = name,
): Slice => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceSlice",
  metadata: { name },
  spec: {
    driver: "gpu.test",
    pool: { name: pool, generation },
    ...where,
    devices: devices.map((d, i) => ({ name: d, attributes: { index: { int: i } } })),
  },
});

const claim = (
  name: string,
  requests: NonNullable<NonNullable<Claim["spec"]>["devices"]>["requests"],
): Claim => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceClaim",
  metadata: { name, namespace: "default" },
  spec: { devices: { requests: requests ?? [] } },
});

const gpuClass: DeviceClass = {
  apiVersion: "resource.k8s.io/v1",
  kind: "DeviceClass",
  metadata: { name: "gpu" },
  spec: { selectors: [{ cel: { expression: 'device.driver == "gpu.test"' } }] },
};
const classes = (n: string) => (n === "gpu" ? gpuClass : undefined);
const n1 = { name: "n1", labels: { rack: "r1" } };
const n2 = { name: "n2", labels: { rack: "r2" } };

describe("allocate", () => {
  const devices = devicesOf([
    slice("n1", { nodeName: "n1" }, ["gpu-0", "gpu-1"]),
    slice("n1-old", { nodeName: "n1" }, ["stale"], 0, "n1"),
    slice(
      "rack1",
      {
        nodeSelector: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "rack", operator: "In", values: ["r1"] }] }],
        },
      },
      ["nic-0"],
    ),
    slice("net", { allNodes: true }, ["net-0", "net-1"]),
  ]);
  const exactly = (count: number, extra: object = {}) => [
    { name: "r", exactly: { deviceClassName: "gpu", count, ...extra } },
  ];

  it("takes exactly count devices reachable from the node, local ones named by the node selector", () => {
    const a = allocate(
      claim(
        "c",
        exactly(4, { selectors: [{ cel: { expression: 'device.attributes["gpu.test"].index < 1' } }] }),
      ),
      n1,
      { devices, classes, taken: new Set() },
    );
    expect(typeof a).toBe("string");
    const b = allocate(claim("c", exactly(2)), n1, { devices, classes, taken: new Set() });
    expect(b).toEqual({
      devices: {
        results: [
          { request: "r", driver: "gpu.test", pool: "n1", device: "gpu-0" },
          { request: "r", driver: "gpu.test", pool: "n1", device: "gpu-1" },
        ],
      },
      nodeSelector: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }],
      },
    });
  });

  it("never takes a device another claim holds, nor one of an older pool generation", () => {
    const taken = new Set(["gpu.test/n1/gpu-0", "gpu.test/rack1/nic-0", "gpu.test/net/net-0"]);
    const a = allocate(claim("c", exactly(2)), n1, { devices, classes, taken });
    expect(a).toMatchObject({ devices: { results: [{ device: "gpu-1" }, { device: "net-1" }] } });
    expect(allocate(claim("c", exactly(3)), n1, { devices, classes, taken })).toMatch(
      /ResourceClaim default\/c: request "r" wants 3 device\(s\) of DeviceClass "gpu", node n1 has 2 free/,
    );
  });

  it("All takes every matching device; devices reachable from all nodes only, with no node selector", () => {
    const all = allocate(claim("c", exactly(0, { allocationMode: "All" })), n2, {
      devices,
      classes,
      taken: new Set(),
    });
    expect(all).toEqual({
      devices: {
        results: [
          { request: "r", driver: "gpu.test", pool: "net", device: "net-0" },
          { request: "r", driver: "gpu.test", pool: "net", device: "net-1" },
        ],
      },
    });
    const floating = allocate(claim("c", exactly(1)), n1, {
      devices,
      classes,
      taken: new Set(),
      floatingOnly: true,
    });
    expect(floating).toMatchObject({ devices: { results: [{ device: "net-0" }] } });
    expect(floating).not.toHaveProperty("nodeSelector");
  });

  it("names a missing DeviceClass; refuses firstAvailable, constraints and unsupported selectors", () => {
    expect(
      allocate(claim("c", [{ name: "r", exactly: { deviceClassName: "nope" } }]), n1, {
        devices,
        classes,
        taken: new Set(),
      }),
    ).toBe('ResourceClaim default/c: request "r": DeviceClass "nope" does not exist');
    const refused = [
      claim("c", [{ name: "r", firstAvailable: [] }]),
      { ...claim("c", exactly(1)), spec: { devices: { requests: exactly(1), constraints: [{}] } } },
      claim(
        "c",
        exactly(1, { selectors: [{ cel: { expression: 'device.attributes["x"].y.startsWith("z")' } }] }),
      ),
    ];
    for (const c of refused)
      expect(() => allocate(c as Claim, n1, { devices, classes, taken: new Set() })).toThrow(
        UnsupportedClaimError,
      );
  });
});
