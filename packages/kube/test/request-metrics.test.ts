// The request hook (client-go's rest_client_requests_total) over real HTTP: a small node:http
// server answers as kube-apiserver would for the few paths used here.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigMapType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type RequestResultMetric } from "../src/index.js";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("Content-Type", "application/json");
    if (url.pathname.endsWith("/configmaps/missing")) {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", code: 404, reason: "NotFound", message: "not found" }));
    } else if (url.searchParams.get("watch") === "true" && url.pathname.includes("/namespaces/locked/")) {
      res.statusCode = 403;
      res.end(JSON.stringify({ kind: "Status", code: 403, reason: "Forbidden", message: "forbidden" }));
    } else if (url.searchParams.get("watch") === "true") {
      res.statusCode = 200;
      res.write(""); // an open stream; the client stops it
    } else if (req.method === "POST") {
      res.statusCode = 201;
      res.end(JSON.stringify({ metadata: { name: "made", namespace: "default", resourceVersion: "2" } }));
    } else {
      res.end(JSON.stringify({ metadata: { resourceVersion: "1" }, items: [] }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function recorder() {
  const seen: string[] = [];
  const metric: RequestResultMetric = {
    increment: (code, method, host) => seen.push(`${code} ${method} ${host}`),
  };
  return { seen, metric };
}

describe("KubeClient requestMetrics", () => {
  it("is told of every request with its status code, method and the server's host:port", async () => {
    const { seen, metric } = recorder();
    const client = createKubeClient({ server: base, qps: -1, requestMetrics: metric });
    const host = new URL(base).host;
    await client.list(ConfigMapType, { namespace: "default" });
    expect(await client.get(ConfigMapType, "missing", "default")).toBeUndefined();
    await client.create(ConfigMapType, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "made" } });
    expect(seen).toEqual([`200 GET ${host}`, `404 GET ${host}`, `201 POST ${host}`]);
  });

  it("counts a watch open: 200 when the stream starts, the server's code when it refuses", async () => {
    const { seen, metric } = recorder();
    const client = createKubeClient({ server: base, qps: -1, requestMetrics: metric });
    const host = new URL(base).host;
    const ok = await client.watch(ConfigMapType, { namespace: "default", resourceVersion: "1" }, () => {});
    ok.stop();
    const refused = await client.watch(
      ConfigMapType,
      { namespace: "locked", resourceVersion: "1" },
      () => {},
    );
    await expect(refused.done).rejects.toMatchObject({ code: 403 });
    expect(seen).toEqual([`200 GET ${host}`, `403 GET ${host}`]);
  });

  it("counts a request that got no answer as <error>", async () => {
    const { seen, metric } = recorder();
    // A port nothing listens on: the server above, closed.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise((r) => gone.close(r));
    const client = createKubeClient({ server: url, qps: -1, requestMetrics: metric });
    await expect(client.list(ConfigMapType, { namespace: "default" })).rejects.toThrow();
    expect(seen).toEqual([`<error> GET ${new URL(url).host}`]);
  });
});
