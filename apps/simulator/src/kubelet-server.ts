// One kubelet HTTPS endpoint for all of grove-sim's simulated nodes on the real control plane (what
// KWOK does): kube-apiserver proxies `kubectl logs`, exec, attach and port-forward to the pod's node
// at its preferred address and status.daemonEndpoints.kubeletEndpoint.Port; grove-sim gives every
// node the address InternalDNS localhost and this server's port, and starts kube-apiserver
// preferring InternalDNS (control-plane.ts). The paths are kubelet's (pkg/kubelet/server/server.go):
//   GET /containerLogs/{namespace}/{pod}/{container}  the simulated lifecycle (kubelet-logs.ts)
//   /exec, /attach, /run, /portForward                 501 NotImplemented "grove-sim does not simulate ..."
// The certificate is self-signed, made at each start: grove-sim's kube-apiserver has no
// --kubelet-certificate-authority, so it does not verify kubelets (as with kubelet's own
// self-signed serving certificate).
import { type IncomingMessage, STATUS_CODES } from "node:http";
import { createServer } from "node:https";
import type { Duplex } from "node:stream";
import type { PodLogOptions } from "@grove-ts/apiserver";
import { ApiError, type Client, isNotFound, type Logger, noopLogger, PodType } from "@grove-ts/runtime";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/runtime/pki";
import { simulatedKubelet, simulatedLog } from "./kubelet-logs.js";

/** The node address kube-apiserver reaches the simulated kubelets at (InternalDNS, preferred). */
export const KUBELET_ADDRESS = { type: "InternalDNS", address: "localhost" } as const;

export interface KubeletServer {
  /** The port on 127.0.0.1 every simulated node reports as its kubelet's. */
  port: number;
  url: string;
  close(): Promise<void>;
}

const STREAMS = { exec: "exec", attach: "attach", run: "exec", portForward: "portforward" } as const;

interface Answer {
  code: number;
  type: string;
  body: string;
}

const text = (code: number, body: string): Answer => ({ code, type: "text/plain; charset=utf-8", body });

function logOptions(container: string, query: URLSearchParams): PodLogOptions {
  const tail = query.get("tailLines");
  let tailLines: number | undefined;
  if (tail) {
    tailLines = Number(tail);
    if (!Number.isInteger(tailLines) || tailLines < 0)
      throw new Error(`tailLines: Invalid value: ${JSON.stringify(tail)}: must be a non-negative integer`);
  }
  return {
    container,
    previous: query.get("previous") === "true",
    timestamps: query.get("timestamps") === "true",
    ...(tailLines !== undefined ? { tailLines } : {}),
  };
}

/** kubelet's answer to one request (plain or an upgrade: exec, attach, portForward never upgrade here). */
async function answer(client: Client, path: string): Promise<Answer> {
  const url = new URL(path, "https://localhost");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [kind, namespace, name] = parts;
  const stream = kind ? STREAMS[kind as keyof typeof STREAMS] : undefined;
  if (!namespace || !name || (kind !== "containerLogs" && !stream))
    return text(
      404,
      `grove-sim's kubelet serves containerLogs, exec, attach, run and portForward, not ${url.pathname}`,
    );
  // /exec/{ns}/{pod}/{container} or /exec/{ns}/{pod}/{uid}/{container}, as kubelet.
  const container = parts.length > 4 ? parts[4] : parts[3];
  const pod = await client.get(PodType, name, namespace).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (!pod) return text(404, `pod "${name}" does not exist`);
  if (kind === "containerLogs") {
    if (!container)
      return text(400, "a container name is required: /containerLogs/{namespace}/{pod}/{container}");
    try {
      // follow: grove-sim's log is complete when served, so it is printed and closed.
      return text(200, simulatedLog(pod as never, logOptions(container, url.searchParams)));
    } catch (err) {
      // kubelet answers a log error 400 with its message; kube-apiserver relays it as BadRequest.
      return text(400, err instanceof Error ? err.message : String(err));
    }
  }
  try {
    simulatedKubelet.stream(pod as never, stream as "exec" | "attach" | "portforward", container);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // kube-apiserver relays an upgrade's error response as is; kubectl reads a Status from it.
    return {
      code: err.code,
      type: "application/json",
      body: JSON.stringify(err.status),
    };
  }
  return text(500, "unreachable");
}

/** Starts the simulated nodes' kubelet endpoint on 127.0.0.1 (`port` 0: a free one). */
export async function startKubeletServer(
  client: Client,
  options: { port?: number; logger?: Logger } = {},
): Promise<KubeletServer> {
  const log = (options.logger ?? noopLogger).with({ component: "kubelet-server" });
  const ca = createCertificateAuthority("grove-sim-kubelet-ca", 365);
  const tls = issueCertificate(ca, {
    commonName: "grove-sim-kubelet",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
  const respond = (path: string | undefined, write: (a: Answer) => void) =>
    answer(client, path ?? "/")
      .catch((err: unknown): Answer => {
        log.warn("kubelet request failed", { path, error: err });
        return text(500, err instanceof Error ? err.message : String(err));
      })
      .then(write);
  const server = createServer({ cert: `${tls.certPem}${ca.certPem}`, key: tls.keyPem }, (req, res) => {
    void respond(req.url, (a) => {
      res.writeHead(a.code, { "Content-Type": a.type });
      res.end(a.body);
    });
  });
  // exec, attach and port-forward come as upgrades (WebSocket or SPDY): answered with a plain
  // response on the socket, which refuses the upgrade.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => {});
    void respond(req.url, (a) => {
      const body = Buffer.from(a.body);
      // Closed once written: the upgrade's socket is no HTTP connection the server would close.
      socket.end(
        `HTTP/1.1 ${a.code} ${STATUS_CODES[a.code] ?? ""}\r\nContent-Type: ${a.type}\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${a.body}`,
        () => socket.destroy(),
      );
    });
  });
  const sockets = new Set<Duplex>();
  server.on("connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  log.info("kubelet endpoint serving", { port });
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // kube-apiserver keeps its connections to kubelets open: closed here, not waited for.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
