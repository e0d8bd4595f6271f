// Runs the built grove-apiserver CLI as a child process (random port, its own kubeconfig), or on the
// kube target the real control plane with Grove's admission webhooks (test/src/target.ts), and the
// real kubectl against it with a fresh --cache-dir and HOME (kube-api-compat.md §0).
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@grove-ts/kube";
import { startWebhooks } from "@grove-ts/operator";
import { startControlPlane } from "@grove-ts/simulator";
import { repoRoot } from "../src/shared.js";
import { kubectlPath, target } from "../src/target.js";

export const cliPath = join(repoRoot, "packages/apiserver/bin/grove-apiserver.js");

/** Whether a kubectl is on PATH; suites skip with a visible message when it is not. */
export function noKubectl(suite: string): boolean {
  const r = spawnSync(kubectlPath(), ["version", "--client"], { stdio: "ignore" });
  const missing = r.error !== undefined || r.status !== 0;
  if (missing) console.warn(`[${suite}] skipped: ${kubectlPath()} not found`);
  return missing;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cluster {
  url: string;
  kubeconfig: string;
  dir: string;
  /** The grove-apiserver process (our API server only). */
  proc?: ChildProcess;
  /** Runs kubectl; never throws on a non-zero exit (inspect `code`). */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** Runs kubectl and throws with its stderr unless it exits 0; returns stdout. */
  ok(args: string[], input?: string): Promise<string>;
  /** Writes a file under the cluster's temp dir and returns its path. */
  file(name: string, text: string): string;
  stop(): Promise<number | null>;
}

export interface StartArgs {
  /** Plain http instead of the default HTTPS (with the CA and a token in the kubeconfig). */
  insecureHttp?: boolean;
  /** Serve requests without credentials (kubectl sends no token over http). */
  anonymous?: boolean;
  dataDir?: string;
  dir?: string;
  port?: number;
}

/**
 * Starts the CLI and resolves once it printed its startup line; on the kube target, the real
 * control plane (always TLS with a client certificate: `insecureHttp` and `anonymous` do not apply).
 */
export async function startCluster(args: StartArgs = {}): Promise<Cluster> {
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), "grove-kubectl-"));
  if (target === "kube") return startKubeCluster(dir);
  const kubeconfig = join(dir, "kubeconfig");
  const argv = [cliPath, "--port", String(args.port ?? 0), "--kubeconfig", kubeconfig];
  if (args.insecureHttp) argv.push("--insecure-http");
  if (args.anonymous) argv.push("--anonymous");
  if (args.dataDir) argv.push("--data-dir", args.dataDir);
  const proc = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`grove-apiserver did not start: ${stderr}`)), 20_000);
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+) kubeconfig=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`grove-apiserver exited with ${code}: ${stderr}`));
    });
  });
  return withKubectl(
    url,
    kubeconfig,
    dir,
    proc,
    () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve(proc.exitCode);
          return;
        }
        proc.once("exit", (code) => resolve(code));
        proc.kill("SIGTERM");
      }),
  );
}

/** The real control plane and Grove's webhooks; the Grove CRDs are left for the suite to apply. */
async function startKubeCluster(dir: string): Promise<Cluster> {
  const cp = await startControlPlane();
  const hooks = await startWebhooks(createKubeClient({ kubeconfigPath: cp.kubeconfigPath, qps: -1 }), {
    namespace: "default",
    port: 0,
    registerHost: "127.0.0.1",
    waitForSync: false,
  });
  return withKubectl(cp.url, cp.kubeconfigPath, dir, undefined, async () => {
    await hooks.stop();
    await cp.stop();
    return 0;
  });
}

function withKubectl(
  url: string,
  kubeconfig: string,
  dir: string,
  proc: ChildProcess | undefined,
  stop: () => Promise<number | null>,
): Cluster {
  const cacheDir = mkdtempSync(join(dir, "cache-"));
  const home = mkdtempSync(join(dir, "home-"));
  const kubectl = (kargs: string[], input?: string): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        kubectlPath(),
        ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...kargs],
        {
          env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig },
          timeout: 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === "number"
              ? (err as { code: number }).code
              : 1
            : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  return {
    url,
    kubeconfig,
    dir,
    ...(proc ? { proc } : {}),
    kubectl,
    ok: async (kargs, input) => {
      const r = await kubectl(kargs, input);
      if (r.code !== 0)
        throw new Error(`kubectl ${kargs.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    file: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    stop,
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `kubectl wait --for=condition=Established` on CRDs, retried while a CRD just created has no
 * status.conditions yet: kubectl 1.32 then fails at once ("accessor error: <nil> is of the type
 * <nil>") instead of waiting (seen against kube-apiserver v1.37.2 under load).
 */
export async function waitEstablished(c: Pick<Cluster, "kubectl">, target: string[]): Promise<void> {
  const args = ["wait", "--for=condition=Established", "--timeout=60s", ...target];
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await c.kubectl(args);
    if (r.code === 0) return;
    if (!r.stderr.includes("accessor error") || Date.now() > end)
      throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
