// Composition: an ApiServer with an in-process client, optionally served over HTTP(S) on 127.0.0.1
// with a generated bearer token and a kubeconfig kubectl and client-node accept (kube-api-compat §0).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ValidationOptions } from "@grove-ts/api";
import type { Client } from "@grove-ts/runtime";
import { stringify } from "yaml";
import { InProcessClient } from "./client.js";
import { registerGroveAdmission } from "./grove.js";
import { createHandler } from "./http.js";
import { ApiServer, type ApiServerOptions } from "./server.js";

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
  kubeconfigPath?: string;
  server: ApiServer;
  /** In-process, no HTTP. */
  client: Client;
  close(): Promise<void>;
}

export function kubeconfigYaml(url: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "grove", cluster: { server: url, "insecure-skip-tls-verify": true } }],
    contexts: [{ name: "grove", context: { cluster: "grove", user: "grove", namespace: "default" } }],
    "current-context": "grove",
    users: [{ name: "grove", user: { token } }],
  });
}

function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "grove-apiserver-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "365",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  let http: Server | Http2SecureServer;
  if (options.tls) http = createSecureServer({ allowHTTP1: true, ...selfSignedCert() }, handler);
  else http = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const running: RunningApiServer = {
    url,
    token,
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
    writeFileSync(options.kubeconfigPath, kubeconfigYaml(url, token), { mode: 0o600 });
    running.kubeconfigPath = options.kubeconfigPath;
  }
  return running;
}
