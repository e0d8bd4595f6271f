// kubectl-grove: the `kubectl grove` plugin (kubectl runs any kubectl-<name> on PATH as
// `kubectl <name>`). Errors are one line on stderr and exit 1.
import { PluginError } from "../cluster.js";
import { run } from "./run.js";

run(process.argv.slice(2)).then(
  (out) => process.stdout.write(out),
  (err: unknown) => {
    process.stderr.write(
      `error: ${err instanceof PluginError ? err.message : String((err as Error)?.stack ?? err)}\n`,
    );
    process.exitCode = 1;
  },
);
