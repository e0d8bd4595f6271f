// What NVIDIA's DRA driver for GPUs (k8s-dra-driver-gpu) makes for ComputeDomains, as pure
// functions of the objects it reads: the workload ResourceClaimTemplate named in a ComputeDomain's
// spec.channel.resourceClaimTemplate.name (one IMEX channel per claim, class
// compute-domain-default-channel.nvidia.com, the domain's UID in the opaque config), the DeviceClass,
// the ResourceSlice of a node in an NVLink domain (its channel devices), and the ComputeDomain's
// status (the nodes its pods run on, Ready once every pod runs). compute-domain-driver.ts converges.
import { COMPUTE_DOMAIN_GROUP, COMPUTE_DOMAIN_VERSION } from "@grove-ts/api";
import type { KubeObject, ResourceType } from "@grove-ts/runtime";

/** The driver name of the ComputeDomain half of NVIDIA's driver (ResourceSlice spec.driver, opaque config). */
export const CD_DRIVER = "compute-domain.nvidia.com";
/** The DeviceClass a ComputeDomain's workload claims ask for. */
export const CD_CHANNEL_CLASS = "compute-domain-default-channel.nvidia.com";
/** The node label NVIDIA's GPU Feature Discovery sets to the NVLink domain (clique) of a node. */
export const NVLINK_CLIQUE_LABEL = "nvidia.com/gpu.clique";
/** Labels the driver puts on the template (value: the ComputeDomain's UID) and on claims made from it. */
export const CD_LABEL = "resource.nvidia.com/computeDomain";
export const CD_TARGET_LABEL = "resource.nvidia.com/computeDomainTarget";
export const CD_CLAIM_LABEL = "nvidia.com/computeDomain";

export const ComputeDomainType: ResourceType = {
  apiVersion: `${COMPUTE_DOMAIN_GROUP}/${COMPUTE_DOMAIN_VERSION}`,
  kind: "ComputeDomain",
  plural: "computedomains",
  namespaced: true,
};

export interface ComputeDomainNode {
  name: string;
  ipAddress: string;
  cliqueID: string;
  index: number;
  status: "Ready" | "NotReady";
}

export interface ComputeDomainStatus {
  status: "Ready" | "NotReady";
  nodes: ComputeDomainNode[];
}

export type ComputeDomain = KubeObject & {
  spec?: { numNodes?: number; channel?: { resourceClaimTemplate?: { name?: string } } };
  status?: Partial<ComputeDomainStatus>;
};

export type SimNode = KubeObject & {
  status?: {
    allocatable?: Record<string, string>;
    addresses?: { type: string; address: string }[];
  };
};

export type ClaimingPod = KubeObject & {
  spec?: { nodeName?: string; resourceClaims?: { name: string; resourceClaimTemplateName?: string }[] };
  status?: { phase?: string };
};

type Obj = KubeObject & { spec: unknown };

/** The claim template a ComputeDomain names (empty when its spec names none). */
export const templateNameOf = (cd: ComputeDomain): string =>
  cd.spec?.channel?.resourceClaimTemplate?.name ?? "";

/** The templates a pod's claims are made from. */
export const podTemplates = (pod: ClaimingPod): string[] =>
  (pod.spec?.resourceClaims ?? []).flatMap((c) =>
    c.resourceClaimTemplateName ? [c.resourceClaimTemplateName] : [],
  );

/** `DeviceClass compute-domain-default-channel.nvidia.com`: the channel devices of the ComputeDomain driver. */
export const channelDeviceClass = (): Obj => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "DeviceClass",
  metadata: { name: CD_CHANNEL_CLASS },
  spec: { selectors: [{ cel: { expression: `device.driver == "${CD_DRIVER}"` } }] },
});

/**
 * The ResourceSlice of a node in an NVLink domain (labelled `nvidia.com/gpu.clique`): IMEX channel
 * devices `channel-0`.. (attributes type=channel, id), one per GPU so that every GPU pod on the node
 * can hold a channel of its ComputeDomain; owned by the Node. None for a node outside NVLink domains.
 */
export function channelSlice(node: SimNode): Obj | undefined {
  const name = node.metadata.name ?? "";
  const clique = node.metadata.labels?.[NVLINK_CLIQUE_LABEL];
  if (!clique) return undefined;
  const gpus = Number.parseInt(node.status?.allocatable?.["nvidia.com/gpu"] ?? "0", 10);
  const count = gpus > 0 ? gpus : 1;
  return {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceSlice",
    metadata: {
      name: `${name}-${CD_DRIVER}`,
      ...(node.metadata.uid
        ? {
            ownerReferences: [
              { apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      driver: CD_DRIVER,
      nodeName: name,
      pool: { name, generation: 1, resourceSliceCount: 1 },
      devices: Array.from({ length: count }, (_, k) => ({
        name: `channel-${k}`,
        attributes: { type: { string: "channel" }, id: { int: k }, cliqueID: { string: clique } },
      })),
    },
  };
}

/**
 * The workload ResourceClaimTemplate of a ComputeDomain: in its namespace, named as its spec says,
 * one channel device of the default-channel class, the domain's UID in the driver's opaque config;
 * controlled by the ComputeDomain so that it is deleted with it.
 */
export function workloadClaimTemplate(cd: ComputeDomain): Obj {
  const uid = cd.metadata.uid ?? "";
  return {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaimTemplate",
    metadata: {
      name: templateNameOf(cd),
      namespace: cd.metadata.namespace ?? "default",
      labels: { [CD_LABEL]: uid, [CD_TARGET_LABEL]: "Workload" },
      ownerReferences: [
        {
          apiVersion: ComputeDomainType.apiVersion,
          kind: ComputeDomainType.kind,
          name: cd.metadata.name ?? "",
          uid,
          controller: true,
        },
      ],
    },
    spec: {
      metadata: { labels: { [CD_CLAIM_LABEL]: uid } },
      spec: {
        devices: {
          requests: [
            {
              name: "channel",
              exactly: { deviceClassName: CD_CHANNEL_CLASS, allocationMode: "ExactCount", count: 1 },
            },
          ],
          config: [
            {
              requests: ["channel"],
              opaque: {
                driver: CD_DRIVER,
                parameters: {
                  apiVersion: ComputeDomainType.apiVersion,
                  kind: "ComputeDomainChannelConfig",
                  domainID: uid,
                },
              },
            },
          ],
        },
      },
    },
  };
}

const internalIp = (n: SimNode | undefined): string =>
  n?.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";

const running = (p: ClaimingPod): boolean => p.status?.phase === "Running";

/**
 * The status of a ComputeDomain whose (live) pods are `pods`: one entry per node they are bound to
 * (sorted by name, `index` in that order, Ready when every one of its pods runs), and Ready once
 * there are pods and every one runs, NotReady otherwise.
 */
export function computeDomainStatus(
  pods: readonly ClaimingPod[],
  nodeOf: (name: string) => SimNode | undefined,
): ComputeDomainStatus {
  const byNode = new Map<string, ClaimingPod[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const nodes = [...byNode.keys()].sort().map((name, index): ComputeDomainNode => {
    const node = nodeOf(name);
    return {
      name,
      ipAddress: internalIp(node),
      cliqueID: node?.metadata.labels?.[NVLINK_CLIQUE_LABEL] ?? "",
      index,
      status: (byNode.get(name) ?? []).every(running) ? "Ready" : "NotReady",
    };
  });
  return { status: pods.length > 0 && pods.every(running) ? "Ready" : "NotReady", nodes };
}
