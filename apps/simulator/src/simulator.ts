// grove-sim as a library: a Kubernetes API on 127.0.0.1 with the Grove CRDs, simulated nodes and
// kubelets, and (unless the operator runs outside) Grove's controllers and the gang scheduler in
// this process. The API is our in-process API server (default) or the real control plane
// (etcd, kube-apiserver, kube-controller-manager built from source: control-plane.ts), reached over
// HTTPS with @grove-ts/kube.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allCrds, computeDomainCrd, DEFAULT_KAI_QUEUES, KaiQueueType } from "@grove-ts/api";
import { startApiServer, versionInfo } from "@grove-ts/apiserver";
import { createGroveControllers } from "@grove-ts/controllers";
import { createKubeClient } from "@grove-ts/kube";
import { mnnvlPreflight, startWebhooks } from "@grove-ts/operator";
import {
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  type Logger,
  noopLogger,
  type ResourceType,
} from "@grove-ts/runtime";
import { createGangScheduler, type PolicyOptions } from "@grove-ts/scheduler";
import { metricsServingCert, serveAggregatedApis } from "./aggregation.js";
import { createClaimController } from "./claim-from-template.js";
import { type ClusterSpec, checkCluster, defaultCluster, loadClusterFile } from "./cluster.js";
import { createComputeDomainDriver } from "./compute-domain-driver.js";
import { ControlPlaneError, startControlPlane } from "./control-plane.js";
import type { HpaSettings } from "./hpa/settings.js";
import { startHpaController } from "./hpa/start.js";
import { simulatedKubelet } from "./kubelet-logs.js";
import { startKubeletServer } from "./kubelet-server.js";
import { createMetricsApis } from "./metrics/apis.js";
import type { NodeLifecycleOptions } from "./node-faults.js";
import { createIfAbsent, startSimNodes } from "./nodes.js";
import type { FaultOptions } from "./pod-faults.js";
import { createTokenFiller } from "./tokens.js";

export type OperatorMode = "in-process" | "external";

/** The scheduler names grove-sim's scheduler answers to, so Grove's fixtures run unchanged. */
export const SIM_SCHEDULER_NAMES = ["grove-scheduler", "default-scheduler", "kai-scheduler"];

/** Whose API server: ours, in this process ("grove"), or the real control plane built from source ("kube"). */
export type ControlPlaneMode = "grove" | "kube";

export interface SimulatorOptions {
  /** Default "grove". */
  controlPlane?: ControlPlaneMode;
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
  /**
   * network.autoMNNVLEnabled of the in-process operator and of admission (grove-sim's API server,
   * or the webhooks on kube). Default: on where the cluster serves the ComputeDomain CRD
   * (`computeDomains: true`, as clusters/gb200-nvl72.yaml), else off.
   */
  autoMNNVL?: boolean;
  /**
   * Serve Grove's admission webhooks (grove-operator's webhook serving, in this process) and register
   * them (only with "kube": our API server admits in process). Default true, in both operator modes:
   * an external operator may come and go, the webhooks stay.
   */
  webhooks?: boolean;
  /** Running -> Ready delay of simulated pods. Default 0. */
  readyDelayMs?: number;
  /**
   * Simulate the cluster's nodes and kubelets in this process (default true). false: none here,
   * `grove-sim nodes --shard I/N` processes attach them (a fleet across processes); `nodeNames` is
   * then empty.
   */
  simulatedNodes?: boolean;
  /** Restart back-off of containers made to exit by `sim.grove-ts.dev/exit` (README "Faults"). */
  faults?: FaultOptions;
  /** With "grove": the node lifecycle's eviction grace and pod GC delay for node faults. */
  nodeLifecycle?: NodeLifecycleOptions;
  /**
   * The in-process gang scheduler's placement policies: BinPack or Spread per scheduler name, and
   * the default for the others (BinPack), as an OperatorConfiguration's profiles give grove-operator.
   */
  placementPolicies?: PolicyOptions["placementPolicies"];
  defaultPlacementPolicy?: PolicyOptions["defaultPlacementPolicy"];
  /**
   * The in-process gang scheduler's preemption: running pods of this priority or higher are never
   * preempted. Default 100 (KAI's rule); null: no limit.
   */
  nonPreemptiblePriority?: number | null;
  /** The gang scheduler's nomination margin (`nominationMarginMs`, default 30000). */
  nominationMarginMs?: number;
  /** First retry delay of a refused eviction (`evictionBackoffMs`, default 1000). */
  evictionBackoffMs?: number;
  /** Persist the API server's data (with "kube": etcd's data, the certificates and the logs) here. */
  dataDir?: string;
  /**
   * The HPA controller's sync period, downscale stabilisation, ... (README "Autoscaling"): grove-sim's
   * own on our API server, kube-controller-manager's flags on the real control plane.
   */
  hpa?: HpaSettings;
  /**
   * "grove" only: serve plain http with anonymous access (kubectl sends no token over http), as
   * grove-sim did before it served HTTPS. Default false: HTTPS with a CA generated at start (kept in
   * `dataDir`), a kubeconfig with `certificate-authority-data` and a bearer token, and 401 for
   * requests without it.
   */
  insecureHttp?: boolean;
  logger?: Logger;
}

export interface Simulator {
  controlPlane: ControlPlaneMode;
  url: string;
  /** The bearer token of our API server ("" on the real control plane: its kubeconfig holds a client certificate). */
  token: string;
  /** The server's version as `kubectl version` shows it. */
  serverVersion: string;
  /** With "kube": the log file of each control-plane process. */
  logs?: Record<string, string>;
  /** With "kube": the simulated nodes' kubelet endpoint kube-apiserver proxies logs and exec to. */
  kubeletUrl?: string;
  kubeconfigPath: string;
  /** In-process client (no HTTP) on our API server; @grove-ts/kube over HTTPS on the real one. */
  client: Client;
  cluster: ClusterSpec;
  nodeNames: string[];
  /** network.autoMNNVLEnabled as admission and the in-process operator apply it. */
  autoMNNVL: boolean;
  close(): Promise<void>;
}

interface Backend {
  url: string;
  token: string;
  serverVersion: string;
  client: Client;
  logs?: Record<string, string>;
  close(): Promise<void>;
}

async function startGroveBackend(
  options: SimulatorOptions,
  kubeconfigPath: string,
  log: Logger,
  autoMNNVL: boolean,
): Promise<Backend> {
  const insecure = options.insecureHttp === true;
  const api = await startApiServer({
    groveAdmission: { autoMNNVLEnabled: autoMNNVL },
    port: options.port ?? 0,
    kubeconfigPath,
    tls: !insecure,
    // kubectl sends no bearer token over plain http (kube-api-compat §0); loopback only.
    anonymous: insecure,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    log: (line) => log.debug("apiserver", { line }),
  });
  api.server.podProxy = simulatedKubelet;
  // metrics-server's and a custom metrics adapter's part, mounted as their APIServices are served.
  const metrics = createMetricsApis(api.client, { logger: log });
  for (const m of metrics.apis) api.server.mountApi(m);
  return {
    url: api.url,
    token: api.token,
    serverVersion: versionInfo.gitVersion,
    client: api.client,
    close: async () => {
      await metrics.stop();
      await api.close();
    },
  };
}

async function startKubeBackend(
  options: SimulatorOptions,
  kubeconfigPath: string,
  log: Logger,
): Promise<Backend> {
  // The metrics server's certificate, made while the control plane starts (its keys off the event loop).
  const serving = metricsServingCert();
  serving.catch(() => {}); // awaited by serveAggregatedApis; a failed start must not leave it unhandled
  const cp = await startControlPlane({
    kubeconfigPath,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.hpa ? { hpa: options.hpa } : {}),
    logger: log,
  });
  // The simulated fleet stands for many kubelets with clients of their own: no client-side limit.
  const client = createKubeClient({ kubeconfigPath: cp.kubeconfigPath, qps: -1 });
  // The metrics APIs behind kube-apiserver's aggregator, as metrics-server and an adapter serve them.
  const metrics = createMetricsApis(client, { logger: log });
  const aggregated = await serveAggregatedApis(client, metrics.apis, cp.frontProxyCaPem, {
    logger: log,
    serving,
  }).catch(async (err: unknown) => {
    await cp.stop();
    throw err;
  });
  return {
    url: cp.url,
    token: "",
    serverVersion: cp.version,
    client,
    logs: cp.logs,
    close: async () => {
      await aggregated.close();
      await metrics.stop();
      await cp.stop();
    },
  };
}

/** The resource a CRD serves (its storage version). */
function crdResourceType(crd: KubeObject): ResourceType {
  const spec = (crd as unknown as { spec: CrdSpec }).spec;
  const version = spec.versions.find((v) => v.storage) ?? spec.versions[0];
  return {
    apiVersion: `${spec.group}/${version?.name ?? "v1"}`,
    kind: spec.names.kind,
    plural: spec.names.plural,
    namespaced: spec.scope === "Namespaced",
  };
}

interface CrdSpec {
  group: string;
  scope: string;
  names: { kind: string; plural: string };
  versions: { name: string; storage?: boolean }[];
}

/**
 * KAI's default queues and the one Grove's e2e workloads name (`kai.scheduler/queue: test`), with
 * no quota nor limit: the scheduler keeps a pod whose queue does not exist pending once Queues are
 * served, so the workloads the suites apply need theirs.
 */
async function installQueues(client: Client): Promise<void> {
  const unlimited = { quota: -1, limit: -1, overQuotaWeight: 1 };
  for (const name of DEFAULT_KAI_QUEUES)
    await createIfAbsent(client, KaiQueueType, {
      apiVersion: KaiQueueType.apiVersion,
      kind: KaiQueueType.kind,
      metadata: { name },
      spec: {
        ...(name === "default" ? {} : { parentQueue: "default" }),
        resources: { cpu: unlimited, gpu: unlimited, memory: unlimited },
      },
    } as KubeObject);
}

/** Creates Grove's CRDs and KAI's Queue CRD where absent and waits until the server serves them (Established). */
async function installCrds(client: Client, computeDomains: boolean, timeoutMs = 60_000): Promise<void> {
  const crds = [...allCrds(), ...(computeDomains ? [computeDomainCrd()] : [])] as unknown as KubeObject[];
  for (const crd of crds) await createIfAbsent(client, CustomResourceDefinitionType, crd);
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await client.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(CustomResourceDefinitionType, crd.metadata.name ?? "");
      if (live?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) {
        // kube-apiserver answers 429 "storage is (re)initializing" for a moment after Established.
        const type = crdResourceType(crd);
        const ready = await client.list(type, { limit: 1 }).then(
          () => true,
          () => false,
        );
        if (ready) break;
      }
      if (Date.now() > deadline)
        throw new ControlPlaneError(
          `CustomResourceDefinition ${crd.metadata.name} was not Established within ${timeoutMs / 1000} s`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
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
  const mode = options.controlPlane ?? "grove";
  const autoMNNVL = options.autoMNNVL ?? cluster.computeDomains === true;
  const backend =
    mode === "kube"
      ? await startKubeBackend(options, kubeconfigPath, log)
      : await startGroveBackend(options, kubeconfigPath, log, autoMNNVL);
  const client = backend.client;
  const stops: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn("shutdown step failed", { error: err });
      }
    }
    await backend.close();
  };
  try {
    await installCrds(client, cluster.computeDomains === true);
    await installQueues(client);
    // Grove's start-up preflight for the in-process operator (grove-operator exits 7 the same way).
    if (autoMNNVL && (options.operator ?? "in-process") === "in-process") await mnnvlPreflight(client);
    if (mode === "kube" && (options.webhooks ?? true)) {
      // The operator's own webhook serving, registered with a url: to this process (no Service
      // routes here); the certificate is kept in a Secret as in a cluster.
      const hooks = await startWebhooks(client, {
        namespace: "default",
        port: 0,
        registerHost: "127.0.0.1",
        waitUntilCalled: true,
        validation: { autoMNNVLEnabled: autoMNNVL },
        logger: log,
      });
      stops.push(() => hooks.stop());
    }
    // On the real control plane kube-apiserver proxies logs and exec to the nodes' kubelet.
    const kubelet = mode === "kube" ? await startKubeletServer(client, { logger: log }) : undefined;
    if (kubelet) stops.push(() => kubelet.close());
    const nodes =
      options.simulatedNodes === false
        ? undefined
        : await startSimNodes(client, cluster, {
            ...(kubelet ? { kubeletPort: kubelet.port } : {}),
            readyDelayMs: options.readyDelayMs ?? 0,
            logger: log,
            ...(options.faults ? { faults: options.faults } : {}),
            // kube-controller-manager's node lifecycle and pod GC do it on the real control plane.
            ...(mode === "grove" ? { nodeLifecycle: options.nodeLifecycle ?? {} } : {}),
          });
    if (nodes) stops.push(() => nodes.stop());
    // kube-controller-manager's resourceclaim-controller does this on the real control plane.
    if (mode === "grove") {
      const claims = createClaimController(client, log);
      await claims.start();
      stops.push(() => claims.stop());
    }
    // NVIDIA's DRA driver, its ComputeDomain half, wherever the cluster serves the CRD.
    if (cluster.computeDomains === true) {
      const driver = createComputeDomainDriver(client, { logger: log });
      await driver.start();
      stops.push(() => driver.stop());
    }
    // kube-controller-manager's token controller does this on the real control plane.
    if (mode === "grove") {
      const tokens = createTokenFiller(client, log);
      await tokens.start();
      stops.push(() => tokens.stop());
      // kube-controller-manager's horizontal-pod-autoscaler-controller on the real control plane.
      const hpa = await startHpaController(client, kubeconfigPath, options.hpa ?? {}, log);
      stops.push(() => hpa.stop());
    }
    if ((options.operator ?? "in-process") === "in-process") {
      const scheduler = createGangScheduler(client, {
        schedulerNames: SIM_SCHEDULER_NAMES,
        logger: log,
        ...(options.placementPolicies ? { placementPolicies: options.placementPolicies } : {}),
        ...(options.defaultPlacementPolicy ? { defaultPlacementPolicy: options.defaultPlacementPolicy } : {}),
        ...(options.nonPreemptiblePriority !== undefined
          ? { nonPreemptiblePriority: options.nonPreemptiblePriority }
          : {}),
        ...(options.nominationMarginMs !== undefined
          ? { nominationMarginMs: options.nominationMarginMs }
          : {}),
        ...(options.evictionBackoffMs !== undefined ? { evictionBackoffMs: options.evictionBackoffMs } : {}),
      });
      await scheduler.start();
      stops.push(() => scheduler.stop());
      const controllers = createGroveControllers(client, { logger: log, autoMNNVLEnabled: autoMNNVL });
      await controllers.start();
      stops.push(() => controllers.stop());
    }
    return {
      controlPlane: mode,
      url: backend.url,
      token: backend.token,
      serverVersion: backend.serverVersion,
      ...(backend.logs ? { logs: backend.logs } : {}),
      ...(kubelet ? { kubeletUrl: kubelet.url } : {}),
      kubeconfigPath,
      client,
      cluster,
      nodeNames: nodes?.nodeNames ?? [],
      autoMNNVL,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
