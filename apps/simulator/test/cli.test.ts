// `grove-sim up` as a child process: prints the URL and kubeconfig, serves the real kubectl, and
// exits 0 on SIGTERM.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/grove-sim.js", import.meta.url));
const KUBECTL = process.env.KUBECTL ?? "kubectl";
const hasKubectl = spawnSync(KUBECTL, ["version", "--client"], { stdio: "ignore" }).status === 0;
if (!hasKubectl) console.log(`[grove-sim cli] ${KUBECTL} not found: the kubectl step is skipped`);

const dir = mkdtempSync(join(tmpdir(), "grove-sim-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    [["down"], 'unknown command "down" (commands: up, nodes)'],
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

  it("prints URL and kubeconfig, answers kubectl, exits 0 on SIGTERM", async () => {
    const kubeconfig = join(dir, "kubeconfig");
    const child = spawn(process.execPath, [BIN, "up", "--nodes", "2", "--kubeconfig", kubeconfig], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const out = await waitForLine(child, /ready\./);
      expect(out).toMatch(/API server\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toContain(`kubeconfig   ${kubeconfig}`);
      if (hasKubectl) {
        const cacheDir = mkdtempSync(join(dir, "cache-"));
        const { stdout } = await promisify(execFile)(KUBECTL, [
          "get",
          "nodes",
          "--kubeconfig",
          kubeconfig,
          "--cache-dir",
          cacheDir,
          "-o",
          "name",
        ]);
        const names = stdout.trim().split("\n");
        expect(names).toContain("node/gpu-node-0");
        expect(names).toContain("node/gpu-node-1");
        expect(names).toHaveLength(32);
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 40_000);
});
