// The real control plane's aggregation (src/aggregation.ts): the front-proxy certificates are made
// once and kept, kube-apiserver gets kubeadm's requestheader and proxy-client flags, and grove-sim's
// extension server answers only the front proxy (a client certificate signed by the front-proxy CA
// with its allowed name) over a serving certificate valid for <service>.<namespace>.svc, the name
// the aggregator verifies. Registration through APIServices is exercised by e2e/metrics-api (kube).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MountedApi } from "@grove-ts/apiserver";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/runtime/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aggregationFlags,
  type ExtensionServer,
  ensureFrontProxyPki,
  FRONT_PROXY_CLIENT,
  startExtensionServer,
} from "../src/aggregation.js";

const api: MountedApi = {
  group: "metrics.k8s.io",
  version: "v1beta1",
  resources: () => [{ name: "pods", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] }],
  get: () => ({ kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items: [] }),
};

const dir = mkdtempSync(join(tmpdir(), "grove-agg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("front-proxy certificates and flags", () => {
  it("are made once and kept; the flags name them and the allowed client name", async () => {
    const a = await ensureFrontProxyPki(dir);
    const b = await ensureFrontProxyPki(dir);
    expect(b.caPem).toBe(a.caPem);
    expect(readFileSync(a.clientCrt, "utf8")).toContain("BEGIN CERTIFICATE");
    expect(aggregationFlags(a)).toEqual([
      `--requestheader-client-ca-file=${a.caCrt}`,
      `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${a.clientCrt}`,
      `--proxy-client-key-file=${a.clientKey}`,
    ]);
  });
});

describe("the extension server", () => {
  let ext: ExtensionServer;
  let front: Awaited<ReturnType<typeof ensureFrontProxyPki>>;
  beforeAll(async () => {
    front = await ensureFrontProxyPki(dir);
    ext = await startExtensionServer([api], front.caPem);
  });
  afterAll(() => ext.close());

  /** A GET as kube-apiserver's proxy makes it: SNI <svc>.<ns>.svc, verified with the caBundle. */
  const get = (path: string, client?: { cert: string; key: string }) =>
    new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: ext.port,
          path,
          servername: "grove-sim-metrics.kube-system.svc",
          ca: ext.caPem,
          ...(client ?? {}),
        },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });
  const frontClient = () => ({
    cert: readFileSync(front.clientCrt, "utf8"),
    key: readFileSync(front.clientKey, "utf8"),
  });

  it("answers the front proxy: discovery and the group's GETs", async () => {
    const d = await get("/apis/metrics.k8s.io/v1beta1", frontClient());
    expect(d.code).toBe(200);
    expect(JSON.parse(d.body).resources).toEqual([
      { singularName: "", name: "pods", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ]);
    const l = await get("/apis/metrics.k8s.io/v1beta1/pods", frontClient());
    expect(JSON.parse(l.body).kind).toBe("PodMetricsList");
  });

  it("refuses a request without a certificate, with another CA's, or with another name", async () => {
    expect((await get("/apis/metrics.k8s.io/v1beta1/pods")).code).toBe(401);
    const other = createCertificateAuthority("other");
    const stranger = issueCertificate(other, { commonName: FRONT_PROXY_CLIENT, usage: "client" });
    expect(
      (await get("/apis/metrics.k8s.io/v1beta1/pods", { cert: stranger.certPem, key: stranger.keyPem })).code,
    ).toBe(401);
    const caPem = readFileSync(front.caCrt, "utf8");
    const caKey = readFileSync(join(dir, "front-proxy-ca.key"), "utf8");
    const someone = issueCertificate(
      { certPem: caPem, keyPem: caKey },
      { commonName: "someone", usage: "client" },
    );
    const r = await get("/apis/metrics.k8s.io/v1beta1/pods", { cert: someone.certPem, key: someone.keyPem });
    expect(r.code).toBe(401);
    expect(r.body).toContain("client certificate someone is not the front proxy's");
    expect((await get("/healthz")).code).toBe(200);
  });
});
