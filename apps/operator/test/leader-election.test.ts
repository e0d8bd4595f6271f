// grove-operator under leader election against a real API server on loopback (over HTTP): only the
// leader reconciles; a lost Lease stops it and reports the loss (the CLI exits 1); stop() releases
// the Lease for the standby.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PodCliqueSetType } from "@grove-ts/api";
import type { RunningApiServer } from "@grove-ts/apiserver";
import { type KubeObject, type Lease, LeaseType, ServiceAccountType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningOperator, startOperator } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

const BIN = fileURLToPath(new URL("../bin/grove-operator.js", import.meta.url));
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };
let cluster: TestCluster;
let api: RunningApiServer;
let kubeconfig: string;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster("grove-operator-le", { tokens: false });
  ({ api, kubeconfig, dir } = cluster);
});
afterAll(() => cluster?.close());

async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000) {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`never happened within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const holder = async (name: string) =>
  (await api.client.get<Lease>(LeaseType, name, "default"))?.spec?.holderIdentity;

/** A PodCliqueSet with one clique of one pod. */
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
              replicas: 1,
              minAvailable: 1,
              podSpec: { containers: [{ name: "c", image: "busybox" }] },
            },
          },
        ],
      },
    },
  } as KubeObject;
}

describe("startOperator with leader election", () => {
  it("only the leader reconciles; a stolen Lease stops it and reports the loss; stop() hands over", async () => {
    const name = "op-le-1";
    const lost: string[] = [];
    const start = (identity: string) =>
      startOperator({
        kubeconfigPath: kubeconfig,
        scheduler: false,
        leaderElection: { enabled: true, namespace: "default", name, identity, ...FAST },
        onLeadershipLost: (reason) => lost.push(`${identity}: ${reason}`),
      });
    const a = await start("a");
    let b: RunningOperator | undefined;
    try {
      await eventually(() => a.isLeader(), "a leads");
      b = await start("b");
      expect(await holder(name)).toBe("a");
      await api.client.create(PodCliqueSetType, pcs("le-one"));
      await eventually(
        async () =>
          (
            await api.client.list(ServiceAccountType, {
              namespace: "default",
              labelSelector: "app.kubernetes.io/part-of=le-one",
            })
          ).items.length > 0,
        "the leader reconciles (makes the PodCliqueSet's ServiceAccount)",
      );
      expect(b.isLeader()).toBe(false);

      // A third writer takes the Lease: a stops reconciling and reports it; b (standby) waits it out.
      const l = await api.client.get<Lease>(LeaseType, name, "default");
      if (!l) throw new Error("no lease");
      await api.client.update<Lease>(LeaseType, {
        ...l,
        spec: { ...l.spec, holderIdentity: "thief", leaseDurationSeconds: 2 },
      });
      await eventually(() => lost.length > 0, "a reports the loss");
      expect(lost[0]).toMatch(/^a: /);
      expect(a.isLeader()).toBe(false);
      // Without a renewal from the thief, b takes the Lease once it expired on b's clock.
      await eventually(() => b?.isLeader() === true, "b takes over");
      expect(await holder(name)).toBe("b");
      await b.stop();
      expect(await holder(name)).toBe("");
      expect(lost).toHaveLength(1);
    } finally {
      await a.stop();
      await b?.stop();
    }
  });

  it("without leader election the operator always leads", async () => {
    const op = await startOperator({ kubeconfigPath: kubeconfig, scheduler: false });
    try {
      expect(op.isLeader()).toBe(true);
    } finally {
      await op.stop();
    }
  });

  it("refuses options that break client-go's rules, naming the field", async () => {
    await expect(
      startOperator({
        kubeconfigPath: kubeconfig,
        scheduler: false,
        leaderElection: { enabled: true, namespace: "default", leaseDurationMs: 5000, renewDeadlineMs: 5000 },
      }),
    ).rejects.toThrow(/leaseDurationMs: must be greater than renewDeadlineMs/);
  });
});

describe("grove-operator --leader-elect", () => {
  it('logs "leader election lost" and exits 1 when the Lease is taken', async () => {
    const help = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" }).stdout;
    const extra = ["--no-webhooks", "--health-port", "--metrics-port"].filter((f) => help.includes(f));
    const args = extra.flatMap((f) => (f === "--no-webhooks" ? [f] : [f, "0"]));
    const cfg = join(dir, "le.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      cfg,
      "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\nleaderElection: {enabled: true, leaseDuration: 2s, renewDeadline: 1500ms, retryPeriod: 300ms}\n",
    );
    const child = spawn(
      process.execPath,
      [
        BIN,
        "--kubeconfig",
        kubeconfig,
        "--config",
        cfg,
        "--leader-elect-namespace",
        "default",
        "--leader-elect-id",
        "cli-le",
        "--no-scheduler",
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await eventually(
        async () => ((await holder("cli-le")) ?? "") !== "",
        "the CLI takes the Lease",
        30_000,
      );
      const l = await api.client.get<Lease>(LeaseType, "cli-le", "default");
      if (!l) throw new Error("no lease");
      await api.client.update<Lease>(LeaseType, { ...l, spec: { ...l.spec, holderIdentity: "thief" } });
      expect(await exited).toBe(1);
      expect(out).toContain('"msg":"leader election lost"');
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
