// The real kubectl against one grove-sim (the machine's 1.32 against our API server, the one built
// for the release against the real control plane: test/src/target.ts): every call passes --kubeconfig and this file's own
// --cache-dir and HOME, so no discovery or /version answer leaks between simulators
// (kube-api-compat.md §0).
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { kubectlPath } from "../../src/target.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class KubectlError extends Error {
  readonly code = "KubectlFailed";
  constructor(
    readonly args: readonly string[],
    readonly result: KubectlResult,
  ) {
    super(`kubectl ${args.join(" ")} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "KubectlError";
  }
}

export class Kubectl {
  readonly cacheDir: string;
  private readonly home: string;

  constructor(
    readonly kubeconfig: string,
    dir: string,
  ) {
    this.cacheDir = mkdtempSync(join(dir, "kubectl-cache-"));
    this.home = mkdtempSync(join(dir, "home-"));
  }

  /** Runs kubectl; never throws on a non-zero exit (inspect `code`). */
  run(args: readonly string[], input?: string): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        kubectlPath(),
        ["--kubeconfig", this.kubeconfig, "--cache-dir", this.cacheDir, ...args],
        {
          env: { ...process.env, HOME: this.home, KUBECONFIG: this.kubeconfig },
          timeout: 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Starts a long-running kubectl (e.g. `get --watch`) with this file's kubeconfig, cache dir and HOME. */
  spawn(args: readonly string[]): ChildProcessWithoutNullStreams {
    return spawn(kubectlPath(), ["--kubeconfig", this.kubeconfig, "--cache-dir", this.cacheDir, ...args], {
      env: { ...process.env, HOME: this.home, KUBECONFIG: this.kubeconfig },
    });
  }

  /** Runs kubectl and returns stdout; throws KubectlError unless it exits 0. */
  async ok(args: readonly string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw new KubectlError(args, r);
    return r.stdout;
  }

  /** `kubectl get ... -o json`, parsed. */
  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, "-o", "json"])) as T;
  }

  /** `kubectl get <kind> -o name` without the `<kind>.<group>/` prefix, sorted. */
  async names(kind: string, ...args: string[]): Promise<string[]> {
    const out = await this.ok(["get", kind, "-o", "name", ...args]);
    return out
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.slice(l.indexOf("/") + 1))
      .sort();
  }
}
