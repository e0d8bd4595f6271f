// Simulated nodes against any API server (what KWOK does): the Node objects of a cluster spec with
// their topology labels, capacity and Ready status, a node Lease per node renewed as a kubelet
// renews it, and the simulated kubelets that run their pods (kubelet.ts). Used by `grove-sim up`
// on both control planes and alone by `grove-sim nodes --kubeconfig PATH`.
import { ClusterTopologyBindingType as CTB } from "@grove-ts/api";
import {
  type Client,
  forEachLimit,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  LeaseType,
  type Logger,
  NamespaceType,
  NodeType,
  noopLogger,
  rfc3339,
} from "@grove-ts/runtime";
import { type ClusterSpec, clusterNodes, clusterTopologyBindings } from "./cluster.js";
import { startFaultSchedule } from "./cluster-faults.js";
import { createKubelets } from "./kubelet.js";
import { KUBELET_ADDRESS } from "./kubelet-server.js";
import { startLoadSchedule } from "./metrics/load-schedule.js";
import { createNodeFaults, type NodeLifecycleOptions } from "./node-faults.js";
import type { FaultOptions } from "./pod-faults.js";
import { ensureGpuDeviceClass, publishGpuSlice } from "./resource-slices.js";
import { inShard, type Shard } from "./shard.js";

/** The namespace kubelets keep their heartbeat Leases in. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";
/** A kubelet's lease duration and renew interval (its defaults: 40 s, a quarter of it). */
const LEASE_SECONDS = 40;
const RENEW_MS = 10_000;

export interface SimNodesOptions {
  /** Running -> Ready delay of simulated pods. Default 0. */
  readyDelayMs?: number;
  logger?: Logger;
  /** Renew a node Lease per node (default true). */
  leases?: boolean;
  /** Restart back-off of containers made to exit by the exit annotation (README "Faults"). */
  faults?: FaultOptions;
  /**
   * Play kube-controller-manager's node lifecycle and pod GC parts for node faults (our API server
   * only: the real control plane runs its own).
   */
  nodeLifecycle?: NodeLifecycleOptions;
  /**
   * Simulate only this share of the cluster's nodes (`grove-sim nodes --shard I/N`); the cluster
   * file's scheduled faults run in shard 1 only (they act through the API on any node).
   */
  shard?: Shard;
  /**
   * The port of grove-sim's kubelet endpoint (kubelet-server.ts, real control plane only): every
   * node reports it as its kubelet's and gets the address kube-apiserver reaches it at.
   */
  kubeletPort?: number;
}

export interface SimNodes {
  nodeNames: string[];
  /** Whether the ClusterTopologyBindings of the cluster spec were created (the Grove CRDs are served). */
  topologies: boolean;
  stop(): Promise<void>;
}

/** Creates `obj` unless an object of that name exists (a restart over kept data, a second attach). */
export async function createIfAbsent(
  client: Client,
  type: Parameters<Client["create"]>[0],
  obj: KubeObject,
): Promise<void> {
  try {
    await client.create(type, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** A kubelet's MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

function readyConditions(now: string) {
  const c = (type: string, status: string, reason: string, message = "") => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID"),
    c("Ready", "True", "KubeletReady", "kubelet is posting ready status (simulated)"),
  ];
}

/** Registers the cluster's nodes (Ready), its topologies where Grove's CRDs are served, and starts the kubelets. */
export async function startSimNodes(
  client: Client,
  cluster: ClusterSpec,
  options: SimNodesOptions = {},
): Promise<SimNodes> {
  const log = (options.logger ?? noopLogger).with({ component: "sim-nodes" });
  const shard = options.shard;
  const nodes = clusterNodes(cluster).filter((n) => inShard(n.metadata.name ?? "", shard));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.warn("shutdown step failed", { error: err });
      }
    }
  };
  try {
    // The simulated GPU driver's DeviceClass, and a ResourceSlice per GPU node (resource-slices.ts).
    const dra = await ensureGpuDeviceClass(client, log);
    await forEachLimit(nodes, 16, async (n) => {
      n.status.conditions = readyConditions(rfc3339(new Date()));
      if (options.kubeletPort) {
        const status = n.status as Record<string, unknown> & { addresses?: unknown[] };
        status.addresses = [...(status.addresses ?? []), { ...KUBELET_ADDRESS }];
        status.daemonEndpoints = { kubeletEndpoint: { Port: options.kubeletPort } };
      }
      await createIfAbsent(client, NodeType, n);
      // Status is the kubelet's to report: a server drops it on create.
      const registered = await client.patch<KubeObject>(
        NodeType,
        n.metadata.name ?? "",
        undefined,
        { type: "merge", body: { status: n.status } },
        {
          subresource: "status",
        },
      );
      if (dra) await publishGpuSlice(client, registered);
    });

    let topologies = false;
    const bindings = clusterTopologyBindings(cluster);
    if (bindings.length > 0) {
      try {
        for (const ct of bindings) await createIfAbsent(client, CTB, ct);
        topologies = true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        log.warn("ClusterTopologyBindings not created: the Grove CRDs are not installed on this server");
      }
    }

    const faults = createNodeFaults(
      client,
      new Set(nodes.map((n) => n.metadata.name ?? "")),
      log,
      options.nodeLifecycle,
    );
    await faults.start();
    stops.push(() => faults.stop());
    if (options.leases ?? true) {
      const leases = await startLeases(client, nodes, log, (name) => faults.down(name));
      stops.push(leases);
    }
    const kubelets = createKubelets(client, {
      readyDelayMs: options.readyDelayMs ?? 0,
      logger: log,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(shard ? { shard } : {}),
    });
    await kubelets.start();
    stops.push(() => kubelets.stop());
    if (cluster.faults?.length && (shard?.index ?? 1) === 1)
      stops.push(startFaultSchedule(client, cluster.faults, log));
    if (cluster.load?.length && (shard?.index ?? 1) === 1)
      stops.push(startLoadSchedule(client, cluster.load, log));
    return { nodeNames: nodes.map((n) => n.metadata.name ?? ""), topologies, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * One Lease per node in kube-node-lease, owned by its Node (the garbage collector removes it with
 * the node), renewed every 10 s as the kubelet's node-lease controller does.
 */
async function startLeases(
  client: Client,
  nodes: readonly KubeObject[],
  log: Logger,
  down: (name: string) => boolean,
): Promise<() => Promise<void>> {
  await createIfAbsent(client, NamespaceType, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NODE_LEASE_NAMESPACE },
  });
  const uids = new Map((await client.list(NodeType)).items.map((n) => [n.metadata.name, n.metadata.uid]));
  const owners = new Map(nodes.map((n) => [n.metadata.name ?? "", uids.get(n.metadata.name)]));
  const renew = async (name: string) => {
    const now = microTime(new Date());
    try {
      await client.patch(LeaseType, name, NODE_LEASE_NAMESPACE, {
        type: "merge",
        body: { spec: { renewTime: now } },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const uid = owners.get(name);
      await createIfAbsent(client, LeaseType, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name,
          namespace: NODE_LEASE_NAMESPACE,
          ...(uid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }] } : {}),
        },
        spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime: now },
      } as KubeObject);
    }
  };
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  const renewAll = () =>
    // A node annotated not ready stops its heartbeats.
    forEachLimit(
      [...owners.keys()].filter((name) => !down(name)),
      8,
      (name) => renew(name).catch((err) => log.warn("node lease not renewed", { node: name, error: err })),
    );
  await renewAll();
  const timer = setInterval(() => {
    if (!stopped) round = renewAll();
  }, RENEW_MS);
  timer.unref?.();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await round;
  };
}
