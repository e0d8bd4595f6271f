// grove-apiserver [--port P] [--kubeconfig PATH] [--data-dir DIR] [--tls] [--debug]
// Serves the API on 127.0.0.1 until SIGINT/SIGTERM; prints one startup line with the URL and the
// kubeconfig path. Quiet otherwise; --debug (or GROVE_APISERVER_LOG=debug) logs every request.
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startApiServer } from "../start.js";

const usage =
  "usage: grove-apiserver [--port P] [--kubeconfig PATH] [--data-dir DIR] [--tls] [--anonymous] [--debug]";

async function main(): Promise<void> {
  let values: {
    port?: string;
    kubeconfig?: string;
    "data-dir"?: string;
    tls?: boolean;
    anonymous?: boolean;
    debug?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        kubeconfig: { type: "string" },
        "data-dir": { type: "string" },
        tls: { type: "boolean" },
        debug: { type: "boolean" },
        anonymous: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`grove-apiserver: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`grove-apiserver: --port must be an integer in 0..65535, got "${values.port}"\n`);
    process.exit(2);
  }
  const dataDir = values["data-dir"] ? resolve(values["data-dir"]) : undefined;
  const kubeconfigPath = resolve(
    values.kubeconfig ??
      (dataDir ? join(dataDir, "kubeconfig") : join(tmpdir(), `grove-apiserver-${process.pid}.kubeconfig`)),
  );
  const debug = values.debug === true || process.env.GROVE_APISERVER_LOG === "debug";
  const running = await startApiServer({
    port,
    dataDir,
    tls: values.tls === true,
    kubeconfigPath,
    debug,
    anonymous: values.anonymous === true,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (!values.tls && !values.anonymous)
    process.stderr.write(
      "grove-apiserver: note: kubectl does not send bearer tokens over plain http; use --tls (or --anonymous) for kubectl\n",
    );
  process.stdout.write(
    `grove-apiserver listening on ${running.url} kubeconfig=${kubeconfigPath}${dataDir ? ` data-dir=${dataDir}` : ""}\n`,
  );
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`grove-apiserver: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
