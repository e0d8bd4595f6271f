// `grove-sim up`: flags, start-up banner and signal handling (shared with the npm start demo).
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isLoopback } from "@grove-ts/dashboard";
import { createKubeClient } from "@grove-ts/kube";
import { createLogger, type LogLevel } from "@grove-ts/runtime";
import { PLACEMENT_POLICIES, type PlacementPolicy } from "@grove-ts/scheduler";
import { defaultCluster, loadClusterFile, shippedClusters } from "../cluster.js";
import type { HpaSettings } from "../hpa/settings.js";
import { type SimNodes, startSimNodes } from "../nodes.js";
import { parseShard, type Shard, shardText } from "../shard.js";
import { type DashboardAddr, dashboardAddr, startSimDashboard } from "../sim-dashboard.js";
import {
  type ControlPlaneMode,
  type OperatorMode,
  SIM_SCHEDULER_NAMES,
  type Simulator,
  startSimulator,
} from "../simulator.js";
import { intFlag, UsageError } from "./args.js";
import { HPA_FLAG_NAMES, HPA_USAGE, hpaFlags } from "./hpa-flags.js";
import { PREEMPTION_TIMING_USAGE, type PreemptionTimings, preemptionTimings } from "./preemption-flags.js";

export const USAGE = `Usage: grove-sim up [flags]
       grove-sim nodes --kubeconfig PATH [--nodes N | --cluster FILE] [--shard I/N] [--ready-delay MS]

up starts a simulated Kubernetes cluster with Grove: an API server on 127.0.0.1, the Grove CRDs,
simulated nodes and kubelets, Grove's controllers and the gang scheduler. Runs until SIGINT/SIGTERM.
nodes attaches only the simulated nodes and kubelets (with node leases) to any API server.

Flags:
  --control-plane KIND       grove (default): our API server in this process; kube: the real
                             etcd, kube-apiserver and kube-controller-manager (npm run k8s:build)
  --nodes N                  default cluster with N GPU nodes (default 16; the 30-node e2e pool stays)
  --cluster FILE|NAME        cluster file (YAML): node pools and topologies (docs/simulator.md), or the
                             name of a shipped one: ${shippedClusters().join(", ")}
  --port P                   API server port (default: a free port)
  --kubeconfig PATH          where to write the kubeconfig (default: ${join(tmpdir(), "grove-sim", "kubeconfig")});
                             with nodes: the cluster to attach to (required)
  --operator MODE            in-process (default) or external (no controllers, no scheduler:
                             run grove-operator --kubeconfig PATH against it)
  --shard I/N                nodes only: simulate share I of N of the cluster's nodes (by a stable
                             hash of the node name), so N processes, on one machine or several,
                             simulate one cluster against one API server; scheduled faults run in 1/N
  --auto-mnnvl on|off        up only: network.autoMNNVLEnabled for admission and the in-process
                             operator (ComputeDomains per MNNVL group); default on where the
                             cluster file says computeDomains: true (gb200-nvl72), else off
  --ready-delay MS           simulated pods turn Ready this long after Running (default 0)
  --placement [NAME=]POLICY  the gang scheduler's placement policy, BinPack (default) or Spread,
                             for pods of scheduler NAME (grove-scheduler, default-scheduler,
                             kai-scheduler); without NAME: for every name not given its own.
                             Repeatable
  --non-preemptible-priority N|none
                             running pods of priority N or higher are never preempted by the
                             gang scheduler (default 100, KAI's rule); none: no limit
${PREEMPTION_TIMING_USAGE}${HPA_USAGE}  --data-dir DIR             keep the API server's data (kube: etcd's data, certificates, logs)
                             here for a later start; default: removed on exit
  --insecure-http            grove only: plain http with anonymous access instead of HTTPS with
                             a generated CA and a bearer token (the default)
  --dashboard-addr HOST:PORT|off
                             up only: where to serve the live placement dashboard (default
                             127.0.0.1:0, a free port; the URL is printed). Off loopback it asks
                             for the API's bearer token (?token= once). off: none
  --no-dashboard             the same as --dashboard-addr off
  --log-level LEVEL          debug, info, warn (default) or error; logs go to stderr
  -h, --help                 this text
`;

export interface UpFlags extends PreemptionTimings {
  command: "up" | "nodes";
  controlPlane: ControlPlaneMode;
  dataDir?: string;
  insecureHttp?: boolean;
  nodes?: number;
  cluster?: string;
  port?: number;
  kubeconfig: string;
  operator: OperatorMode;
  /** --auto-mnnvl; absent: the cluster's default. */
  autoMNNVL?: boolean;
  readyDelayMs: number;
  /** --hpa-*: the HPA controller's timing (grove-sim's own, or kube-controller-manager's flags). */
  hpa?: HpaSettings;
  logLevel: LogLevel;
  placementPolicies?: Record<string, PlacementPolicy>;
  defaultPlacementPolicy?: PlacementPolicy;
  nonPreemptiblePriority?: number | null;
  /** The dashboard's address (up only); default loopback, a free port. */
  dashboard?: DashboardAddr;
  shard?: Shard;
}

/** `--non-preemptible-priority N|none`: a PriorityClass value (a 32-bit integer), or no limit. */
function nonPreemptibleFlag(v: string | undefined): Pick<UpFlags, "nonPreemptiblePriority"> {
  if (v === undefined) return {};
  if (v === "none") return { nonPreemptiblePriority: null };
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < -2147483648 || n > 2147483647)
    throw new UsageError(
      `--non-preemptible-priority: must be an integer (a priority value) or none, got ${JSON.stringify(v)}`,
    );
  return { nonPreemptiblePriority: n };
}

/** `--placement [NAME=]POLICY`, repeated: per scheduler name, or the default without a name. */
function placementFlags(
  values: string[] | undefined,
): Pick<UpFlags, "placementPolicies" | "defaultPlacementPolicy"> {
  const out: Pick<UpFlags, "placementPolicies" | "defaultPlacementPolicy"> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    const name = eq < 0 ? undefined : v.slice(0, eq);
    const policy = eq < 0 ? v : v.slice(eq + 1);
    if (!PLACEMENT_POLICIES.includes(policy as PlacementPolicy))
      throw new UsageError(
        `--placement: the policy must be one of ${PLACEMENT_POLICIES.join(", ")}, got ${JSON.stringify(policy)}`,
      );
    if (name === undefined) out.defaultPlacementPolicy = policy as PlacementPolicy;
    else if (!SIM_SCHEDULER_NAMES.includes(name))
      throw new UsageError(
        `--placement: the scheduler name must be one of ${SIM_SCHEDULER_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
      );
    else out.placementPolicies = { ...out.placementPolicies, [name]: policy as PlacementPolicy };
  }
  return out;
}

function shardFlag(v: string | undefined): Pick<UpFlags, "shard"> {
  if (v === undefined) return {};
  try {
    return { shard: parseShard(v) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseUp(argv: string[]): UpFlags | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nodes: { type: "string" },
      cluster: { type: "string" },
      port: { type: "string" },
      kubeconfig: { type: "string" },
      operator: { type: "string" },
      "auto-mnnvl": { type: "string" },
      "control-plane": { type: "string" },
      "data-dir": { type: "string" },
      "insecure-http": { type: "boolean" },
      "ready-delay": { type: "string" },
      placement: { type: "string", multiple: true },
      "non-preemptible-priority": { type: "string" },
      "nomination-margin": { type: "string" },
      "eviction-backoff": { type: "string" },
      "hpa-sync-period": { type: "string" },
      "hpa-downscale-stabilization": { type: "string" },
      "hpa-cpu-initialization-period": { type: "string" },
      "hpa-initial-readiness-delay": { type: "string" },
      "hpa-tolerance": { type: "string" },
      shard: { type: "string" },
      "log-level": { type: "string" },
      "dashboard-addr": { type: "string" },
      "no-dashboard": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const command = positionals[0];
  if (command !== "up" && command !== "nodes")
    throw new UsageError(
      command
        ? `unknown command ${JSON.stringify(command)} (commands: up, nodes)`
        : "missing command: up or nodes",
    );
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (values.nodes !== undefined && values.cluster !== undefined)
    throw new UsageError("--nodes and --cluster: give one or the other");
  const operator = values.operator ?? "in-process";
  if (operator !== "in-process" && operator !== "external")
    throw new UsageError(`--operator: must be in-process or external, got ${JSON.stringify(operator)}`);
  const level = values["log-level"] ?? "warn";
  if (!["debug", "info", "warn", "error"].includes(level))
    throw new UsageError(`--log-level: must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  const controlPlane = values["control-plane"] ?? "grove";
  if (controlPlane !== "grove" && controlPlane !== "kube")
    throw new UsageError(`--control-plane: must be grove or kube, got ${JSON.stringify(controlPlane)}`);
  if (command === "nodes") {
    if (values.kubeconfig === undefined)
      throw new UsageError("nodes: --kubeconfig is required (the cluster to attach to)");
    for (const f of [
      "operator",
      "auto-mnnvl",
      "control-plane",
      "data-dir",
      "port",
      "insecure-http",
      "placement",
      "non-preemptible-priority",
      "nomination-margin",
      "eviction-backoff",
      "dashboard-addr",
      "no-dashboard",
      ...HPA_FLAG_NAMES,
    ] as const)
      if (values[f] !== undefined) throw new UsageError(`nodes: --${f} applies to up only`);
  }
  if (command === "up" && values.shard !== undefined)
    throw new UsageError("up: --shard applies to nodes only (up simulates the whole cluster)");
  if (values["insecure-http"] && controlPlane === "kube")
    throw new UsageError("--insecure-http: applies to --control-plane grove only (kube serves HTTPS)");
  const mnnvl = values["auto-mnnvl"];
  if (mnnvl !== undefined && mnnvl !== "on" && mnnvl !== "off")
    throw new UsageError(`--auto-mnnvl: must be on or off, got ${JSON.stringify(mnnvl)}`);
  const nodes = intFlag(values.nodes, "nodes", 0, 100_000);
  const port = intFlag(values.port, "port", 0, 65_535);
  let dashboard: DashboardAddr;
  try {
    dashboard = dashboardAddr(values["dashboard-addr"], values["no-dashboard"] === true);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    command,
    controlPlane,
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values["insecure-http"] ? { insecureHttp: true } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    ...(port !== undefined ? { port } : {}),
    kubeconfig: values.kubeconfig ?? join(tmpdir(), "grove-sim", "kubeconfig"),
    operator,
    ...(mnnvl !== undefined ? { autoMNNVL: mnnvl === "on" } : {}),
    dashboard,
    readyDelayMs: intFlag(values["ready-delay"], "ready-delay", 0, 3_600_000) ?? 0,
    logLevel: level as LogLevel,
    ...placementFlags(values.placement),
    ...nonPreemptibleFlag(values["non-preemptible-priority"]),
    ...preemptionTimings(values),
    ...hpaFlags(values),
    ...shardFlag(values.shard),
  };
}

/** Starts the simulator for parsed flags and prints where it is. */
export async function up(flags: UpFlags): Promise<Simulator> {
  const sim = await startSimulator({
    controlPlane: flags.controlPlane,
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.insecureHttp ? { insecureHttp: true } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
    ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
    kubeconfigPath: flags.kubeconfig,
    operator: flags.operator,
    ...(flags.autoMNNVL !== undefined ? { autoMNNVL: flags.autoMNNVL } : {}),
    readyDelayMs: flags.readyDelayMs,
    ...(flags.placementPolicies ? { placementPolicies: flags.placementPolicies } : {}),
    ...(flags.defaultPlacementPolicy ? { defaultPlacementPolicy: flags.defaultPlacementPolicy } : {}),
    ...(flags.nonPreemptiblePriority !== undefined
      ? { nonPreemptiblePriority: flags.nonPreemptiblePriority }
      : {}),
    ...(flags.nominationMarginMs !== undefined ? { nominationMarginMs: flags.nominationMarginMs } : {}),
    ...(flags.evictionBackoffMs !== undefined ? { evictionBackoffMs: flags.evictionBackoffMs } : {}),
    ...(flags.hpa ? { hpa: flags.hpa } : {}),
    logger: createLogger({ level: flags.logLevel }),
  });
  const dashboard = await dashboardFor(sim, flags);
  const pools = sim.cluster.pools.map((p) => `${p.count} ${p.name}`).join(", ");
  const cts = (sim.cluster.topologies ?? []).map((t) => t.name).join(", ");
  const gpus = sim.cluster.pools.reduce(
    (s, p) => s + p.count * Number(p.allocatable["nvidia.com/gpu"] ?? 0),
    0,
  );
  process.stdout.write(
    [
      `grove-sim: API server   ${sim.url} (${sim.controlPlane === "kube" ? `kube-apiserver ${sim.serverVersion}, etcd, kube-controller-manager` : `grove-ts ${sim.serverVersion}`})`,
      ...Object.entries(sim.logs ?? {}).map(([k, v]) => `grove-sim: log          ${k}: ${v}`),
      ...(sim.kubeletUrl ? [`grove-sim: kubelet      ${sim.kubeletUrl} (logs of every simulated node)`] : []),
      `grove-sim: kubeconfig   ${sim.kubeconfigPath}`,
      `grove-sim: nodes        ${sim.nodeNames.length} (${pools})${gpus > 0 ? `, ${gpus} GPUs` : ""}${cts ? `; topology ${cts}` : ""}`,
      `grove-sim: operator     ${flags.operator === "in-process" ? "in-process (Grove controllers + gang scheduler)" : "external (run grove-operator --kubeconfig <path> --no-webhooks: grove-sim admits)"}`,
      ...(sim.autoMNNVL || sim.cluster.computeDomains
        ? [
            `grove-sim: auto-MNNVL   ${sim.autoMNNVL ? "on" : "off"}${sim.cluster.computeDomains ? " (ComputeDomain CRD served)" : " (no ComputeDomain CRD)"}`,
          ]
        : []),
      ...(dashboard ? [`grove-sim: dashboard    ${dashboard}`] : []),
      "grove-sim: ready. Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  return sim;
}

/** Starts the dashboard unless it is off and closes it with `sim` (first); returns the line to print. */
async function dashboardFor(sim: Simulator, flags: UpFlags): Promise<string | undefined> {
  const addr = flags.dashboard ?? dashboardAddr(undefined);
  if (addr === "off") return undefined;
  let dash: Awaited<ReturnType<typeof startSimDashboard>>;
  try {
    dash = await startSimDashboard(sim, addr, createLogger({ level: flags.logLevel }));
  } catch (err) {
    await sim.close();
    throw err;
  }
  const close = sim.close;
  sim.close = async () => {
    await dash.close();
    await close();
  };
  return isLoopback(addr.host)
    ? dash.url
    : `${dash.url} (needs the API's bearer token: open ${dash.url}?token=TOKEN once)`;
}

/** Closes `sim` on the first SIGINT/SIGTERM and exits 0 (1 if the shutdown failed). */
export function closeOnSignal(sim: { close(): Promise<void> }, name = "grove-sim"): void {
  let closing = false;
  const onSignal = (sig: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${name}: ${sig}, shutting down\n`);
    sim.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`${name}: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

/** `grove-sim nodes`: the simulated nodes and kubelets against the cluster of --kubeconfig. */
export async function nodes(flags: UpFlags): Promise<SimNodes> {
  const cluster = flags.cluster !== undefined ? loadClusterFile(flags.cluster) : defaultCluster(flags.nodes);
  const client = createKubeClient({ kubeconfigPath: flags.kubeconfig, qps: -1 });
  const sim = await startSimNodes(client, cluster, {
    readyDelayMs: flags.readyDelayMs,
    logger: createLogger({ level: flags.logLevel }),
    ...(flags.shard ? { shard: flags.shard } : {}),
  });
  const pools = cluster.pools.map((p) => `${p.count} ${p.name}`).join(", ");
  process.stdout.write(
    [
      `grove-sim: nodes        ${flags.shard ? `${sim.nodeNames.length} of ${cluster.pools.reduce((s, p) => s + p.count, 0)} (shard ${shardText(flags.shard)} of ${pools})` : `${sim.nodeNames.length} (${pools})`} attached to ${flags.kubeconfig}`,
      `grove-sim: topologies   ${cluster.topologies?.length ? (sim.topologies ? (cluster.topologies ?? []).map((t) => t.name).join(", ") : "not created (no Grove CRDs on this server)") : "none"}`,
      "grove-sim: ready. Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  return sim;
}
