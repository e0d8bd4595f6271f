// `grove-sim nodes --shard I/N`: a cluster's nodes split by a stable hash of the name over N
// processes against one API server. The split itself (every node in exactly one share, the same
// share on every call) and three real `grove-sim nodes` processes simulating one 12-node cluster
// against our API server alone: each registers only its share, and each pod bound to a node is
// run by the process that owns that node (Running, Ready, a pod IP no other shard hands out).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import { type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterNodes, defaultCluster, loadClusterFile } from "../src/cluster.js";
import { inShard, parseShard } from "../src/shard.js";

const BIN = new URL("../bin/grove-sim.js", import.meta.url).pathname;

describe("parseShard", () => {
  it.each(["0/3", "4/3", "1/0", "a/3", "1/", "1", "-1/3", "1/1025"])(
    "%j is refused, naming the flag and the rule",
    (v) => {
      expect(() => parseShard(v)).toThrow(
        `--shard: must be I/N with 1 <= I <= N <= 1024 (this process's share of N), got ${JSON.stringify(v)}`,
      );
    },
  );
  it("reads I/N", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
  });
});

describe("inShard", () => {
  const names = clusterNodes(defaultCluster(1000)).map((n) => n.metadata.name ?? "");
  it("puts every node of a 1,000-node cluster in exactly one of 3 shares, about a third each", () => {
    const shares = [1, 2, 3].map((index) => names.filter((n) => inShard(n, { index, count: 3 })));
    for (const n of names) expect(shares.filter((s) => s.includes(n))).toHaveLength(1);
    expect(shares.reduce((s, x) => s + x.length, 0)).toBe(names.length);
    for (const s of shares) {
      expect(s.length).toBeGreaterThan(names.length * 0.28);
      expect(s.length).toBeLessThan(names.length * 0.39);
    }
  });
  it("is the same on every call and with no shard every node is in", () => {
    for (const n of names.slice(0, 50)) {
      expect(inShard(n, { index: 2, count: 5 })).toBe(inShard(n, { index: 2, count: 5 }));
      expect(inShard(n, undefined)).toBe(true);
      expect(inShard(n, { index: 1, count: 1 })).toBe(true);
    }
  });
});

interface PodObj extends KubeObject {
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

describe("three grove-sim nodes processes simulate one cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "grove-sim-shard-"));
  const clusterFile = join(dir, "cluster.yaml");
  const NODES = 12;
  let sim: RunningApiServer;
  const children: ChildProcess[] = [];
  const outputs: string[] = [];

  beforeAll(async () => {
    writeFileSync(
      clusterFile,
      `pools:\n  - name: w\n    count: ${NODES}\n    allocatable: { cpu: "8", memory: 8Gi, pods: "110" }\n`,
    );
    sim = await startApiServer({ port: 0, kubeconfigPath: join(dir, "kubeconfig") });
    await Promise.all(
      [1, 2, 3].map(
        (i) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              [
                BIN,
                "nodes",
                "--kubeconfig",
                join(dir, "kubeconfig"),
                "--cluster",
                clusterFile,
                "--shard",
                `${i}/3`,
              ],
              { stdio: ["ignore", "pipe", "pipe"] },
            );
            children.push(child);
            let out = "";
            child.stdout?.on("data", (d) => {
              out += d;
              outputs[i - 1] = out;
              if (out.includes("ready.")) resolve();
            });
            child.stderr?.on("data", (d) => {
              out += d;
            });
            child.on("exit", (code) =>
              reject(new Error(`grove-sim nodes --shard ${i}/3 exited ${code}: ${out}`)),
            );
          }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.on("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("each process registers its share only: together the 12 nodes, once each", async () => {
    const names = clusterNodes(loadClusterFile(clusterFile)).map((n) => n.metadata.name ?? "");
    for (const i of [1, 2, 3]) {
      const mine = names.filter((n) => inShard(n, { index: i, count: 3 }));
      expect(outputs[i - 1]).toContain(
        `grove-sim: nodes        ${mine.length} of ${NODES} (shard ${i}/3 of ${NODES} w)`,
      );
    }
    const listed = (await sim.client.list(NodeType)).items.map((n) => n.metadata.name).sort();
    expect(listed).toEqual([...names].sort());
  });

  it("a pod bound to any node runs (Running, Ready) and pod IPs are distinct across shards", async () => {
    const names = (await sim.client.list(NodeType)).items.map((n) => n.metadata.name ?? "");
    for (const [i, node] of names.entries())
      await sim.client.create(PodType, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `p-${i}`, namespace: "default" },
        spec: { nodeName: node, containers: [{ name: "c", image: "busybox" }] },
      });
    const end = Date.now() + 30_000;
    let pods: PodObj[] = [];
    for (;;) {
      pods = (await sim.client.list<PodObj>(PodType, { namespace: "default" })).items.filter((p) =>
        p.metadata.name?.startsWith("p-"),
      );
      const ready = pods.filter((p) =>
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
      if (ready.length === names.length || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pods.map((p) => [p.metadata.name, p.status?.phase])).toEqual(
      names.map((_, i) => [`p-${i}`, "Running"]).sort(),
    );
    const ips = pods.map((p) => p.status?.podIP);
    expect(ips.every((ip) => /^10\.244\.\d+\.\d+$/.test(ip ?? ""))).toBe(true);
    expect(new Set(ips).size).toBe(names.length);
  }, 40_000);
});
