// One scale-test environment: grove-sim on a scale cluster plus the operator, in one of two modes.
// in-process: grove-sim with `operator: "external"` and Grove's controllers and the gang scheduler
//   started here on the simulator's in-process client wrapped by countingClient — the same
//   composition as grove-sim's own in-process mode, with every operator request tallied.
// external: grove-sim with `operator: "external"` and `grove-operator --kubeconfig ... --qps 100
//   --burst 150 [--concurrency N]` as a child process over HTTP, through a counting proxy.
// Either way the tally holds the operator's requests only (not the simulated kubelets' or the
// bench's own polling), as upstream's operator client would see them.
// The API is our in-process API server (controlPlane "grove", default) or the real control plane
// (controlPlane "kube": etcd, kube-apiserver, kube-controller-manager; grove-sim serves Grove's
// admission webhooks). On kube the proxy speaks HTTPS to kube-apiserver with the admin client
// certificate and the in-process operator gets an HTTPS client of its own, without a rate limit.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  ClusterTopologyBindingType,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
} from "@grove-ts/api";
import { createGroveControllers } from "@grove-ts/controllers";
import { createKubeClient, loadKubeConfig } from "@grove-ts/kube";
import {
  type Client,
  EventType,
  HorizontalPodAutoscalerType,
  NodeType,
  PodType,
  type ResourceType,
  RoleBindingType,
  RoleType,
  SecretType,
  ServiceAccountType,
  ServiceType,
} from "@grove-ts/runtime";
import { createGangScheduler } from "@grove-ts/scheduler";
import {
  type ClusterSpec,
  type ControlPlaneMode,
  SIM_SCHEDULER_NAMES,
  type Simulator,
  startSimulator,
} from "@grove-ts/simulator";
import { countingClient, RequestLog, startCountingProxy, type UpstreamTls } from "./counting.js";
import { type Fleet, startFleet } from "./fleet.js";
import { scaleCluster } from "./manifests.js";
import type { WatchedProcess } from "./usage.js";

export type Mode = "in-process" | "external";

export interface ScaleEnv {
  mode: Mode;
  controlPlane: ControlPlaneMode;
  sim: Simulator;
  /** The bench's own client (uncounted). */
  client: Client;
  requests: RequestLog;
  /** External mode: the operator child is still the one started (upstream: not restarted). */
  operatorAlive(): boolean;
  /** Stops the operator (controllers and scheduler) and leaves the cluster up. */
  stopOperator(): Promise<void>;
  /** The processes the test runs on (this one, the operator child, the node shards), to watch. */
  processes(): WatchedProcess[];
  /** With `nodeShards`: the `grove-sim nodes --shard I/N` processes. */
  fleet?: Fleet;
  close(): Promise<void>;
}

export interface EnvOptions {
  mode: Mode;
  /** Whose API server: ours ("grove", default) or the real control plane ("kube"). */
  controlPlane?: ControlPlaneMode;
  activeNodes: number;
  /** The cluster (default: `scaleCluster(activeNodes)`, 100 nodes). */
  cluster?: ClusterSpec;
  /**
   * Run the simulated nodes as this many `grove-sim nodes --shard I/N` processes against grove-sim's
   * API server instead of in this process (default: in this process).
   */
  nodeShards?: number;
  qps?: number;
  burst?: number;
  readyDelayMs?: number;
  /** Workers of each of the four controllers (grove-operator --concurrency). Default: theirs. */
  concurrency?: number;
  /** In-process only: the controllers' podGangEmptyReplicasPerPass (packages/controllers). */
  podGangEmptyReplicasPerPass?: number;
  /** Where the external operator's stderr goes (default: dropped unless it exits early). */
  onOperatorLog?: (line: string) => void;
}

const byPlural = new Map<string, ResourceType>(
  [
    PodType,
    NodeType,
    ServiceType,
    ServiceAccountType,
    SecretType,
    EventType,
    RoleType,
    RoleBindingType,
    HorizontalPodAutoscalerType,
    PodCliqueSetType,
    PodCliqueType,
    PodCliqueScalingGroupType,
    PodGangType,
    ClusterTopologyBindingType,
  ].map((t) => [t.plural, t as ResourceType]),
);

function operatorCli(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@grove-ts/operator");
  return join(dirname(main), "cli", "grove-operator.js");
}

/** The CA and client certificate of an admin kubeconfig (the real control plane's), PEM. */
function upstreamTls(kubeconfigPath: string): UpstreamTls {
  const kc = loadKubeConfig({ kubeconfigPath });
  const pem = (b64: string | undefined) => (b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined);
  const ca = pem(kc.getCurrentCluster()?.caData);
  const user = kc.getCurrentUser();
  const cert = pem(user?.certData);
  const key = pem(user?.keyData);
  if (!ca || !cert || !key)
    throw new Error(`${kubeconfigPath}: expected certificate-authority-data and a client certificate`);
  return { ca, cert, key };
}

/**
 * A kubeconfig naming `server` (the counting proxy, plain HTTP on loopback) and no credentials:
 * the proxy presents the admin client certificate to kube-apiserver.
 */
function proxyKubeconfig(server: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    // client-node refuses an http:// server unless TLS verification is off (nothing to verify).
    clusters: [{ name: "scale-proxy", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "grove-operator", user: {} }],
    contexts: [
      {
        name: "scale-proxy",
        context: { cluster: "scale-proxy", user: "grove-operator", namespace: "default" },
      },
    ],
    "current-context": "scale-proxy",
  });
}

export async function startScaleEnv(o: EnvOptions): Promise<ScaleEnv> {
  const requests = new RequestLog();
  const controlPlane = o.controlPlane ?? "grove";
  const cluster = o.cluster ?? scaleCluster(o.activeNodes);
  const sim = await startSimulator({
    controlPlane,
    cluster,
    operator: "external",
    ...(o.nodeShards ? { simulatedNodes: false } : {}),
    readyDelayMs: o.readyDelayMs ?? 0,
    // Our API server over plain http, as the counting proxy and its kubeconfig below expect and as
    // the recorded figures were taken (grove-sim serves HTTPS by default; kube ignores this).
    insecureHttp: true,
  });
  const stops: (() => Promise<void>)[] = [];
  let child: ChildProcess | undefined;
  const stopOperator = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch {
        // shutting down: keep closing the rest
      }
    }
  };
  let fleet: Fleet | undefined;
  const close = async () => {
    await stopOperator();
    await fleet?.stop();
    await sim.close();
  };
  try {
    if (o.nodeShards)
      fleet = await startFleet({
        kubeconfig: sim.kubeconfigPath,
        cluster,
        count: o.nodeShards,
        readyDelayMs: o.readyDelayMs ?? 0,
      });
    if (o.mode === "in-process") {
      // On kube: a client of the operator's own (its connections apart from the kubelets'),
      // unlimited as the in-process client on our API server is.
      const inner =
        controlPlane === "kube"
          ? createKubeClient({ kubeconfigPath: sim.kubeconfigPath, qps: -1 })
          : sim.client;
      // Counted apart, so the tally tells the scheduler's writes from the controllers'.
      const counted = countingClient(inner, requests, "controllers");
      const scheduler = createGangScheduler(countingClient(inner, requests, "scheduler"), {
        schedulerNames: SIM_SCHEDULER_NAMES,
      });
      await scheduler.start();
      stops.push(() => scheduler.stop());
      const n = o.concurrency;
      const controllers = createGroveControllers(counted, {
        ...(n ? { concurrency: { pcs: n, pclq: n, pcsg: n, podgang: n } } : {}),
        ...(o.podGangEmptyReplicasPerPass !== undefined
          ? { podGangEmptyReplicasPerPass: o.podGangEmptyReplicasPerPass }
          : {}),
      });
      await controllers.start();
      stops.push(() => controllers.stop());
    } else {
      const proxy = await startCountingProxy(
        sim.url,
        requests,
        // On kube, no read before each patch: the proxy compares with its own last write (counting.ts).
        controlPlane === "kube"
          ? undefined
          : async (p) => {
              const type = byPlural.get(p.resource);
              if (!type || !p.name) return undefined;
              return (await sim.client.get(type, p.name, p.namespace))?.metadata.resourceVersion;
            },
        controlPlane === "kube" ? upstreamTls(sim.kubeconfigPath) : undefined,
      );
      stops.push(() => proxy.close());
      const kubeconfig = join(mkdtempSync(join(tmpdir(), "grove-scale-")), "kubeconfig");
      writeFileSync(
        kubeconfig,
        controlPlane === "kube"
          ? proxyKubeconfig(proxy.url)
          : readFileSync(sim.kubeconfigPath, "utf8").replace(/server: \S+/, `server: ${proxy.url}`),
        { mode: 0o600 },
      );
      const args = [
        // SCALE_OPERATOR_NODE_ARGS: node flags for the operator process (e.g. --cpu-prof).
        ...(process.env.SCALE_OPERATOR_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        operatorCli(),
        "--kubeconfig",
        kubeconfig,
        "--qps",
        String(o.qps ?? 100),
        "--burst",
        String(o.burst ?? 150),
        ...(o.concurrency ? ["--concurrency", String(o.concurrency)] : []),
        "--log-level",
        "warn",
        // grove-sim serves Grove's webhooks on the real control plane; our API server admits in process.
        "--no-webhooks",
        // Probes and metrics on free ports: parallel runs must not clash on 2751/2752.
        "--health-port",
        "0",
        "--metrics-port",
        "0",
        ...SIM_SCHEDULER_NAMES.flatMap((n) => ["--scheduler-name", n]),
      ];
      const proc = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
      child = proc;
      let stderr = "";
      proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
        stderr = (stderr + d).slice(-4000);
        o.onOperatorLog?.(d);
      });
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
            const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
            proc.once("exit", () => {
              clearTimeout(t);
              resolve();
            });
            proc.kill("SIGTERM");
          }),
      );
      // Ready when its informers watch what the controllers and the scheduler need.
      const deadline = performance.now() + 60_000;
      const need = ["podcliquesets", "podcliques", "podgangs", "pods", "nodes"];
      for (;;) {
        const watches = requests.snapshot().byVerb.watch ?? {};
        if (need.every((r) => (watches[r] ?? 0) > 0)) break;
        if (proc.exitCode !== null) throw new Error(`grove-operator exited ${proc.exitCode}: ${stderr}`);
        if (performance.now() > deadline) throw new Error(`grove-operator did not start in 60 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    mode: o.mode,
    controlPlane,
    sim,
    client: sim.client,
    requests,
    operatorAlive: () => (child ? child.exitCode === null && child.signalCode === null : true),
    stopOperator,
    processes: () => {
      const self = controlPlane === "kube" ? "bench (simulated nodes, webhooks" : "grove-sim (API server";
      const here = [fleet ? "" : ", simulated nodes", o.mode === "in-process" ? ", operator" : "", ", bench"];
      return [
        { name: `${self}${here.join("")})`, pid: process.pid },
        ...(child?.pid ? [{ name: "grove-operator", pid: child.pid }] : []),
        ...(fleet?.shards.map((s) => ({
          name: `grove-sim nodes --shard ${s.index}/${fleet?.shards.length}`,
          pid: s.pid,
        })) ?? []),
      ];
    },
    ...(fleet ? { fleet } : {}),
    close,
  };
}
