// The simulated GPU driver's half of Dynamic Resource Allocation: a DeviceClass for the driver and,
// per node with `nvidia.com/gpu` allocatable, one ResourceSlice listing its GPUs (as a DRA driver's
// kubelet plugin publishes them), owned by the Node so that deleting the node removes it. On a
// server that does not serve resource.k8s.io/v1 nothing is published (a warning says so).
import {
  type Client,
  DeviceClassType,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  type Logger,
  type NodeType,
  ResourceSliceType,
} from "@grove-ts/runtime";

async function createIfAbsent(client: Client, type: typeof NodeType, obj: KubeObject): Promise<void> {
  try {
    await client.create(type, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** The simulated GPU driver (ResourceSlice `spec.driver`, DeviceClass name). */
export const SIM_GPU_DRIVER = "gpu.sim.grove-ts.dev";
/** Node label whose value becomes the devices' `model` attribute (as GPU feature discovery labels). */
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

type Node = KubeObject & { status?: { allocatable?: Record<string, string> } };

/** `DeviceClass gpu.sim.grove-ts.dev`: every device of the simulated driver. */
export const simGpuDeviceClass = (): KubeObject & { spec: unknown } => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "DeviceClass",
  metadata: { name: SIM_GPU_DRIVER },
  spec: { selectors: [{ cel: { expression: `device.driver == "${SIM_GPU_DRIVER}"` } }] },
});

/** The ResourceSlice of a node: devices `gpu-0`..`gpu-<n-1>` (attributes index and model); none without GPUs. */
export function simGpuSlice(node: Node): (KubeObject & { spec: unknown }) | undefined {
  const name = node.metadata.name ?? "";
  const count = Number.parseInt(node.status?.allocatable?.["nvidia.com/gpu"] ?? "0", 10);
  if (!(count > 0)) return undefined;
  const model = node.metadata.labels?.[GPU_PRODUCT_LABEL] ?? "sim-gpu";
  return {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceSlice",
    metadata: {
      name: `${name}-${SIM_GPU_DRIVER}`,
      ...(node.metadata.uid
        ? {
            ownerReferences: [
              { apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      driver: SIM_GPU_DRIVER,
      nodeName: name,
      pool: { name, generation: 1, resourceSliceCount: 1 },
      devices: Array.from({ length: count }, (_, k) => ({
        name: `gpu-${k}`,
        attributes: { index: { int: k }, model: { string: model } },
      })),
    },
  };
}

/** Creates the DeviceClass; false (with a warning) when the server does not serve resource.k8s.io/v1. */
export async function ensureGpuDeviceClass(client: Client, log: Logger): Promise<boolean> {
  try {
    await createIfAbsent(client, DeviceClassType, simGpuDeviceClass());
    return true;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    log.warn("ResourceSlices not published: the server does not serve resource.k8s.io/v1");
    return false;
  }
}

/** Publishes the slice of a registered node (read from the server: the owner reference needs its uid). */
export async function publishGpuSlice(client: Client, node: Node): Promise<void> {
  const slice = simGpuSlice(node);
  if (slice) await createIfAbsent(client, ResourceSliceType, slice);
}
