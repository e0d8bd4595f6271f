// grove-operator --kubeconfig PATH [--qps 100] [--burst 150] [--scheduler-name NAME]...
//                [--no-scheduler] [--log-level LEVEL]
import { setMaxListeners } from "node:events";
import { parseArgs } from "node:util";
import { createLogger, type LogLevel } from "@grove-ts/runtime";
import { startOperator } from "../operator.js";

// One process runs a dozen informers that all wait on their manager's abort signal: that is by
// design, not a listener leak.
setMaxListeners(64);

const USAGE = `Usage: grove-operator --kubeconfig PATH [flags]

Runs Grove's controllers and the gang scheduler against the API server the kubeconfig names
(e.g. grove-sim up --operator external). Stops cleanly on SIGINT/SIGTERM.

Flags:
  --kubeconfig PATH        kubeconfig of the cluster (required)
  --qps N                  client-side requests per second (default 100)
  --burst N                client-side burst (default 150)
  --scheduler-name NAME    a scheduler name the gang scheduler answers to; repeat for more
                           (default grove-scheduler)
  --no-scheduler           run the controllers only
  --log-level LEVEL        debug, info (default), warn or error; JSON lines on stderr
  -h, --help               this text
`;

class UsageError extends Error {
  readonly code = "Usage";
}

function positive(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0)
    throw new UsageError(`--${flag}: must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        kubeconfig: { type: "string" },
        qps: { type: "string" },
        burst: { type: "string" },
        "scheduler-name": { type: "string", multiple: true },
        "no-scheduler": { type: "boolean" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  }
  let opts: Parameters<typeof startOperator>[0];
  try {
    values = parse();
    if (values.help) {
      process.stdout.write(USAGE);
      return;
    }
    if (!values.kubeconfig) throw new UsageError("--kubeconfig: required");
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level))
      throw new UsageError(`--log-level: must be debug, info, warn or error, got ${JSON.stringify(level)}`);
    opts = {
      kubeconfigPath: values.kubeconfig,
      qps: positive(values.qps, "qps", 100),
      burst: positive(values.burst, "burst", 150),
      ...(values["scheduler-name"] ? { schedulerNames: values["scheduler-name"] } : {}),
      scheduler: !values["no-scheduler"],
      logger: createLogger({ level: level as LogLevel }),
    };
  } catch (err) {
    process.stderr.write(`grove-operator: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const log = opts.logger;
  let op: Awaited<ReturnType<typeof startOperator>>;
  try {
    op = await startOperator(opts);
  } catch (err) {
    process.stderr.write(`grove-operator: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log?.info("shutting down", { signal: sig });
    op.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`grove-operator: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  log?.info("grove-operator running", {
    kubeconfig: opts.kubeconfigPath,
    qps: opts.qps,
    burst: opts.burst,
    schedulerNames: opts.scheduler === false ? [] : (opts.schedulerNames ?? ["grove-scheduler"]),
  });
}

await main();
