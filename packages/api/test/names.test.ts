import { describe, expect, it } from "vitest";
import {
  basePodGangName,
  combinedNameLength,
  computeDomainName,
  headlessServiceAddress,
  headlessServiceName,
  legacySaTokenSecretName,
  lowestFreeIndices,
  pcsgMemberPodCliqueName,
  podCliqueName,
  podCliqueScalingGroupName,
  podDnsName,
  podGangNameForPCSGReplica,
  podGenerateName,
  podHostname,
  podIndexFromHostname,
  podSubdomain,
  resourceClaimName,
  roleBindingName,
  roleLabelName,
  roleName,
  saTokenSecretName,
  scaledPodGangName,
  serviceAccountName,
  topologyConstraintGroupConfigName,
} from "../src/names.js";

describe("names (grove-api.md §11.1 worked example: simple1, PCSG sga scaled to 3, minAvailable 1)", () => {
  const pcsg = podCliqueScalingGroupName("simple1", 0, "sga");
  it.each([
    ["standalone PCLQ pca", podCliqueName("simple1", 0, "pca"), "simple1-0-pca"],
    ["standalone PCLQ pcd", podCliqueName("simple1", 0, "pcd"), "simple1-0-pcd"],
    ["PCSG", pcsg, "simple1-0-sga"],
    ["member PCLQ replica 0", pcsgMemberPodCliqueName(pcsg, 0, "pcb"), "simple1-0-sga-0-pcb"],
    ["member PCLQ replica 0 pcc", pcsgMemberPodCliqueName(pcsg, 0, "pcc"), "simple1-0-sga-0-pcc"],
    ["member PCLQ replica 1", pcsgMemberPodCliqueName(pcsg, 1, "pcb"), "simple1-0-sga-1-pcb"],
    ["base PodGang", basePodGangName("simple1", 0), "simple1-0"],
    ["PCSG replica 0 -> base gang", podGangNameForPCSGReplica("simple1", 0, "sga", 0, 1), "simple1-0"],
    [
      "PCSG replica 1 -> scaled gang 0",
      podGangNameForPCSGReplica("simple1", 0, "sga", 1, 1),
      "simple1-0-sga-0",
    ],
    [
      "PCSG replica 2 -> scaled gang 1",
      podGangNameForPCSGReplica("simple1", 0, "sga", 2, 1),
      "simple1-0-sga-1",
    ],
    ["scaled gang with minAvailable 2", scaledPodGangName(pcsg, 2, 2), "simple1-0-sga-0"],
    ["group config of replica 0", topologyConstraintGroupConfigName(pcsg, 0), "simple1-0-sga-0"],
    ["headless Service", headlessServiceName("simple1", 0), "simple1-0"],
    ["pod generateName", podGenerateName("simple1-0-pca"), "simple1-0-pca-"],
    ["pod hostname", podHostname("simple1-0-pca", 2), "simple1-0-pca-2"],
    ["pod subdomain", podSubdomain("simple1", 0), "simple1-0"],
    [
      "Service address",
      headlessServiceAddress("simple1", 0, "default"),
      "simple1-0.default.svc.cluster.local",
    ],
    [
      "pod DNS name",
      podDnsName("simple1-0-pca", 2, "simple1", 0, "default"),
      "simple1-0-pca-2.simple1-0.default.svc.cluster.local",
    ],
    ["ServiceAccount", serviceAccountName("simple1"), "simple1"],
    ["Role", roleName("simple1"), "grove.io:pcs:simple1"],
    ["RoleBinding", roleBindingName("simple1"), "grove.io:pcs:simple1"],
    ["Role name label", roleLabelName("simple1"), "grove.io-pcs-simple1"],
    ["SA token Secret", saTokenSecretName("simple1"), "simple1-ic-sat"],
    ["legacy SA token Secret", legacySaTokenSecretName("simple1"), "simple1-initc-sa-token-secret"],
    ["ComputeDomain", computeDomainName("simple1", 1, "workers"), "simple1-1-workers"],
  ])("%s", (_what, got, want) => {
    expect(got).toBe(want);
  });

  it("refuses a scaled gang name for a replica of the base gang", () => {
    expect(() => scaledPodGangName(pcsg, 0, 1)).toThrow(RangeError);
  });
});

describe("resource claim names (§11.3)", () => {
  it.each([
    ["PCS AllReplicas", resourceClaimName("pcs", "AllReplicas", "gpu"), "pcs-all-gpu"],
    ["PCS PerReplica", resourceClaimName("pcs", "PerReplica", "gpu", 1), "pcs-1-gpu"],
    ["PCSG AllReplicas", resourceClaimName("pcs-0-sga", "AllReplicas", "gpu"), "pcs-0-sga-all-gpu"],
    ["PCSG PerReplica", resourceClaimName("pcs-0-sga", "PerReplica", "gpu", 2), "pcs-0-sga-2-gpu"],
    ["PCLQ AllReplicas", resourceClaimName("pcs-0-a", "AllReplicas", "gpu"), "pcs-0-a-all-gpu"],
    ["PCLQ PerReplica (pod index)", resourceClaimName("pcs-0-a", "PerReplica", "gpu", 3), "pcs-0-a-3-gpu"],
  ])("%s", (_what, got, want) => {
    expect(got).toBe(want);
  });

  it("needs an index for PerReplica", () => {
    expect(() => resourceClaimName("pcs", "PerReplica", "gpu")).toThrow(/needs an index/);
  });
});

describe("45-character budget (§11.2)", () => {
  it.each([
    ["a".repeat(20), "b".repeat(25), undefined, 45, true],
    ["a".repeat(20), "b".repeat(26), undefined, 46, false],
    ["a".repeat(15), "b".repeat(15), "c".repeat(15), 45, true],
    ["a".repeat(15), "b".repeat(15), "c".repeat(16), 46, false],
  ] as const)("pcs %s + clique %s + pcsg %s", (pcs, clique, sg, length, ok) => {
    expect(combinedNameLength(pcs, clique, sg)).toEqual({ length, limit: 45, ok });
  });
});

describe("pod indices (§11.1)", () => {
  it.each([
    [[], 3, [0, 1, 2]],
    [[0, 2], 2, [1, 3]],
    [[1, 2, 3], 1, [0]],
  ])("used %j, want %i -> %j", (used, n, want) => {
    expect(lowestFreeIndices(used, n)).toEqual(want);
  });
  it.each([
    ["simple1-0-pca-12", 12],
    ["simple1-0-pca", undefined],
  ])("hostname %s -> %s", (h, want) => {
    expect(podIndexFromHostname(h)).toBe(want);
  });
});
