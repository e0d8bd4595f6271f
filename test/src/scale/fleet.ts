// The simulated fleet across processes (issue 15, item 4): a cluster's nodes run as N
// `grove-sim nodes --shard I/N` child processes against one API server (grove-sim's own or the
// real control plane), each simulating the nodes and kubelets of its share (apps/simulator/src/shard.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ClusterSpec } from "@grove-ts/simulator";

export interface NodeShard {
  /** 1-based, as `--shard I/N`. */
  index: number;
  pid: number;
  /** The process's start-up banner (stdout up to "ready."). */
  banner: string;
  alive(): boolean;
}

export interface Fleet {
  shards: NodeShard[];
  stop(): Promise<void>;
}

export class FleetError extends Error {
  readonly code = "FleetStart";
}

function groveSimBin(): string {
  const main = createRequire(import.meta.url).resolve("@grove-ts/simulator");
  return join(dirname(main), "..", "bin", "grove-sim.js");
}

function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    proc.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

/**
 * Starts `count` node shards of `cluster` attached to the API server of `kubeconfig`; resolves
 * once every one has registered its nodes (printed "ready."). Any shard failing stops the others.
 */
export async function startFleet(o: {
  kubeconfig: string;
  cluster: ClusterSpec;
  count: number;
  readyDelayMs?: number;
  timeoutMs?: number;
}): Promise<Fleet> {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 64)
    throw new RangeError(`node shards: must be an integer in 1..64, got ${o.count}`);
  const dir = mkdtempSync(join(tmpdir(), "grove-fleet-"));
  const clusterFile = join(dir, "cluster.yaml");
  // JSON is YAML: the cluster file format grove-sim reads.
  writeFileSync(clusterFile, JSON.stringify({ kind: "Cluster", ...o.cluster }));
  const bin = groveSimBin();
  const procs: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  const timeoutMs = o.timeoutMs ?? 120_000;
  try {
    const shards = await Promise.all(
      Array.from({ length: o.count }, (_, k) => {
        const index = k + 1;
        const args = [
          bin,
          "nodes",
          "--kubeconfig",
          o.kubeconfig,
          "--cluster",
          clusterFile,
          "--shard",
          `${index}/${o.count}`,
          "--ready-delay",
          String(o.readyDelayMs ?? 0),
        ];
        const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
        procs.push(proc);
        return new Promise<NodeShard>((resolve, reject) => {
          let out = "";
          const timer = setTimeout(
            () =>
              reject(
                new FleetError(
                  `grove-sim nodes --shard ${index}/${o.count}: not ready in ${timeoutMs / 1000} s: ${out.slice(-2000)}`,
                ),
              ),
            timeoutMs,
          );
          const done = () => clearTimeout(timer);
          proc.stdout?.setEncoding("utf8").on("data", (d: string) => {
            if (out.includes("ready.")) return;
            out += d;
            if (out.includes("ready.")) {
              done();
              resolve({
                index,
                pid: proc.pid ?? 0,
                banner: out,
                alive: () => proc.exitCode === null && proc.signalCode === null,
              });
            }
          });
          proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
            out = (out + d).slice(-8000);
          });
          proc.once("exit", (code, signal) => {
            done();
            reject(
              new FleetError(
                `grove-sim nodes --shard ${index}/${o.count} exited ${code ?? signal}: ${out.slice(-2000)}`,
              ),
            );
          });
        });
      }),
    );
    return { shards, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
