// Authentication and HTTPS as grove-apiserver serves them by default: a CA of its own that the
// kubeconfig carries (verified, never skipped), a bearer token taken with the scheme in any case, and
// kube-apiserver's 401 Status (as with --anonymous-auth=false) for a request without credentials.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { authenticate } from "../src/authn.js";
import { type RunningApiServer, startApiServer } from "../src/index.js";

interface Kubeconfig {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: { token: string } }[];
}

const readKubeconfig = (path: string) => parse(readFileSync(path, "utf8")) as Kubeconfig;

/** kube-apiserver v1.37.2's answer to an unauthenticated request (--anonymous-auth=false), verbatim. */
const unauthorized = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "Unauthorized",
  reason: "Unauthorized",
  code: 401,
};

/** A GET over HTTPS that verifies the server against `ca` (no skipping). */
function get(url: string, ca: string, authorization?: string): Promise<{ code: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: authorization === undefined ? {} : { authorization } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ code: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("authenticate: kube-apiserver's bearer-token rules", () => {
  it.each([
    ["Bearer tok", "authenticated"],
    ["bearer tok", "authenticated"],
    ["BEARER tok", "authenticated"],
    ["  Bearer tok  ", "authenticated"],
    ["Bearer tok extra", "authenticated"],
    ["Bearer nope", "invalid"],
    ["Bearer", "anonymous"],
    ["Bearer  tok", "anonymous"],
    ["Basic dG9rOg==", "anonymous"],
    ["", "anonymous"],
  ] as const)("%j is %s", (header, want) => {
    expect(authenticate(header, "tok")).toBe(want);
  });

  it("a missing header is anonymous", () => {
    expect(authenticate(undefined, "tok")).toBe("anonymous");
  });
});

describe("HTTPS with a generated CA", () => {
  let dataDir: string;
  let kubeconfigPath: string;
  let s: RunningApiServer;
  let ca: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "apiserver-tls-"));
    dataDir = join(dir, "data");
    kubeconfigPath = join(dir, "kubeconfig");
    s = await startApiServer({ tls: true, dataDir, kubeconfigPath, groveAdmission: false });
    ca = s.caPem ?? "";
  });
  afterAll(() => s.close());

  it("writes a kubeconfig with the CA, the https URL and a token, never insecure-skip-tls-verify", () => {
    const kc = readKubeconfig(kubeconfigPath);
    const cluster = kc.clusters[0]?.cluster ?? {};
    expect(cluster.server).toBe(s.url);
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster["insecure-skip-tls-verify"]).toBeUndefined();
    expect(Buffer.from(String(cluster["certificate-authority-data"]), "base64").toString()).toBe(ca);
    expect(kc.users[0]?.user.token).toBe(s.token);
  });

  it("keeps the CA key out of other users' reach in the data dir", () => {
    expect(statSync(join(dataDir, "pki")).mode & 0o777).toBe(0o700);
    for (const f of ["ca.key", "apiserver.key", "ca.crt", "apiserver.crt"])
      expect(statSync(join(dataDir, "pki", f)).mode & 0o777).toBe(0o600);
  });

  it("answers a request with the token, in any case of the scheme, verified against the CA", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const r = await get(`${s.url}/api/v1/namespaces`, ca, `${scheme} ${s.token}`);
      expect(r.code, scheme).toBe(200);
    }
  });

  it("refuses a request without credentials, or with a wrong token, with kube-apiserver's 401 Status", async () => {
    expect(await get(`${s.url}/api/v1/namespaces`, ca)).toEqual({ code: 401, json: unauthorized });
    expect(await get(`${s.url}/apis`, ca, "Bearer wrong")).toEqual({ code: 401, json: unauthorized });
    expect(await get(`${s.url}/api`, ca, "Basic Z3JvdmU6Z3JvdmU=")).toEqual({
      code: 401,
      json: unauthorized,
    });
  });

  it("keeps its CA in --data-dir: a restarted server is trusted by the earlier CA", async () => {
    const again = await startApiServer({ tls: true, dataDir: join(dataDir, "..", "other") });
    try {
      expect(again.caPem).not.toBe(ca);
    } finally {
      await again.close();
    }
    await s.close();
    s = await startApiServer({ tls: true, dataDir, kubeconfigPath, groveAdmission: false });
    expect(s.caPem).toBe(ca);
    const r = await get(`${s.url}/api/v1/namespaces`, ca, `Bearer ${s.token}`);
    expect(r.code).toBe(200);
  });
});
