// The HTTPS server kube-apiserver calls: AdmissionReview v1 in and out at Grove's paths. A body
// that is not JSON or not an AdmissionReview is a 400 Status and a log line, never a crash; the
// serving certificate can be swapped while running (renewal, cert-manager rotation).
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { ApiError, type Logger, noopLogger, status } from "@grove-ts/runtime";
import { type AdmissionContext, isWebhookPath, reviewAdmission } from "./admission.js";

/** kube-apiserver's own request limit is 3 MiB; an AdmissionReview holds two objects. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface WebhookServerOptions {
  certPem: string;
  keyPem: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address. Default 127.0.0.1; "" or "0.0.0.0" listens on every interface. */
  host?: string;
  /** Per review: the lookups the rules need. */
  context?: () => AdmissionContext;
  logger?: Logger;
}

export interface WebhookServer {
  /** https://host:port (127.0.0.1 when bound to every interface). */
  url: string;
  port: number;
  server: Server;
  /** Serves a new certificate from the next connection on. */
  setCertificate(certPem: string, keyPem: string): void;
  close(): Promise<void>;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = (options.logger ?? noopLogger).with({ component: "webhook-server" });
  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const send = (code: number, body: unknown) => {
      if (code >= 400)
        log.info("webhook request refused", {
          path,
          method: req.method,
          code,
          message: (body as { message?: string }).message,
        });
      res.writeHead(code, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (!isWebhookPath(path)) return send(404, status(404, "NotFound", `no webhook at ${path}`));
    if (req.method !== "POST") return send(405, status(405, "MethodNotAllowed", "webhooks take POST"));
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on("error", (err) => log.warn("webhook request failed", { path, error: err }));
    req.on("end", () => {
      if (tooLarge)
        return send(
          413,
          status(413, "RequestEntityTooLarge", `AdmissionReview larger than ${MAX_BODY_BYTES} bytes`),
        );
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch (err) {
        return send(400, status(400, "BadRequest", `the body is not JSON: ${(err as Error).message}`));
      }
      reviewAdmission(path, body, options.context?.() ?? {}).then(
        (out) => send(200, out),
        (err) => {
          if (err instanceof ApiError) send(err.status.code ?? 400, err.status);
          else {
            log.error("webhook review failed", { path, error: err });
            send(500, status(500, "InternalError", (err as Error).message));
          }
        },
      );
    });
  });
  server.on("tlsClientError", (err) => log.debug("webhook TLS handshake failed", { error: err }));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host === "" ? undefined : host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === "" || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    url: `https://${shown.includes(":") ? `[${shown}]` : shown}:${port}`,
    port,
    server,
    setCertificate: (cert, key) => server.setSecureContext({ cert, key }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
