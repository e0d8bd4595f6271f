// grove-sim up [--control-plane grove|kube] [--nodes N | --cluster FILE] [--port P] [--kubeconfig PATH]
//              [--operator in-process|external] [--ready-delay MS] [--data-dir DIR] [--insecure-http]
//              [--log-level LEVEL]
// grove-sim nodes --kubeconfig PATH [--nodes N | --cluster FILE] [--ready-delay MS] [--log-level LEVEL]
import { MNNVLPreflightError } from "@grove-ts/operator";
import { ClusterFileError } from "../cluster.js";
import { UsageError } from "./args.js";
import { closeOnSignal, nodes, parseUp, type UpFlags, USAGE, up } from "./up.js";

async function main(): Promise<void> {
  let flags: UpFlags | "help";
  try {
    flags = parseUp(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`grove-sim: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (flags === "help") {
    process.stdout.write(USAGE);
    return;
  }
  try {
    if (flags.command === "nodes") {
      const sim = await nodes(flags);
      closeOnSignal({ close: () => sim.stop() });
    } else closeOnSignal(await up(flags));
  } catch (err) {
    const code =
      err instanceof ClusterFileError || err instanceof UsageError
        ? 2
        : err instanceof MNNVLPreflightError
          ? err.exitCode
          : 1;
    process.stderr.write(`grove-sim: ${(err as Error).message}\n`);
    process.exit(code);
  }
}

await main();
