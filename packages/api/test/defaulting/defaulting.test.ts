// One table row per default of grove-api.md §8 (9 CRD defaults, 8 webhook defaults), plus purity and
// idempotency over every row and the defaults of the other kinds.

import { describe, expect, it } from "vitest";
import {
  defaultClusterTopologyBinding,
  defaultPodClique,
  defaultPodCliqueScalingGroup,
  defaultPodCliqueSet,
  defaultPodGang,
} from "../../src/defaulting/index.js";
import type { PodClique, PodCliqueScalingGroup, PodGang } from "../../src/types.js";
import { validatePodCliqueSet } from "../../src/validation/index.js";
import { DELETE, getPath, mutate, submittedPcs } from "../validation/builders.js";

const P = "spec.template";
const C = (i: number) => `${P}.cliques[${i}]`;
const G = (i: number) => `${P}.podCliqueScalingGroups[${i}]`;

interface DefaultCase {
  name: string;
  /** Changes to the submitted PCS before defaulting. */
  set?: Record<string, unknown>;
  /** path → expected value after defaulting (undefined: stays absent). */
  want: Record<string, unknown>;
}

const cases: DefaultCase[] = [
  // CRD defaults
  { name: "CRD spec.replicas = 0", set: { "spec.replicas": DELETE }, want: { "spec.replicas": 0 } },
  { name: "CRD spec.replicas kept", set: { "spec.replicas": 3 }, want: { "spec.replicas": 3 } },
  {
    name: "CRD cliqueStartupType = AnyOrder",
    want: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeAnyOrder" },
  },
  {
    name: "CRD cliqueStartupType kept",
    set: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" },
    want: { [`${P}.cliqueStartupType`]: "CliqueStartupTypeInOrder" },
  },
  {
    name: "CRD headlessServiceConfig.publishNotReadyAddresses = true when the object is given",
    set: { [`${P}.headlessServiceConfig`]: {} },
    want: { [`${P}.headlessServiceConfig.publishNotReadyAddresses`]: true },
  },
  {
    name: "CRD headlessServiceConfig.publishNotReadyAddresses false kept",
    set: { [`${P}.headlessServiceConfig`]: { publishNotReadyAddresses: false } },
    want: { [`${P}.headlessServiceConfig.publishNotReadyAddresses`]: false },
  },
  { name: "CRD PCSG replicas = 1", want: { [`${G(0)}.replicas`]: 1 } },
  { name: "CRD PCSG minAvailable = 1", want: { [`${G(0)}.minAvailable`]: 1 } },
  {
    name: "CRD updateStrategy.type = RollingRecreate when updateStrategy is given",
    set: { "spec.updateStrategy": {} },
    want: { "spec.updateStrategy.type": "RollingRecreate" },
  },
  { name: "CRD updateStrategy stays nil when not given", want: { "spec.updateStrategy": undefined } },
  {
    name: "CRD status counters = 0",
    set: { status: { updateProgress: {} } },
    want: {
      "status.updatedReplicas": 0,
      "status.availableReplicas": 0,
      "status.updateProgress.updatedPodCliquesCount": 0,
      "status.updateProgress.totalPodCliquesCount": 0,
      "status.updateProgress.updatedPodCliqueScalingGroupsCount": 0,
      "status.updateProgress.totalPodCliqueScalingGroupsCount": 0,
    },
  },
  // Webhook defaults
  {
    name: "webhook 1: namespace = default",
    set: { "metadata.namespace": DELETE },
    want: { "metadata.namespace": "default" },
  },
  {
    name: "webhook 1: empty namespace = default",
    set: { "metadata.namespace": "" },
    want: { "metadata.namespace": "default" },
  },
  {
    name: "webhook 1: namespace kept",
    set: { "metadata.namespace": "prod" },
    want: { "metadata.namespace": "prod" },
  },
  { name: "webhook 2: terminationDelay = 4h", want: { [`${P}.terminationDelay`]: "4h" } },
  {
    name: "webhook 2: terminationDelay kept",
    set: { [`${P}.terminationDelay`]: "1m" },
    want: { [`${P}.terminationDelay`]: "1m" },
  },
  {
    name: "webhook 3: headlessServiceConfig = {publishNotReadyAddresses: true}",
    want: { [`${P}.headlessServiceConfig`]: { publishNotReadyAddresses: true } },
  },
  { name: "webhook 4: restartPolicy = Always", want: { [`${C(0)}.spec.podSpec.restartPolicy`]: "Always" } },
  {
    name: "webhook 4: restartPolicy kept",
    set: { [`${C(0)}.spec.podSpec.restartPolicy`]: "OnFailure" },
    want: { [`${C(0)}.spec.podSpec.restartPolicy`]: "OnFailure" },
  },
  {
    name: "webhook 5: terminationGracePeriodSeconds = 30",
    want: { [`${C(1)}.spec.podSpec.terminationGracePeriodSeconds`]: 30 },
  },
  {
    name: "webhook 5: terminationGracePeriodSeconds 0 kept",
    set: { [`${C(1)}.spec.podSpec.terminationGracePeriodSeconds`]: 0 },
    want: { [`${C(1)}.spec.podSpec.terminationGracePeriodSeconds`]: 0 },
  },
  {
    name: "webhook 6: replicas 0 -> 1",
    set: { [`${C(0)}.spec.replicas`]: 0 },
    want: { [`${C(0)}.spec.replicas`]: 1 },
  },
  {
    name: "webhook 7: minAvailable = submitted replicas",
    want: { [`${C(2)}.spec.minAvailable`]: 3 },
  },
  {
    name: "webhook 7: minAvailable kept",
    set: { [`${C(2)}.spec.minAvailable`]: 1 },
    want: { [`${C(2)}.spec.minAvailable`]: 1 },
  },
  {
    name: "webhook 7 quirk: submitted replicas 0 gives replicas 1 but minAvailable 0",
    set: { [`${C(0)}.spec.replicas`]: 0 },
    want: { [`${C(0)}.spec.replicas`]: 1, [`${C(0)}.spec.minAvailable`]: 0 },
  },
  {
    name: "webhook 7: autoScalingConfig.minReplicas = submitted replicas",
    set: { [`${C(0)}.spec.autoScalingConfig`]: { maxReplicas: 5 } },
    want: { [`${C(0)}.spec.autoScalingConfig.minReplicas`]: 2 },
  },
  {
    name: "webhook 7 quirk: autoScalingConfig.minReplicas = 0 when replicas submitted as 0",
    set: { [`${C(0)}.spec.replicas`]: 0, [`${C(0)}.spec.autoScalingConfig`]: { maxReplicas: 5 } },
    want: { [`${C(0)}.spec.autoScalingConfig.minReplicas`]: 0 },
  },
  {
    name: "webhook 8: PCSG scaleConfig.minReplicas = PCSG replicas after its CRD default",
    set: { [`${G(0)}.scaleConfig`]: { maxReplicas: 4 } },
    want: { [`${G(0)}.scaleConfig.minReplicas`]: 1 },
  },
  {
    name: "webhook 8: PCSG scaleConfig.minReplicas = PCSG replicas",
    set: { [`${G(0)}.replicas`]: 3, [`${G(0)}.scaleConfig`]: { maxReplicas: 4 } },
    want: { [`${G(0)}.scaleConfig.minReplicas`]: 3 },
  },
  {
    name: "not defaulted: cliqueStartupType only by CRD, PCSG scaleConfig absent stays absent",
    want: { [`${G(0)}.scaleConfig`]: undefined, [`${C(0)}.spec.autoScalingConfig`]: undefined },
  },
];

describe("defaultPodCliqueSet (§8)", () => {
  it.each(cases)("$name", (c) => {
    const input = mutate(submittedPcs(), c.set);
    const before = structuredClone(input);
    const out = defaultPodCliqueSet(input);
    for (const [path, value] of Object.entries(c.want)) expect(getPath(out, path)).toEqual(value);
    // Pure: the input is untouched and a new object is returned.
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    // Idempotent.
    expect(defaultPodCliqueSet(out)).toEqual(out);
  });

  it("the replicas-0 quirk is then rejected with 'must be greater than 0' on minAvailable", () => {
    const out = defaultPodCliqueSet(mutate(submittedPcs(), { [`${C(0)}.spec.replicas`]: 0 }));
    expect(validatePodCliqueSet(out)).toContainEqual(
      expect.objectContaining({
        field: `${C(0)}.spec.minAvailable`,
        type: "FieldValueInvalid",
        message: "must be greater than 0",
      }),
    );
  });

  it("does not throw on malformed input and returns a copy", () => {
    for (const bad of [
      null,
      3,
      "x",
      [],
      { spec: 1 },
      { spec: { template: { cliques: [null, { spec: { replicas: "2" } }] } } },
    ]) {
      expect(() => defaultPodCliqueSet(bad as never)).not.toThrow();
    }
    const mistyped = defaultPodCliqueSet({
      spec: { template: { cliques: [{ spec: { replicas: "2" } }] } },
    } as never);
    expect(getPath(mistyped, `${C(0)}.spec.minAvailable`)).toBeUndefined();
  });
});

describe("defaults of the other kinds (CRD)", () => {
  it("PodCliqueScalingGroup: spec.replicas 1, spec.minAvailable 1, status counters 0", () => {
    const pcsg = {
      metadata: { name: "x" },
      spec: { cliqueNames: ["a"] },
      status: { updateProgress: {} },
    } as unknown as PodCliqueScalingGroup;
    const out = defaultPodCliqueScalingGroup(pcsg);
    expect(getPath(out, "spec.replicas")).toBe(1);
    expect(getPath(out, "spec.minAvailable")).toBe(1);
    expect(getPath(out, "status")).toEqual({
      scheduledReplicas: 0,
      availableReplicas: 0,
      updatedReplicas: 0,
      updateProgress: { updatedPodCliquesCount: 0, totalPodCliquesCount: 0 },
    });
    expect(getPath(pcsg, "spec.replicas")).toBeUndefined();
    expect(defaultPodCliqueScalingGroup(out)).toEqual(out);
    expect(getPath(defaultPodCliqueScalingGroup(mutate(pcsg, { "spec.replicas": 4 })), "spec.replicas")).toBe(
      4,
    );
  });
  it("PodClique: status counters 0, spec untouched", () => {
    const pclq = {
      spec: { roleName: "r", replicas: 2, podSpec: {} },
      status: { readyReplicas: 1 },
    } as unknown as PodClique;
    const out = defaultPodClique(pclq);
    expect(getPath(out, "status")).toEqual({
      readyReplicas: 1,
      updatedReplicas: 0,
      scheduleGatedReplicas: 0,
      scheduledReplicas: 0,
    });
    expect(getPath(out, "spec")).toEqual(getPath(pclq, "spec"));
    expect(defaultPodClique(out)).toEqual(out);
  });
  it("PodGang and ClusterTopologyBinding declare no defaults: equal copies", () => {
    const pg = { spec: { podgroups: [] } } as unknown as PodGang;
    expect(defaultPodGang(pg)).toEqual(pg);
    expect(defaultPodGang(pg)).not.toBe(pg);
    const ctb = { spec: { levels: [{ domain: "host", key: "kubernetes.io/hostname" }] } } as never;
    expect(defaultClusterTopologyBinding(ctb)).toEqual(ctb);
  });
});
