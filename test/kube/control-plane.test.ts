// The real control plane's start-up and its faults (issue 10, "Bad input and faults"): a missing
// binary, a port in use, a process that dies or never becomes healthy each fail with one line
// naming what failed and the log to read, and leave nothing running; `grove-sim up --control-plane
// kube` keeps etcd's data with --data-dir; `grove-sim nodes` attaches nodes that the real node
// lifecycle controller accepts (leases renewed, the not-ready taint lifted).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@grove-ts/kube";
import { type KubeObject, LeaseType, NodeType } from "@grove-ts/runtime";
import {
  ControlPlaneError,
  KUBE_PROGRAMS,
  kubeBinDir,
  NODE_LEASE_NAMESPACE,
  startControlPlane,
  startSimNodes,
} from "@grove-ts/simulator";
import { afterAll, describe, expect, it } from "vitest";
import { spawnNode, startSimCli } from "../e2e/lib/operator.js";
import { waitFor } from "../e2e/lib/wait.js";
import { kubectlPath } from "../src/target.js";

const scratch = mkdtempSync(join(tmpdir(), "grove-kube-faults-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A bin folder of links to the real programs, with `program` replaced by a shell script. */
function binWith(program: string, script: string): string {
  const dir = mkdtempSync(join(scratch, "bin-"));
  for (const p of KUBE_PROGRAMS) {
    if (p === program) {
      writeFileSync(join(dir, p), `#!/bin/sh\n${script}\n`);
      chmodSync(join(dir, p), 0o755);
    } else symlinkSync(join(kubeBinDir(), p), join(dir, p));
  }
  return dir;
}

/** The control-plane processes whose command line names `dir` (none may outlive a failed start). */
function processesUnder(dir: string): string[] {
  try {
    return execFileSync("pgrep", ["-a", "-f", dir], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function startFails(options: Parameters<typeof startControlPlane>[0]): Promise<ControlPlaneError> {
  const err = await startControlPlane({ startTimeoutMs: 10_000, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControlPlaneError);
  return err as ControlPlaneError;
}

describe("control plane faults", () => {
  it("missing binaries: names them and the command that builds them", async () => {
    const empty = mkdtempSync(join(scratch, "empty-"));
    const err = await startFails({ binDir: empty });
    expect(err.message).toContain(
      `etcd, kube-apiserver, kube-controller-manager, kubectl missing in ${empty}`,
    );
    expect(err.message).toContain("run npm run k8s:build");
  });

  it("a port in use: names the port and the flag", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const err = await startFails({ port });
      expect(err.message).toBe(`port ${port} on 127.0.0.1 is in use: pick another (--port)`);
    } finally {
      busy.close();
    }
  });

  it("etcd exits at start: names it and its log; nothing is left running", async () => {
    const dataDir = mkdtempSync(join(scratch, "data-"));
    const err = await startFails({ binDir: binWith("etcd", "echo etcd cannot start >&2; exit 3"), dataDir });
    const log = join(dataDir, "logs", "etcd.log");
    expect(err.message).toBe(`etcd exited with code 3 during start-up; read ${log}`);
    expect(readFileSync(log, "utf8")).toContain("etcd cannot start");
    expect(processesUnder(dataDir)).toEqual([]);
  });

  it("kube-apiserver never healthy: times out, names it and its log, and stops etcd", async () => {
    const dataDir = mkdtempSync(join(scratch, "data-"));
    const err = await startFails({
      binDir: binWith("kube-apiserver", "exec sleep 600"),
      dataDir,
      startTimeoutMs: 3_000,
    });
    expect(err.message).toBe(
      `kube-apiserver did not become healthy within 3 s; read ${join(dataDir, "logs", "kube-apiserver.log")}`,
    );
    expect(processesUnder(dataDir)).toEqual([]);
  });

  it("grove-sim up: a bad --control-plane is a usage error (exit 2)", async () => {
    const child = spawnNode(join(import.meta.dirname, "../../apps/simulator/bin/grove-sim.js"), [
      "up",
      "--control-plane",
      "etcd",
    ]);
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain('--control-plane: must be grove or kube, got "etcd"');
  });
});

describe("grove-sim on the real control plane", () => {
  it("--data-dir keeps etcd's data across a stop and a start", async () => {
    const dataDir = join(scratch, "kept");
    const kubeconfig = join(scratch, "kept.kubeconfig");
    const args = [
      "--control-plane",
      "kube",
      "--data-dir",
      dataDir,
      "--kubeconfig",
      kubeconfig,
      "--nodes",
      "2",
    ];
    const kubectl = (...a: string[]) =>
      execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, "--cache-dir", join(scratch, "cache"), ...a], {
        encoding: "utf8",
      });
    const manifest = join(scratch, "kept.yaml");
    writeFileSync(
      manifest,
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, namespace: default}\ndata: {a: b}\n",
    );
    let sim = await startSimCli(args, 120_000);
    try {
      expect(sim.output()).toMatch(/kube-apiserver v1\.37\.2/);
      kubectl("apply", "-f", manifest);
    } finally {
      expect(await sim.stop("SIGINT")).toBe(0);
    }
    expect(existsSync(join(dataDir, "etcd"))).toBe(true);
    expect(processesUnder(dataDir)).toEqual([]);
    sim = await startSimCli(args, 120_000);
    try {
      expect(kubectl("get", "configmap", "kept", "-o", "jsonpath={.data.a}")).toBe("b");
    } finally {
      expect(await sim.stop("SIGTERM")).toBe(0);
    }
    expect(processesUnder(dataDir)).toEqual([]);
  }, 300_000);

  it("grove-sim nodes: Ready nodes with renewed leases; the node lifecycle controller lifts the not-ready taint", async () => {
    const cp = await startControlPlane();
    const client = createKubeClient({ kubeconfigPath: cp.kubeconfigPath, qps: -1 });
    const cluster = {
      name: "faults",
      pools: [
        { name: "cpu", count: 3, namePrefix: "n-", allocatable: { cpu: "8", memory: "16Gi", pods: "110" } },
      ],
    };
    const nodes = await startSimNodes(client, cluster);
    try {
      expect(nodes.nodeNames).toEqual(["n-0", "n-1", "n-2"]);
      const lease = await client.get<KubeObject & { spec: { holderIdentity: string; renewTime: string } }>(
        LeaseType,
        "n-0",
        NODE_LEASE_NAMESPACE,
      );
      expect(lease?.spec.holderIdentity).toBe("n-0");
      expect(lease?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "n-0" });
      await waitFor(
        "the not-ready taint lifted from every node",
        async () => {
          const list = await client.list<KubeObject & { spec?: { taints?: { key: string }[] } }>(NodeType);
          const tainted = list.items.filter((n) =>
            (n.spec?.taints ?? []).some((t) => t.key === "node.kubernetes.io/not-ready"),
          );
          return {
            ok: tainted.length === 0,
            state: `tainted: ${tainted.map((n) => n.metadata.name).join(", ")}`,
          };
        },
        { timeoutMs: 60_000 },
      );
      await waitFor(
        "the lease renewed",
        async () => {
          const now = await client.get<KubeObject & { spec: { renewTime: string } }>(
            LeaseType,
            "n-0",
            NODE_LEASE_NAMESPACE,
          );
          return {
            ok: now?.spec.renewTime !== lease?.spec.renewTime,
            state: `renewTime ${now?.spec.renewTime}`,
          };
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await nodes.stop();
      await cp.stop();
    }
  }, 180_000);
});
