// Composition: an ApiServer with an in-process client, optionally served over HTTP(S) on 127.0.0.1
// with a generated bearer token and a kubeconfig kubectl and client-node accept (kube-api-compat §0).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import type { ValidationOptions } from "@grove-ts/api";
import type { Client } from "@grove-ts/runtime";
import { stringify } from "yaml";
import { InProcessClient } from "./client.js";
import { registerGroveAdmission } from "./grove.js";
import { createHandler } from "./http.js";
import { ApiServer, type ApiServerOptions } from "./server.js";
import { applyServingLimits } from "./serving.js";
import { servingTls } from "./serving-tls.js";

export interface CreateOptions extends ApiServerOptions {
  /** Grove's defaulting and validation for the grove.io kinds (on by default); `false` turns it off. */
  groveAdmission?: ValidationOptions | false;
}

export interface InProcessApiServer {
  server: ApiServer;
  client: Client;
  close(): Promise<void>;
}

/** An API server with no HTTP at all: the fastest harness for controller tests. */
export function createApiServer(options: CreateOptions = {}): InProcessApiServer {
  const server = new ApiServer(options);
  if (options.groveAdmission !== false) registerGroveAdmission(server, options.groveAdmission ?? {});
  return {
    server,
    client: new InProcessClient(server),
    close: async () => server.close(),
  };
}

export interface StartOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  dataDir?: string;
  /**
   * Serve HTTPS (HTTP/2 with HTTP/1.1 fallback) with a certificate signed by a CA generated at
   * start, or kept in `<dataDir>/pki`; the kubeconfig then carries the CA. Off by default here
   * (tests talk plain HTTP with client-node); the grove-apiserver command turns it on.
   */
  tls?: boolean;
  /** Generated when omitted. */
  token?: string;
  /** Write a kubeconfig for this server here. */
  kubeconfigPath?: string;
  /** Log lines (JSON): startup, errors; requests too when `debug` is set. */
  log?: (line: string) => void;
  debug?: boolean;
  /** Accept requests without credentials (see HttpOptions.anonymous): kubectl over plain http needs it. */
  anonymous?: boolean;
  historySize?: number;
  heartbeatMs?: number;
  bookmarkMs?: number;
  /** Grove's defaulting and validation for the grove.io kinds (on by default); `false` turns it off. */
  groveAdmission?: ValidationOptions | false;
}

export interface RunningApiServer {
  url: string;
  token: string;
  /** With `tls`: the CA certificate (PEM) that signed the serving certificate. */
  caPem?: string;
  kubeconfigPath?: string;
  server: ApiServer;
  /** In-process, no HTTP. */
  client: Client;
  close(): Promise<void>;
}

/**
 * A kubeconfig for `url` with a bearer token. An https server's CA goes in as
 * `certificate-authority-data`; a plain http one gets `insecure-skip-tls-verify` (client-node refuses
 * an http server otherwise; there is nothing to verify).
 */
export function kubeconfigYaml(url: string, token: string, caPem?: string): string {
  const cluster = caPem
    ? { server: url, "certificate-authority-data": Buffer.from(caPem).toString("base64") }
    : { server: url, "insecure-skip-tls-verify": true };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "grove", cluster }],
    contexts: [{ name: "grove", context: { cluster: "grove", user: "grove", namespace: "default" } }],
    "current-context": "grove",
    users: [{ name: "grove", user: { token } }],
  });
}

export async function startApiServer(options: StartOptions = {}): Promise<RunningApiServer> {
  const log = options.log ?? (() => {});
  const api = new ApiServer({ dataDir: options.dataDir, historySize: options.historySize, log });
  if (options.groveAdmission !== false) registerGroveAdmission(api, options.groveAdmission ?? {});
  const token = options.token ?? randomBytes(24).toString("hex");
  const handler = createHandler(api, {
    token,
    heartbeatMs: options.heartbeatMs,
    bookmarkMs: options.bookmarkMs,
    debug: options.debug ? log : undefined,
    anonymous: options.anonymous === true,
    error: log,
  });
  const tls = options.tls
    ? servingTls(options.dataDir ? join(options.dataDir, "pki") : undefined)
    : undefined;
  let http: Server | Http2SecureServer;
  if (tls) http = createSecureServer({ allowHTTP1: true, cert: tls.certPem, key: tls.keyPem }, handler);
  else http = createServer(handler);
  applyServingLimits(http);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const running: RunningApiServer = {
    url,
    token,
    ...(tls ? { caPem: tls.caPem } : {}),
    server: api,
    client: new InProcessClient(api),
    close: async () => {
      api.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        if ("closeAllConnections" in http) http.closeAllConnections();
      });
    },
  };
  if (options.kubeconfigPath) {
    mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
    writeFileSync(options.kubeconfigPath, kubeconfigYaml(url, token, tls?.caPem), { mode: 0o600 });
    running.kubeconfigPath = options.kubeconfigPath;
  }
  return running;
}
