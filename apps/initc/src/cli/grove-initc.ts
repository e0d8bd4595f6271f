// grove-initc --podcliques=<parentPCLQFQN>:<minAvailable>... [--pod-info-dir DIR] [--kubeconfig PATH]
// Exit codes: 0 every parent ready; 1 bad arguments, unreadable pod info, a client error, or stopped
// by SIGTERM/SIGINT before the parents were ready (as Grove's init container: a cancelled wait is an error).
import { createKubeClient } from "@grove-ts/kube";
import { createLogger } from "@grove-ts/runtime";
import { type InitcOptions, parseArgs, USAGE } from "../options.js";
import { readPodInfo, waitForParents } from "../wait.js";

function fail(message: string, usage = false): never {
  process.stderr.write(`grove-initc: ${message}\n${usage ? `\n${USAGE}` : ""}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let opts: InitcOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    fail((err as Error).message, true);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = createLogger({ level: opts.logLevel }).with({ component: "grove-initc" });
  if (opts.ignored.length > 0) log.warn("positional arguments ignored", { args: opts.ignored });
  let info: ReturnType<typeof readPodInfo>;
  try {
    info = readPodInfo(opts.podInfoDir);
  } catch (err) {
    fail((err as Error).message);
  }
  // The pod's service account unless a kubeconfig is given (Grove: rest.InClusterConfig);
  // @grove-ts/kube names a missing service environment or token.
  let client: ReturnType<typeof createKubeClient>;
  try {
    client = createKubeClient(
      opts.kubeconfigPath ? { kubeconfigPath: opts.kubeconfigPath } : { inCluster: true },
    );
  } catch (err) {
    fail((err as Error).message);
  }
  const parents = Object.fromEntries(opts.parents);
  log.info("parent PodClique(s) being waited on", {
    namespace: info.namespace,
    podGang: info.podGang,
    parents,
  });
  const abort = new AbortController();
  let signalName: string | undefined;
  const onSignal = (sig: string) => {
    // A second signal does not wait for the clean stop.
    if (signalName) process.exit(1);
    signalName = sig;
    abort.abort();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  let result: "ready" | "aborted";
  try {
    result = await waitForParents({
      client,
      namespace: info.namespace,
      podGang: info.podGang,
      parents: opts.parents,
      logger: log,
      signal: abort.signal,
    });
  } catch (err) {
    fail(`waiting for parent PodCliques failed: ${(err as Error).message}`);
  }
  if (result === "aborted") fail(`stopped by ${signalName} before the parent PodCliques were ready`);
  log.info("all parent PodCliques ready", { parents });
  process.exit(0);
}

void main();
