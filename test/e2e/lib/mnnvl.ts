// Shared by the auto-MNNVL suites (auto-mnnvl*.test.ts): a small GB200-like cluster (2 NVLink domains
// of 2 trays x 4 GPUs, each domain labelled as GPU Feature Discovery does), the workloads, and kubectl
// reads of ComputeDomains and of the pods' MNNVL claims.
import type { ClusterSpec } from "@grove-ts/simulator";
import type { E2E } from "./harness.js";

export const NVLINK_DOMAIN = "nvidia.com/gpu.clique";
export const CD = "computedomains.resource.nvidia.com";

export const mnnvlWorkload = (f: string): string =>
  new URL(`../workloads/mnnvl/${f}`, import.meta.url).pathname;

/** 4 GB200 trays, 2 per NVLink domain; `computeDomains` says whether the cluster serves the CRD. */
export function nvlCluster(computeDomains: boolean): ClusterSpec {
  return {
    name: "mnnvl-e2e",
    ...(computeDomains ? { computeDomains: true } : {}),
    pools: [
      {
        name: "gb200",
        count: 4,
        namePrefix: "gb200-",
        allocatable: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "4", pods: "110" },
        topology: [{ key: NVLINK_DOMAIN, prefix: "cluster-a.", nodes: 2 }],
      },
    ],
  };
}

export interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    resourceClaims?: { name: string; resourceClaimTemplateName?: string }[];
    containers: { name: string; resources?: { claims?: { name: string }[] } }[];
  };
}

export interface CdJson {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    deletionTimestamp?: string;
  };
  spec: unknown;
}

/** The ComputeDomains in default, as kubectl lists them (terminating ones left out). */
export async function computeDomains(e2e: E2E): Promise<CdJson[]> {
  const r = await e2e.kubectl.json<{ items: CdJson[] }>(["get", CD, "-n", "default"]);
  return r.items.filter((c) => !c.metadata.deletionTimestamp);
}

export const cdNames = async (e2e: E2E): Promise<string[]> =>
  (await computeDomains(e2e)).map((c) => c.metadata.name).sort();

/** Live pods of one PodCliqueSet. */
export async function podsOf(e2e: E2E, pcs: string): Promise<PodJson[]> {
  const r = await e2e.kubectl.json<{ items: PodJson[] }>([
    "get",
    "pods",
    "-n",
    "default",
    "-l",
    `app.kubernetes.io/part-of=${pcs}`,
  ]);
  return r.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** The claim template a pod's mnnvl-claim names (undefined: none), checked against its containers. */
export function mnnvlTemplate(p: PodJson): string | undefined {
  const refs = (p.spec.resourceClaims ?? []).filter((r) => r.name === "mnnvl-claim");
  const inContainers = p.spec.containers.every((c) =>
    (c.resources?.claims ?? []).some((x) => x.name === "mnnvl-claim"),
  );
  if (refs.length === 0) return undefined;
  if (!inContainers) return `${refs[0]?.resourceClaimTemplateName} (not in every GPU container)`;
  return refs[0]?.resourceClaimTemplateName;
}

/** Per PodClique of the PCS, the claim template its pods name (all pods of a clique agree). */
export async function claimsByClique(e2e: E2E, pcs: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const p of await podsOf(e2e, pcs))
    out[p.metadata.labels?.["grove.io/podclique"] ?? ""] = mnnvlTemplate(p);
  return out;
}
