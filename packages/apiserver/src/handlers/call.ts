// What every handler gets (the request, its decoded path, the server it runs on) and the three ways
// it answers: a document, a Status, or a write acknowledged only once it is durable. Every response
// carries kube-apiserver's `Cache-Control: no-cache, private`.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Status } from "@grove-ts/runtime";
import type { ResourceDef } from "../registry.js";
import type { ApiServer } from "../server.js";
import { fail } from "../status.js";

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

/** Per-server settings the handlers read (HttpOptions with their defaults applied). */
export interface Serving {
  api: ApiServer;
  /** Blank-line heartbeat on watches, in ms. */
  heartbeatMs: number;
  /** Interval between BOOKMARK events when a watch asks for them, in ms. */
  bookmarkMs: number;
}

/** One authenticated request, its body read (POST, PUT, PATCH and DELETE) and its path decoded. */
export interface Call extends Serving {
  req: Req;
  res: Res;
  url: URL;
  method: string;
  /** The path's segments, percent-decoded, without empty ones. */
  segs: string[];
  /** The `{name}` parts of the route pattern that matched. */
  params: Record<string, string>;
  /** The raw request body of a POST, PUT, PATCH or DELETE. */
  body?: Buffer;
}

/** A request to a resource, its collection, or a subresource of one object. */
export interface ResourceCall extends Call {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The path had `/watch/` before the resource (the deprecated watch paths). */
  watchPath: boolean;
}

export type Handler<C extends Call = Call> = (c: C) => void | Promise<void>;

export function send(
  res: Res,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
  contentType = "application/json",
): void {
  const text = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  (res as ServerResponse).writeHead(code, {
    "Content-Type": contentType,
    "Cache-Control": "no-cache, private",
    ...headers,
  });
  res.end(text);
}

export function sendStatus(res: Res, s: Status): void {
  send(res, s.code, s);
}

/** Acknowledges a write only once it is durable (group-committed fsync with --data-dir). */
export async function sendDurable(
  c: Call,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): Promise<void> {
  await c.api.durable();
  send(c.res, code, body, headers);
}

/** kube-apiserver's answer for a path no route serves. */
export const notFoundPath = () => fail(404, "NotFound", "the server could not find the requested resource");
