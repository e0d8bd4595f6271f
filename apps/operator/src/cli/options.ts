// grove-operator's command line and OperatorConfiguration file, resolved into startOperator's
// options: a flag beats the file, the file beats the defaults.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { GroveControllersConcurrency } from "@grove-ts/controllers";
import type { LogLevel } from "@grove-ts/runtime";
import { parseOperatorConfig, type ServerEndpoint } from "../config.js";
import type { OperatorOptions } from "../operator.js";

export const USAGE = `Usage: grove-operator --kubeconfig PATH [flags]

Runs Grove's controllers and the gang scheduler against the API server the kubeconfig names
(e.g. grove-sim up --operator external). Stops cleanly on SIGINT/SIGTERM.

Flags (a flag overrides the --config file):
  --kubeconfig PATH        kubeconfig of the cluster (required)
  --config FILE            Grove OperatorConfiguration (operator.config.grove.io/v1alpha1) YAML; acted
                           on: runtimeClientConnection.qps/burst, controllers.<podCliqueSet|podClique|
                           podCliqueScalingGroup|podGang>.concurrentSyncs, logLevel,
                           topologyAwareScheduling.enabled, server.healthProbes.* and
                           server.metrics.*; other fields are validated and ignored
  --qps N                  client-side requests per second (default 100)
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
  --log-level LEVEL        debug, info (default), warn or error; JSON lines on stderr
  -h, --help               this text
`;

export class UsageError extends Error {
  readonly code = "Usage";
}

export interface ResolvedCli {
  help?: true;
  options: Omit<OperatorOptions, "logger"> & { qps: number; burst: number };
  logLevel: LogLevel;
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
      config: { type: "string" },
      "health-port": { type: "string" },
      "metrics-port": { type: "string" },
      qps: { type: "string" },
      burst: { type: "string" },
      "scheduler-qps": { type: "string" },
      "scheduler-burst": { type: "string" },
      concurrency: { type: "string" },
      "scheduler-name": { type: "string", multiple: true },
      "no-scheduler": { type: "boolean" },
      "initc-image": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help)
    return { help: true, options: { kubeconfigPath: "", qps: 0, burst: 0 }, logLevel: "info", ignored: [] };
  if (!values.kubeconfig) throw new UsageError("--kubeconfig: required");
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
  return {
    options: {
      kubeconfigPath: values.kubeconfig,
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
      ...initcImage(values["initc-image"], file?.initContainerImage),
    },
    logLevel: level as LogLevel,
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    ignored: file?.ignored ?? [],
  };
}
