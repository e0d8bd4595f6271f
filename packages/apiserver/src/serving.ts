// Connection-level limits of the HTTP(S) listener, as kube-apiserver's Go server sets them
// (k8s.io/apiserver/pkg/server/secure_serving.go): 1 MiB of request line and headers, idle
// keep-alive connections and HTTP/2 sessions closed after 90 s, 32 s to send the headers. A request
// Node refuses before it reaches the handler (headers too large, malformed) still gets a Status.
import type { Server } from "node:http";
import type { Http2SecureServer, Http2Session } from "node:http2";
import type { Duplex } from "node:stream";
import { status } from "@grove-ts/runtime";

/** http.Server.MaxHeaderBytes in kube-apiserver: request line plus headers. */
export const maxHeaderBytes = 1 << 20;
/** IdleTimeout of kube-apiserver's http.Server and http2.Server. */
export const idleTimeoutMs = 90_000;
/** ReadHeaderTimeout of kube-apiserver's http.Server. */
export const readHeaderTimeoutMs = 32_000;

export interface ServingLimits {
  maxHeaderBytes?: number;
  idleTimeoutMs?: number;
  readHeaderTimeoutMs?: number;
}

/** A complete HTTP/1.1 response carrying a Status, for a socket Node has not handed to the handler. */
function rawStatus(code: number, reason: string, message: string): string {
  const body = JSON.stringify(status(code, reason, message));
  const phrase = code === 431 ? "Request Header Fields Too Large" : "Bad Request";
  return [
    `HTTP/1.1 ${code} ${phrase}`,
    "Content-Type: application/json",
    "Cache-Control: no-cache, private",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/** Sets kube-apiserver's limits on a listener made by http.createServer or http2.createSecureServer. */
export function applyServingLimits(server: Server | Http2SecureServer, limits: ServingLimits = {}): void {
  const headerBytes = limits.maxHeaderBytes ?? maxHeaderBytes;
  const idle = limits.idleTimeoutMs ?? idleTimeoutMs;
  // HTTP/1.1, plain or the TLS fallback of the HTTP/2 server (Node's HTTP/1 connection code reads
  // these from whichever server the socket belongs to).
  const h1 = server as Server & { maxHeaderSize: number };
  h1.maxHeaderSize = headerBytes;
  h1.keepAliveTimeout = idle;
  h1.headersTimeout = limits.readHeaderTimeoutMs ?? readHeaderTimeoutMs;
  if ("updateSettings" in server) {
    // An HTTP/2 session idle this long is closed with GOAWAY, as Go's http2.Server does; until now
    // an idle TLS client held its connection for ever.
    // (The same event brings HTTP/1.1 sockets of the TLS fallback, idle as long: closed too.)
    server.setTimeout(idle);
    server.on("timeout", (session: Http2Session | Duplex) => {
      if ("goaway" in session) session.close();
      else session.destroy();
    });
    server.updateSettings({ maxHeaderListSize: headerBytes });
  }
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    if (err.code === "HPE_HEADER_OVERFLOW")
      socket.end(
        rawStatus(
          431,
          "RequestHeaderFieldsTooLarge",
          `the request line and headers are larger than ${headerBytes} bytes: shorten the URL (its query) or the headers`,
        ),
      );
    else if (err.code?.startsWith("HPE_"))
      socket.end(rawStatus(400, "BadRequest", `malformed HTTP request: ${err.code}`));
    else socket.destroy();
  });
}

/**
 * Whether a Host (or :authority) names this machine: localhost, *.localhost, 127.0.0.0/8 or ::1,
 * with or without a port. An API server that serves anonymous requests answers only these, so a web
 * page cannot reach it by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1).
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let name = host.trim().toLowerCase();
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    if (end < 0) return false;
    const rest = name.slice(end + 1);
    if (rest !== "" && !/^:\d+$/.test(rest)) return false;
    return name.slice(1, end) === "::1";
  }
  const colon = name.lastIndexOf(":");
  if (colon >= 0) {
    if (!/^\d+$/.test(name.slice(colon + 1))) return false;
    name = name.slice(0, colon);
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const octets = name.split(".");
  return (
    octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}
