// grove-sim as a library: an API server on 127.0.0.1 with the Grove CRDs, simulated nodes and
// kubelets, the token controller's job, and (unless the operator runs outside) Grove's
// controllers and the gang scheduler, all in this process over the in-process client.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterTopologyBindingType as CTB, groveCrds } from "@grove-ts/api";
import { startApiServer } from "@grove-ts/apiserver";
import { createGroveControllers } from "@grove-ts/controllers";
import {
  type Client,
  CustomResourceDefinitionType,
  isAlreadyExists,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  rfc3339,
} from "@grove-ts/runtime";
import { createGangScheduler } from "@grove-ts/scheduler";
import {
  type ClusterSpec,
  checkCluster,
  clusterNodes,
  clusterTopologyBindings,
  defaultCluster,
  loadClusterFile,
} from "./cluster.js";
import { createKubelets } from "./kubelet.js";
import { createTokenFiller } from "./tokens.js";

export type OperatorMode = "in-process" | "external";

/** The scheduler names grove-sim's scheduler answers to, so Grove's fixtures run unchanged. */
export const SIM_SCHEDULER_NAMES = ["grove-scheduler", "default-scheduler", "kai-scheduler"];

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where to write the kubeconfig; default a fresh temporary directory. */
  kubeconfigPath?: string;
  /** A cluster spec or the path of a cluster file; default the built-in cluster. */
  cluster?: ClusterSpec | string;
  /** With the default cluster: the number of GPU nodes. */
  nodes?: number;
  /** "in-process" (default) runs the controllers and the scheduler here; "external" runs neither. */
  operator?: OperatorMode;
  /** Running -> Ready delay of simulated pods. Default 0. */
  readyDelayMs?: number;
  /** Persist the API server's data here. */
  dataDir?: string;
  logger?: Logger;
}

export interface Simulator {
  url: string;
  token: string;
  kubeconfigPath: string;
  /** In-process client (no HTTP). */
  client: Client;
  cluster: ClusterSpec;
  nodeNames: string[];
  close(): Promise<void>;
}

async function createIfAbsent(
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

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const log = options.logger ?? noopLogger;
  const cluster =
    typeof options.cluster === "string"
      ? loadClusterFile(options.cluster)
      : options.cluster
        ? checkCluster(options.cluster)
        : defaultCluster(options.nodes);
  const kubeconfigPath =
    options.kubeconfigPath ?? join(mkdtempSync(join(tmpdir(), "grove-sim-")), "kubeconfig");
  const api = await startApiServer({
    port: options.port ?? 0,
    kubeconfigPath,
    // kubectl sends no bearer token over plain http (kube-api-compat §0); loopback only.
    anonymous: true,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    log: (line) => log.debug("apiserver", { line }),
  });
  const client = api.client;
  const stops: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn("shutdown step failed", { error: err });
      }
    }
    await api.close();
  };
  try {
    for (const crd of groveCrds())
      await createIfAbsent(client, CustomResourceDefinitionType, crd as unknown as KubeObject);
    const now = rfc3339(new Date());
    const nodes = clusterNodes(cluster);
    for (const n of nodes) {
      n.status.conditions = [
        {
          type: "MemoryPressure",
          status: "False",
          reason: "KubeletHasSufficientMemory",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          message: "",
        },
        {
          type: "DiskPressure",
          status: "False",
          reason: "KubeletHasNoDiskPressure",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          message: "",
        },
        {
          type: "PIDPressure",
          status: "False",
          reason: "KubeletHasSufficientPID",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          message: "",
        },
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          message: "kubelet is posting ready status (simulated)",
        },
      ];
      await createIfAbsent(client, NodeType, n);
      // Status is the kubelet's to report: write it through the status subresource as well, in
      // case the server dropped it on create.
      await client.patch(
        NodeType,
        n.metadata.name ?? "",
        undefined,
        { type: "merge", body: { status: n.status } },
        {
          subresource: "status",
        },
      );
    }
    for (const ct of clusterTopologyBindings(cluster)) await createIfAbsent(client, CTB, ct);

    const tokens = createTokenFiller(client, log);
    await tokens.start();
    stops.push(() => tokens.stop());
    const kubelets = createKubelets(client, { readyDelayMs: options.readyDelayMs ?? 0, logger: log });
    await kubelets.start();
    stops.push(() => kubelets.stop());

    if ((options.operator ?? "in-process") === "in-process") {
      const scheduler = createGangScheduler(client, { schedulerNames: SIM_SCHEDULER_NAMES, logger: log });
      await scheduler.start();
      stops.push(() => scheduler.stop());
      const controllers = createGroveControllers(client, { logger: log });
      await controllers.start();
      stops.push(() => controllers.stop());
    }
    return {
      url: api.url,
      token: api.token,
      kubeconfigPath,
      client,
      cluster,
      nodeNames: nodes.map((n) => n.metadata.name ?? ""),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
