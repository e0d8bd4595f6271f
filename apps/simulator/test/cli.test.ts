// `grove-sim up` as a child process: prints the URL and kubeconfig, serves the real kubectl (HTTPS
// with the CA and a token in the kubeconfig by default; plain http with anonymous access under
// --insecure-http), and exits 0 on SIGTERM.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kubeBinDir } from "../src/index.js";

const BIN = fileURLToPath(new URL("../bin/grove-sim.js", import.meta.url));
// The kubectl built for the release where there is one (npm run k8s:build), else the machine's.
const builtKubectl = join(kubeBinDir(), "kubectl");
const KUBECTL = process.env.KUBECTL ?? (existsSync(builtKubectl) ? builtKubectl : "kubectl");
const hasKubectl = spawnSync(KUBECTL, ["version", "--client"], { stdio: "ignore" }).status === 0;
if (!hasKubectl) console.log(`[grove-sim cli] ${KUBECTL} not found: the kubectl step is skipped`);

const dir = mkdtempSync(join(tmpdir(), "grove-sim-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A GET without credentials; over https it verifies the server against `ca`. */
function anonymousGet(url: string, ca?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, ca ? { ca } : {}, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

interface KubeconfigCluster {
  server: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
}

function kubeconfigOf(path: string): { cluster: KubeconfigCluster; token?: string } {
  const kc = parse(readFileSync(path, "utf8")) as {
    clusters: { cluster: KubeconfigCluster }[];
    users: { user: { token?: string } }[];
  };
  return { cluster: kc.clusters[0]?.cluster as KubeconfigCluster, token: kc.users[0]?.user.token };
}

async function kubectl(kubeconfig: string, args: string[]): Promise<string[]> {
  const cacheDir = mkdtempSync(join(dir, "cache-"));
  const { stdout } = await promisify(execFile)(KUBECTL, [
    ...args,
    "--kubeconfig",
    kubeconfig,
    "--cache-dir",
    cacheDir,
    "-o",
    "name",
  ]);
  return stdout.trim().split("\n");
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${out}`)), timeoutMs);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before ${pattern}: ${out}`)));
  });
}

describe("grove-sim up (CLI)", () => {
  it("rejects bad flags with exit 2 naming the flag", () => {
    const r = spawnSync(process.execPath, [BIN, "up", "--operator", "sideways"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--operator");
  });

  it.each([
    [["up", "--control-plane", "etcd"], '--control-plane: must be grove or kube, got "etcd"'],
    [["nodes", "--nodes", "2"], "nodes: --kubeconfig is required (the cluster to attach to)"],
    [["nodes", "--kubeconfig", "k", "--operator", "external"], "nodes: --operator applies to up only"],
    [["nodes", "--kubeconfig", "k", "--control-plane", "kube"], "nodes: --control-plane applies to up only"],
    [["nodes", "--kubeconfig", "k", "--insecure-http"], "nodes: --insecure-http applies to up only"],
    [
      ["up", "--control-plane", "kube", "--insecure-http"],
      "--insecure-http: applies to --control-plane grove only (kube serves HTTPS)",
    ],
    [["down"], 'unknown command "down" (commands: up, nodes)'],
    [["up", "--shard", "1/2"], "up: --shard applies to nodes only (up simulates the whole cluster)"],
    [
      ["nodes", "--kubeconfig", "k", "--shard", "3/2"],
      '--shard: must be I/N with 1 <= I <= N <= 1024 (this process\'s share of N), got "3/2"',
    ],
  ])("%j is a usage error (exit 2): %s", (args, message) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("--control-plane kube without the binaries: one line naming the command that builds them, exit 1", () => {
    const r = spawnSync(process.execPath, [BIN, "up", "--control-plane", "kube", "--nodes", "1"], {
      encoding: "utf8",
      env: { ...process.env, GROVE_K8S_BIN: join(dir, "no-binaries") },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `grove-sim: the Kubernetes binaries are not built (etcd, kube-apiserver, kube-controller-manager, kubectl missing in ${join(dir, "no-binaries")}): run npm run k8s:build`,
    ]);
  });

  it("prints URL and kubeconfig, answers kubectl over HTTPS with the CA and token of its kubeconfig, refuses anonymous requests (401), exits 0 on SIGTERM", async () => {
    const kubeconfig = join(dir, "kubeconfig");
    const child = spawn(process.execPath, [BIN, "up", "--nodes", "2", "--kubeconfig", kubeconfig], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const out = await waitForLine(child, /ready\./);
      expect(out).toMatch(/API server\s+https:\/\/127\.0\.0\.1:\d+/);
      expect(out).toContain(`kubeconfig   ${kubeconfig}`);
      const { cluster, token } = kubeconfigOf(kubeconfig);
      expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(cluster["insecure-skip-tls-verify"]).toBeUndefined();
      expect(token).toBeTruthy();
      const ca = Buffer.from(cluster["certificate-authority-data"] ?? "", "base64").toString();
      const anonymous = await anonymousGet(`${cluster.server}/api/v1/namespaces`, ca);
      expect(anonymous.code).toBe(401);
      expect(JSON.parse(anonymous.body)).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
      if (hasKubectl) {
        expect(await kubectl(kubeconfig, ["get", "namespaces"])).toContain("namespace/default");
        const names = await kubectl(kubeconfig, ["get", "nodes"]);
        expect(names).toContain("node/gpu-node-0");
        expect(names).toContain("node/gpu-node-1");
        expect(names).toHaveLength(32);
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 40_000);

  it("--insecure-http: plain http with anonymous access, as before HTTPS was the default", async () => {
    const kubeconfig = join(dir, "insecure.kubeconfig");
    const child = spawn(
      process.execPath,
      [BIN, "up", "--nodes", "1", "--kubeconfig", kubeconfig, "--insecure-http"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const out = await waitForLine(child, /ready\./);
      expect(out).toMatch(/API server\s+http:\/\/127\.0\.0\.1:\d+/);
      const { cluster } = kubeconfigOf(kubeconfig);
      expect(cluster.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await anonymousGet(`${cluster.server}/api/v1/namespaces`)).code).toBe(200);
      if (hasKubectl) expect(await kubectl(kubeconfig, ["get", "namespaces"])).toContain("namespace/default");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 40_000);
});
