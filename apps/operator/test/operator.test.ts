// grove-operator over HTTP (client-node) against a real API server on loopback: the controllers
// make the pods and the gang scheduler binds them; the CLI exits 0 on SIGTERM.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PodCliqueSetType } from "@grove-ts/api";
import type { RunningApiServer } from "@grove-ts/apiserver";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOperator } from "../src/index.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

const BIN = fileURLToPath(new URL("../bin/grove-operator.js", import.meta.url));
/** Probes and metrics on free ports: parallel runs must not clash on Grove's 2751/2752. */
const FREE_PORTS = ["--health-port", "0", "--metrics-port", "0"];
let cluster: TestCluster;
let api: RunningApiServer;
let kubeconfig: string;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster("grove-operator", { nodes: ["n1", "n2"] });
  ({ api, kubeconfig, dir } = cluster);
});
afterAll(() => cluster?.close());

function pcs(name: string): KubeObject {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas: 1,
      template: {
        cliques: [
          {
            name: "w",
            spec: {
              roleName: "w",
              replicas: 2,
              minAvailable: 2,
              podSpec: {
                containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "1" } } }],
              },
            },
          },
        ],
      },
    },
  } as KubeObject;
}

async function boundPods(name: string): Promise<string[]> {
  return eventually(async () => {
    const pods = await api.client.list<KubeObject & { spec?: { nodeName?: string } }>(PodType, {
      namespace: "default",
      labelSelector: `app.kubernetes.io/part-of=${name}`,
    });
    expect(pods.items).toHaveLength(2);
    const nodes = pods.items.map((p) => p.spec?.nodeName);
    for (const x of nodes) expect(x).toBeDefined();
    return nodes as string[];
  });
}

describe("grove-operator", () => {
  it("creates and binds the pods of a PodCliqueSet over HTTP", async () => {
    // Defaults: answers to grove-scheduler, which a PodCliqueSet naming no scheduler gets.
    const op = await startOperator({ kubeconfigPath: kubeconfig });
    try {
      await api.client.create(PodCliqueSetType, {
        apiVersion: "grove.io/v1alpha1",
        kind: "PodCliqueSet",
        metadata: { name: "op", namespace: "default" },
        spec: {
          replicas: 1,
          template: {
            cliques: [
              {
                name: "w",
                spec: {
                  roleName: "w",
                  replicas: 2,
                  minAvailable: 2,
                  podSpec: {
                    containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "3" } } }],
                  },
                },
              },
            ],
          },
        },
      } as KubeObject);
      const nodes = await eventually(async () => {
        const pods = await api.client.list<
          KubeObject & { spec?: { nodeName?: string; schedulerName?: string } }
        >(PodType, {
          namespace: "default",
          labelSelector: "app.kubernetes.io/part-of=op",
        });
        expect(pods.items).toHaveLength(2);
        for (const p of pods.items) expect(p.spec?.schedulerName).toBe("grove-scheduler");
        const n = pods.items.map((p) => p.spec?.nodeName);
        for (const x of n) expect(x).toBeDefined();
        return n;
      });
      // 3 cpu each on 4-cpu nodes: one per node.
      expect(new Set(nodes).size).toBe(2);
    } finally {
      await op.stop();
    }
  });

  it("CLI: without --kubeconfig and out of a pod it exits 1 naming the missing service environment; runs and exits 0 on SIGTERM", async () => {
    const env = { ...process.env };
    delete env.KUBERNETES_SERVICE_HOST;
    delete env.KUBERNETES_SERVICE_PORT;
    const bad = spawnSync(process.execPath, [BIN, "--no-webhooks", ...FREE_PORTS], { encoding: "utf8", env });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod (give a kubeconfig)",
    );
    const usage = spawnSync(process.execPath, [BIN, "--webhook-port", "99999"], { encoding: "utf8" });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--webhook-port: must be a port number (0 = any free port), got "99999"');
    const child = spawn(
      process.execPath,
      [BIN, "--kubeconfig", kubeconfig, "--qps", "50", "--burst", "60", "--no-webhooks", ...FREE_PORTS],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    const running = new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("grove-operator running")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await running;
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 30_000);

  it("CLI --config: an OperatorConfiguration with Grove's scale preset reconciles; flags override it", async () => {
    const config = join(dir, "operator-config.yaml");
    writeFileSync(
      config,
      [
        "apiVersion: operator.config.grove.io/v1alpha1",
        "kind: OperatorConfiguration",
        "runtimeClientConnection: {qps: 100, burst: 150}",
        "controllers:",
        "  podCliqueSet: {concurrentSyncs: 20}",
        "  podClique: {concurrentSyncs: 20}",
        "  podCliqueScalingGroup: {concurrentSyncs: 20}",
        "logLevel: debug",
        "server: {metrics: {port: 9445}}",
        "debugging: {enableProfiling: false}",
      ].join("\n"),
    );
    const child = spawn(
      process.execPath,
      [
        BIN,
        "--kubeconfig",
        kubeconfig,
        "--config",
        config,
        "--log-level",
        "info",
        "--burst",
        "120",
        "--no-webhooks",
        ...FREE_PORTS,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    const running = new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("grove-operator running")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await running;
      const lines = err
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const start = lines.find((l) => l.msg === "grove-operator running");
      expect(start).toMatchObject({
        qps: 100,
        burst: 120,
        concurrency: { pcs: 20, pclq: 20, pcsg: 20, podgang: 5 },
      });
      // --log-level info beats the file's debug: no debug lines.
      expect(lines.some((l) => l.level === "debug")).toBe(false);
      const ignored = lines.filter((l) => String(l.msg).startsWith("configuration fields not acted on"));
      expect(ignored).toHaveLength(1);
      expect(ignored[0]?.fields).toEqual(["debugging.enableProfiling"]);
      // --metrics-port 0 beats the file's server.metrics.port.
      expect(start?.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(start?.metrics).not.toContain(":9445/");
      await api.client.create(PodCliqueSetType, pcs("cfg"));
      expect(await boundPods("cfg")).toHaveLength(2);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 30_000);

  it("CLI --config: an invalid file exits 2 naming the field and the rule", () => {
    const config = join(dir, "bad-config.yaml");
    writeFileSync(
      config,
      "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\ncontrollers: {podClique: {concurrentSyncs: 0}}\n",
    );
    const r = spawnSync(process.execPath, [BIN, "--kubeconfig", kubeconfig, "--config", config], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("controllers.podClique.concurrentSyncs: must be > 0");
  });
});
