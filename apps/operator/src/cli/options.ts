// grove-operator's command line and OperatorConfiguration file, resolved into startOperator's
// options: a flag beats the file, the file beats the defaults.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { GroveControllersConcurrency } from "@grove-ts/controllers";
import { parseAddr } from "@grove-ts/dashboard";
import type { LogLevel } from "@grove-ts/runtime";
import { parseOperatorConfig, type ServerEndpoint } from "../config.js";
import type { OperatorOptions } from "../operator.js";
import { operatorNamespace, type WebhookServingOptions } from "../webhooks/index.js";

export const USAGE = `Usage: grove-operator [--kubeconfig PATH] [--config FILE] [flags]

Runs Grove's controllers, the gang scheduler and Grove's admission webhooks against the API server
the kubeconfig names (e.g. grove-sim up --operator external), or, without --kubeconfig, the cluster
of the pod it runs in (its service account). Stops cleanly on SIGINT/SIGTERM.

Flags (a flag overrides the --config file):
  --kubeconfig PATH        kubeconfig of the cluster (default: in-cluster service account)
  --namespace NS           the operator's namespace (webhook certificate Secret; default
                           $POD_NAMESPACE, else the service account's, else default)
  --config FILE            Grove OperatorConfiguration (operator.config.grove.io/v1alpha1) YAML; acted
                           on: runtimeClientConnection.qps/burst, controllers.<podCliqueSet|podClique|
                           podCliqueScalingGroup|podGang>.concurrentSyncs, logLevel,
                           logFormat, topologyAwareScheduling.enabled,
                           network.autoMNNVLEnabled (exit 7 without the ComputeDomain
                           CRD), leaderElection.*,
                           server.webhooks.*, authorizer.*, server.healthProbes.*,
                           server.metrics.*, initContainer.image,
                           scheduler.profiles[].config.placement (BinPack or Spread: the
                           gang scheduler's policy for pods of that scheduler name; the
                           defaultProfileName's also for grove-scheduler); other fields are
                           validated and ignored
  --qps N                  client-side requests per second, per resource as Grove's
                           controller-runtime client (default 100)
  --burst N                client-side burst (default 150)
  --scheduler-qps N        the gang scheduler's own client: requests per second (default 50)
  --scheduler-burst N      the gang scheduler's own client: burst (default 100)
  --concurrency N          workers of each of the four controllers (default pcs 10, pclq 10,
                           pcsg 5, podgang 5; Grove's scale preset uses 20)
  --scheduler-name NAME    a scheduler name the gang scheduler answers to; repeat for more
                           (default grove-scheduler)
  --no-scheduler           run the controllers only
  --initc-image IMAGE      the grove-initc image of startsAfter pods: a full reference, or a
                           repository given the operator version as tag (default
                           initContainer.image, else $GROVE_INIT_CONTAINER_IMAGE:<version>, else
                           grove-ts/grove-initc:<version>)
  --health-port N          port of /healthz and /readyz (default server.healthProbes.port, else
                           2751; 0 = any free port, the URL is logged)
  --metrics-port N         port of /metrics, Prometheus text (default server.metrics.port, else
                           2752; 0 = any free port). Both bind to the file's bindAddress, else
                           every interface in a pod and 127.0.0.1 with --kubeconfig
  --webhook-port N         HTTPS port of the admission webhooks (default server.webhooks.port,
                           else 2750; 0 = any free port)
  --webhook-host HOST      register the webhook configurations with url: https://HOST:PORT and add
                           HOST to the certificate (out-of-cluster runs); without it the operator
                           patches the caBundle of the configurations the chart installed
  --no-webhooks            serve no admission webhooks (an API server that admits in process)
  --leader-elect           run the controllers and the gang scheduler only while holding the
                           Lease (client-go's leader election: lease 15s, renew deadline 10s, retry
                           2s, or the file's leaderElection.*); every replica serves the webhooks.
                           Losing the Lease exits 1 ("leader election lost") to restart as a standby
  --leader-elect-namespace NS
                           namespace of the Lease (default leaderElection.resourceNamespace, else
                           the operator's namespace: $POD_NAMESPACE, the service account's, default)
  --leader-elect-id NAME   name of the Lease (default leaderElection.resourceName, else
                           grove-operator-leader-election)
  --dashboard-addr HOST:PORT|off
                           where to serve the live placement dashboard (default 127.0.0.1:0, a
                           free port; the URL is logged as "dashboard"). Off loopback every request
                           needs a bearer token the API server accepts (a TokenReview). off: none
  --no-dashboard           the same as --dashboard-addr off
  --log-level LEVEL        debug, info (default), warn or error
  --log-format FORMAT      json (default: one JSON object per line on stderr) or text
                           (<time> <LEVEL> "<msg>" key=value ...); default logFormat
  -h, --help               this text
`;

export class UsageError extends Error {
  readonly code = "Usage";
}

export interface ResolvedCli {
  help?: true;
  options: Omit<OperatorOptions, "logger"> & { qps: number; burst: number };
  logLevel: LogLevel;
  logFormat: "json" | "text";
  /** Where to serve the dashboard; "off": none. */
  dashboard: { host: string; port: number } | "off";
  /** The --config file, if any, and its fields grove-operator does not act on. */
  configPath?: string;
  ignored: string[];
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0)
    throw new UsageError(`--${flag}: must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

/** --initc-image beats the file's initContainer.image; neither: the controllers' default. */
function initcImage(flag: string | undefined, file: string | undefined): { initContainerImage?: string } {
  if (flag !== undefined && (flag === "" || /\s/.test(flag)))
    throw new UsageError(
      `--initc-image: must be an image reference, repository[:tag], without spaces, got ${JSON.stringify(flag)}`,
    );
  const image = flag ?? file;
  return image !== undefined ? { initContainerImage: image } : {};
}

/** Parses argv (without node and script). Throws UsageError or OperatorConfigError. */
export function resolveCli(
  argv: string[],
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): ResolvedCli {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      config: { type: "string" },
      "health-port": { type: "string" },
      "metrics-port": { type: "string" },
      "webhook-port": { type: "string" },
      "webhook-host": { type: "string" },
      "no-webhooks": { type: "boolean" },
      "leader-elect": { type: "boolean" },
      "leader-elect-namespace": { type: "string" },
      "leader-elect-id": { type: "string" },
      qps: { type: "string" },
      burst: { type: "string" },
      "scheduler-qps": { type: "string" },
      "scheduler-burst": { type: "string" },
      concurrency: { type: "string" },
      "scheduler-name": { type: "string", multiple: true },
      "no-scheduler": { type: "boolean" },
      "initc-image": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      "dashboard-addr": { type: "string" },
      "no-dashboard": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help)
    return {
      help: true,
      options: { qps: 0, burst: 0 },
      logLevel: "info",
      logFormat: "json",
      dashboard: "off",
      ignored: [],
    };
  if (values.kubeconfig === "") throw new UsageError("--kubeconfig: must be a path");
  let file: ReturnType<typeof parseOperatorConfig> | undefined;
  if (values.config !== undefined) {
    let text: string;
    try {
      text = readFile(values.config);
    } catch (err) {
      throw new UsageError(`--config: cannot read ${values.config}: ${(err as Error).message}`);
    }
    file = parseOperatorConfig(text, values.config);
  }
  const logFormat = values["log-format"] ?? file?.logFormat ?? "json";
  if (logFormat !== "json" && logFormat !== "text")
    throw new UsageError(`--log-format: must be json or text, got ${JSON.stringify(logFormat)}`);
  const level = values["log-level"] ?? file?.logLevel ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level))
    throw new UsageError(`--log-level: must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  let concurrency: Partial<GroveControllersConcurrency> = { ...(file?.concurrency ?? {}) };
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || n < 1)
      throw new UsageError(
        `--concurrency: must be an integer >= 1, got ${JSON.stringify(values.concurrency)}`,
      );
    concurrency = { pcs: n, pclq: n, pcsg: n, podgang: n };
  }
  const namespace = values.namespace ?? operatorNamespace();
  let webhooks: WebhookServingOptions | undefined;
  if (!values["no-webhooks"]) {
    const fw = file?.webhooks ?? {};
    let port = fw.port ?? 2750;
    if (values["webhook-port"] !== undefined) {
      port = Number(values["webhook-port"]);
      if (!/^\d+$/.test(values["webhook-port"]) || port > 65535)
        throw new UsageError(
          `--webhook-port: must be a port number (0 = any free port), got ${JSON.stringify(values["webhook-port"])}`,
        );
    }
    if (values["webhook-host"] === "")
      throw new UsageError("--webhook-host: must be a host name or IP address");
    webhooks = {
      namespace,
      port,
      // In a pod kube-apiserver calls through the Service: every interface. Out of a cluster: loopback.
      bindAddress: fw.bindAddress ?? (values.kubeconfig ? "127.0.0.1" : ""),
      ...(fw.certProvisionMode ? { certProvisionMode: fw.certProvisionMode } : {}),
      ...(fw.secretName ? { secretName: fw.secretName } : {}),
      ...(fw.serverCertDir ? { certDir: fw.serverCertDir } : {}),
      ...(values["webhook-host"] ? { registerHost: values["webhook-host"] } : {}),
      ...(file?.authorizer.enabled
        ? {
            authorizer: {
              enabled: true,
              exemptServiceAccountUserNames: file.authorizer.exemptServiceAccountUserNames ?? [],
            },
          }
        : {}),
    };
  }
  return {
    options: {
      ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
      ...(webhooks ? { webhooks } : {}),
      ...leaderElectionOption(values, file, () => namespace),
      health: serverOption(values["health-port"], "health-port", file?.healthProbes, 2751, values.kubeconfig),
      metrics: serverOption(values["metrics-port"], "metrics-port", file?.metrics, 2752, values.kubeconfig),
      qps: values.qps !== undefined ? positive(values.qps, "qps") : (file?.qps ?? 100),
      burst: values.burst !== undefined ? positive(values.burst, "burst") : (file?.burst ?? 150),
      ...(values["scheduler-qps"] !== undefined
        ? { schedulerQps: positive(values["scheduler-qps"], "scheduler-qps") }
        : {}),
      ...(values["scheduler-burst"] !== undefined
        ? { schedulerBurst: positive(values["scheduler-burst"], "scheduler-burst") }
        : {}),
      ...(values["scheduler-name"] ? { schedulerNames: values["scheduler-name"] } : {}),
      scheduler: !values["no-scheduler"],
      ...(Object.keys(concurrency).length > 0 ? { concurrency } : {}),
      ...(file?.topologyAwareScheduling !== undefined
        ? { topologyAwareScheduling: file.topologyAwareScheduling }
        : {}),
      ...(file?.autoMNNVLEnabled !== undefined ? { autoMNNVLEnabled: file.autoMNNVLEnabled } : {}),
      ...initcImage(values["initc-image"], file?.initContainerImage),
      ...(file?.placementPolicies ? { placementPolicies: file.placementPolicies } : {}),
      ...(file?.defaultPlacementPolicy ? { defaultPlacementPolicy: file.defaultPlacementPolicy } : {}),
      ...(file?.nonPreemptiblePriority !== undefined
        ? { nonPreemptiblePriority: file.nonPreemptiblePriority }
        : {}),
      ...(file?.nominationMarginMs !== undefined ? { nominationMarginMs: file.nominationMarginMs } : {}),
      ...(file?.evictionBackoffMs !== undefined ? { evictionBackoffMs: file.evictionBackoffMs } : {}),
    },
    logLevel: level as LogLevel,
    logFormat,
    dashboard: dashboardOption(values["dashboard-addr"], values["no-dashboard"] === true),
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    ignored: file?.ignored ?? [],
  };
}

/**
 * A probe or metrics server's address: the flag's port over the file's over Grove's Go default; the
 * file's bindAddress, else every interface in a pod and loopback out of a cluster (as the webhooks).
 */
function serverOption(
  flag: string | undefined,
  name: string,
  file: ServerEndpoint | undefined,
  goDefault: number,
  kubeconfig: string | undefined,
): { host: string; port: number } {
  let port = file?.port ?? goDefault;
  if (flag !== undefined) {
    port = Number(flag);
    if (!/^\d+$/.test(flag) || port > 65535)
      throw new UsageError(
        `--${name}: must be a port number 0-65535 (0 = any free port), got ${JSON.stringify(flag)}`,
      );
  }
  return { host: file?.bindAddress ?? (kubeconfig ? "127.0.0.1" : ""), port };
}

/** --dashboard-addr HOST:PORT|off, --no-dashboard; default loopback on a free port. */
function dashboardOption(flag: string | undefined, off: boolean): ResolvedCli["dashboard"] {
  if (off || flag === "off") return "off";
  try {
    return parseAddr(flag ?? "127.0.0.1:0");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** --leader-elect* over the file's leaderElection section; absent when neither enables it. */
function leaderElectionOption(
  values: { "leader-elect"?: boolean; "leader-elect-namespace"?: string; "leader-elect-id"?: string },
  file: ReturnType<typeof parseOperatorConfig> | undefined,
  /** The operator's namespace, asked only when neither the flag nor the file names one. */
  operatorNs: () => string,
): Pick<OperatorOptions, "leaderElection"> {
  const fl = file?.leaderElection;
  if (values["leader-elect-namespace"] === "")
    throw new UsageError("--leader-elect-namespace: must be a namespace name");
  if (values["leader-elect-id"] === "") throw new UsageError("--leader-elect-id: must be a Lease name");
  if (!values["leader-elect"] && !fl?.enabled) return {};
  return {
    leaderElection: {
      enabled: true,
      namespace: values["leader-elect-namespace"] ?? fl?.resourceNamespace ?? operatorNs(),
      ...((values["leader-elect-id"] ?? fl?.resourceName)
        ? { name: values["leader-elect-id"] ?? fl?.resourceName }
        : {}),
      ...(fl?.leaseDurationMs !== undefined ? { leaseDurationMs: fl.leaseDurationMs } : {}),
      ...(fl?.renewDeadlineMs !== undefined ? { renewDeadlineMs: fl.renewDeadlineMs } : {}),
      ...(fl?.retryPeriodMs !== undefined ? { retryPeriodMs: fl.retryPeriodMs } : {}),
    },
  };
}
