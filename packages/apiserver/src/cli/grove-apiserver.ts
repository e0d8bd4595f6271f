// grove-apiserver [--port P] [--kubeconfig PATH] [--data-dir DIR] [--insecure-http] [--anonymous] [--debug]
// Serves the API on 127.0.0.1 until SIGINT/SIGTERM; prints one startup line with the URL and the
// kubeconfig path. Quiet otherwise; --debug (or GROVE_APISERVER_LOG=debug) logs every request.
// HTTPS by default, with a CA of its own (kept in --data-dir) that the kubeconfig carries, and a
// bearer token: kubectl works with that kubeconfig as it is. --insecure-http serves plain http,
// where kubectl sends no token: add --anonymous for kubectl there.
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startApiServer } from "../start.js";

const usage =
  "usage: grove-apiserver [--port P] [--kubeconfig PATH] [--data-dir DIR] [--insecure-http] [--anonymous] [--debug]";

const help = `${usage}

Serves a Kubernetes-compatible API (built-in kinds, Grove's CRDs, CRDs you create, discovery,
OpenAPI, watch, garbage collection) on 127.0.0.1 until SIGINT/SIGTERM, and writes a kubeconfig
kubectl can use as it is (the server's CA and a bearer token made at each start). Prints one line
with the URL and the kubeconfig path; quiet otherwise.

Flags:
  --port P           port to listen on, 0..65535 (default 0: a free port, printed at start)
  --kubeconfig PATH  where to write the kubeconfig (default <data-dir>/kubeconfig, else a file
                     in the temporary directory named after the process id)
  --data-dir DIR     keep the stored objects and the CA here and load them at the next start
                     (default: in memory only, gone on exit)
  --insecure-http    serve plain http instead of HTTPS; kubectl sends no bearer token over http,
                     so add --anonymous for kubectl
  --tls              HTTPS with a CA of its own and a bearer token in the kubeconfig: the
                     default, accepted for older scripts; not with --insecure-http
  --anonymous        accept requests without credentials (answered only when addressed to
                     localhost, 127.0.0.1 or [::1]); default: 401 Unauthorized
  --debug            log every request on stderr (also GROVE_APISERVER_LOG=debug)
  -h, --help         this text
`;

async function main(): Promise<void> {
  let values: {
    port?: string;
    kubeconfig?: string;
    "data-dir"?: string;
    tls?: boolean;
    "insecure-http"?: boolean;
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
        // The default; kept so scripts that pass it keep working.
        tls: { type: "boolean" },
        "insecure-http": { type: "boolean" },
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
    process.stdout.write(help);
    return;
  }
  if (values.tls && values["insecure-http"]) {
    process.stderr.write(`grove-apiserver: --tls and --insecure-http: give one or the other\n${usage}\n`);
    process.exit(2);
  }
  const tls = values["insecure-http"] !== true;
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
    tls,
    kubeconfigPath,
    debug,
    anonymous: values.anonymous === true,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (!tls && !values.anonymous)
    process.stderr.write(
      "grove-apiserver: note: kubectl does not send bearer tokens over plain http; drop --insecure-http (or add --anonymous) for kubectl\n",
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
