// A new user's first command: grove-apiserver started with no flags writes a kubeconfig the real
// kubectl uses as it is (HTTPS verified against the CA in certificate-authority-data, a bearer
// token; no insecure-skip-tls-verify), and a request without credentials gets kube-apiserver's 401.
// Our server only: on the kube target the control plane is not grove-apiserver.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { kubeBinDir } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { target } from "../src/target.js";
import { type Cluster, noKubectl, removeDir, startCluster } from "./harness.js";

const skip = target === "kube" || noKubectl("grove-apiserver default kubeconfig");
if (target === "kube") console.warn("[grove-apiserver default kubeconfig] grove target only");

let c: Cluster;

beforeAll(async () => {
  if (skip) return;
  c = await startCluster();
}, 60_000);
afterAll(async () => {
  await c?.stop();
  if (c) removeDir(c.dir);
});

interface KubeconfigFile {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
}

function anonymousGet(url: string, ca: string): Promise<{ code: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.skipIf(skip)("grove-apiserver's default kubeconfig", () => {
  it("names the https URL, the CA and a token, and never skips TLS verification", () => {
    const kc = parse(readFileSync(c.kubeconfig, "utf8")) as KubeconfigFile;
    const cluster = kc.clusters[0]?.cluster ?? {};
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.server).toBe(c.url);
    expect(cluster["insecure-skip-tls-verify"]).toBeUndefined();
    expect(Buffer.from(String(cluster["certificate-authority-data"]), "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
    expect(kc.users[0]?.user.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it("serves kubectl as written: namespaces are listed", async () => {
    expect(await c.ok(["get", "namespaces"])).toMatch(/default\s+Active/);
  });

  it("serves the kubectl built for the release too (fresh cache dir)", async () => {
    const built = join(kubeBinDir(), "kubectl");
    if (!existsSync(built)) {
      console.warn(`[grove-apiserver default kubeconfig] ${built} not built: step skipped`);
      return;
    }
    const { stdout } = await promisify(execFile)(built, [
      "--kubeconfig",
      c.kubeconfig,
      "--cache-dir",
      mkdtempSync(join(c.dir, "built-cache-")),
      "get",
      "namespaces",
      "-o",
      "name",
    ]);
    expect(stdout.trim().split("\n")).toContain("namespace/default");
  });

  it("answers a request without credentials with kube-apiserver's 401 Status", async () => {
    const kc = parse(readFileSync(c.kubeconfig, "utf8")) as KubeconfigFile;
    const ca = Buffer.from(
      String(kc.clusters[0]?.cluster["certificate-authority-data"]),
      "base64",
    ).toString();
    expect(await anonymousGet(`${c.url}/api/v1/namespaces`, ca)).toEqual({
      code: 401,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      },
    });
  });
});
