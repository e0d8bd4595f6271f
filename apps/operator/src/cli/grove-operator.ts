// grove-operator [--kubeconfig PATH] [--config FILE] [--qps 100] [--burst 150] [--concurrency N]
//                [--scheduler-qps 50] [--scheduler-burst 100] [--scheduler-name NAME]...
//                [--no-scheduler] [--log-level LEVEL]
import { DEFAULT_CONCURRENCY } from "@grove-ts/controllers";
import { type Dashboard, startDashboard, tokenReviewAuthenticator } from "@grove-ts/dashboard";
import { createLogger } from "@grove-ts/runtime";
import { DEFAULT_LEADER_ELECTION_ID } from "../leader.js";
import { MNNVLPreflightError, startOperator } from "../operator.js";
import { type ResolvedCli, resolveCli, USAGE } from "./options.js";

async function main(): Promise<void> {
  let cli: ResolvedCli;
  try {
    cli = resolveCli(process.argv.slice(2));
  } catch (err) {
    // Usage errors show the usage; a bad --config file names its fields.
    const usage = (err as { code?: string }).code === "Usage" || err instanceof TypeError;
    process.stderr.write(`grove-operator: ${(err as Error).message}\n${usage ? `\n${USAGE}` : ""}`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = createLogger({ level: cli.logLevel, format: cli.logFormat });
  const opts = {
    ...cli.options,
    logger: log,
    // controller-runtime's answer to a lost Lease: exit at once; the pod restarts as a standby.
    onLeadershipLost: (reason: string) => {
      log.error("leader election lost", { reason });
      process.exit(1);
    },
  };
  if (cli.ignored.length > 0)
    log.warn("configuration fields not acted on by grove-operator (accepted, ignored)", {
      config: cli.configPath,
      fields: cli.ignored,
    });
  let op: Awaited<ReturnType<typeof startOperator>>;
  let dashboard: Dashboard | undefined;
  try {
    op = await startOperator(opts);
    if (cli.dashboard !== "off")
      dashboard = await startDashboard({
        client: op.client,
        ...cli.dashboard,
        authenticate: tokenReviewAuthenticator(op.client),
        logger: log,
        // The what-if validates as this operator's admission does.
        validation: {
          ...(opts.topologyAwareScheduling !== undefined
            ? { topologyAwareScheduling: opts.topologyAwareScheduling }
            : {}),
          ...(opts.autoMNNVLEnabled ? { autoMNNVLEnabled: true } : {}),
        },
      });
  } catch (err) {
    process.stderr.write(`grove-operator: ${(err as Error).message}\n`);
    // Grove's exit codes: 7 for the MNNVL preflight, else a start-up failure.
    process.exit(err instanceof MNNVLPreflightError ? err.exitCode : 1);
  }
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal: sig });
    Promise.resolve(dashboard?.close())
      .then(() => op.stop())
      .then(
        () => process.exit(0),
        (err) => {
          process.stderr.write(`grove-operator: shutdown failed: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  log.info("grove-operator running", {
    kubeconfig: opts.kubeconfigPath ?? "(in-cluster)",
    ...(op.webhooks ? { webhooks: op.webhooks.url } : {}),
    ...(op.healthUrl ? { healthz: `${op.healthUrl}/healthz`, readyz: `${op.healthUrl}/readyz` } : {}),
    ...(op.metricsUrl ? { metrics: `${op.metricsUrl}/metrics` } : {}),
    ...(dashboard ? { dashboard: dashboard.url } : {}),
    ...(cli.configPath ? { config: cli.configPath } : {}),
    qps: opts.qps,
    burst: opts.burst,
    concurrency: { ...DEFAULT_CONCURRENCY, ...(opts.concurrency ?? {}) },
    schedulerNames: opts.scheduler === false ? [] : (opts.schedulerNames ?? ["grove-scheduler"]),
    ...(opts.leaderElection
      ? {
          leaderElection: `${opts.leaderElection.namespace}/${opts.leaderElection.name ?? DEFAULT_LEADER_ELECTION_ID}`,
        }
      : {}),
  });
}

await main();
