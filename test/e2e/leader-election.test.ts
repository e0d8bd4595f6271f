// Two grove-operator replicas with leader election (issue 11 item 2): grove-sim up --operator
// external as its own process, two grove-operator processes on one Lease, a PodCliqueSet scaled out
// from 1 to 6 replicas, the leader killed with SIGKILL while the new pods are still being created.
// The standby must take the Lease over (only once it has expired: nobody released it) and finish
// the scale-out with nothing done twice: exactly the expected pods (none ever deleted), no pod bound
// twice (its nodeName never changes, at most one Scheduled event), every PodGang there and scheduled.
import { spawnSync } from "node:child_process";
import { type KubeObject, LeaseType, type WatchHandle } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxManifest, expectedObjects, type Shape, sorted } from "./lib/expected.js";
import { E2E, NS, T } from "./lib/harness.js";
import { type ChildHandle, operatorBin, startOperator } from "./lib/operator.js";
import { waitFor } from "./lib/wait.js";

const LEASE = "grove-e2e-leader";
const FROM = 1;
const TO = 6;
const shape: Shape = {
  pcs: "le",
  cliques: { prefill: { replicas: 2 }, decode: { replicas: 2 } },
};
const manifest = (replicas: number) => busyboxManifest(shape, replicas, "100m");
const clusterFile = `kind: Cluster
name: grove-e2e-leader
pools:
  - name: cpu
    count: 4
    namePrefix: cpu-node-
    allocatable: { cpu: "16", memory: 64Gi, pods: "110" }
`;
// Short but not tight: a 2-core machine under a scale-out must still renew in time.
const LEASE_SECONDS = 6;
const operatorConfig = `apiVersion: operator.config.grove.io/v1alpha1
kind: OperatorConfiguration
leaderElection:
  enabled: true
  leaseDuration: ${LEASE_SECONDS}s
  renewDeadline: 4s
  retryPeriod: 1s
  resourceLock: leases
  resourceName: ${LEASE}
  resourceNamespace: ${NS}
`;

/** Port flags the operator has (other servers it may run): 0 so two replicas on one host do not clash. */
function portFlags(): string[] {
  const help = spawnSync(process.execPath, [operatorBin, "--help"], { encoding: "utf8" }).stdout;
  return ["--webhook-port", "--health-port", "--metrics-port"]
    .filter((f) => new RegExp(`${f}\\b`).test(help))
    .flatMap((f) => [f, "0"]);
}

interface Replica {
  child: ChildHandle;
  identity: Promise<string>;
}

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}
interface Pod extends KubeObject {
  spec?: { nodeName?: string; hostname?: string };
}
interface Event extends KubeObject {
  reason?: string;
  involvedObject?: { kind?: string; name?: string; uid?: string };
}
interface PodGang extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

describe("leader election: two grove-operator replicas, the leader killed with SIGKILL mid-scale-out", () => {
  let e2e: E2E;
  const replicas: Replica[] = [];
  let podWatch: WatchHandle | undefined;

  beforeAll(async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "grove-e2e-cluster-")), "cluster.yaml");
    writeFileSync(file, clusterFile);
    e2e = await E2E.startCli(file, "external");
  }, 120_000);
  afterAll(async () => {
    podWatch?.stop();
    await Promise.all(replicas.map((r) => r.child.stop("SIGKILL")));
    await e2e?.close();
  });

  function startReplica(): Replica {
    const child = startOperator(e2e.kubeconfig, [
      "--config",
      e2e.file("operator.yaml", operatorConfig),
      // Slow writes stretch the scale-out so the kill lands in the middle of it.
      "--qps",
      "10",
      "--burst",
      "10",
      ...portFlags(),
      "--log-level",
      "info",
    ]);
    // The elector's first line names the identity it stands with.
    const identity = new Promise<string>((resolve, reject) => {
      let seen = "";
      const onData = (c: Buffer) => {
        seen += c.toString();
        const m = /"msg":"attempting to acquire leader lease"[^\n]*"identity":"([^"]+)"/.exec(seen);
        const m2 = /"identity":"([^"]+)"[^\n]*"msg":"attempting to acquire leader lease"/.exec(seen);
        const id = m?.[1] ?? m2?.[1];
        if (id) {
          child.proc.stderr?.off("data", onData);
          resolve(id);
        }
      };
      child.proc.stderr?.on("data", onData);
      child.exited.then((code) => reject(new Error(`grove-operator exited (${code}):\n${child.output()}`)));
    });
    const r = { child, identity };
    replicas.push(r);
    return r;
  }

  const lease = () => e2e.client.get<Lease>(LeaseType, LEASE, NS);

  it("the standby takes over within the lease and finishes the scale-out: no duplicate pod, no pod bound twice, no lost gang", async () => {
    const sel = `app.kubernetes.io/part-of=${shape.pcs}`;
    const want = expectedObjects(shape, { pcsReplicas: TO });

    // Every pod change from here on: a pod must never move to another node or be deleted.
    const seen = new Map<string, string>();
    const moved: string[] = [];
    const deleted: string[] = [];
    podWatch = await e2e.client.watch<Pod>(T.pod, { namespace: NS, labelSelector: sel }, (ev) => {
      const { uid = "", name = "" } = ev.object.metadata;
      if (ev.type === "DELETED") deleted.push(name);
      if (ev.type !== "ADDED" && ev.type !== "MODIFIED") return;
      const node = ev.object.spec?.nodeName;
      if (!node) return;
      const before = seen.get(uid);
      if (before !== undefined && before !== node) moved.push(`${name}: ${before} -> ${node}`);
      seen.set(uid, node);
    });

    const a = startReplica();
    const b = startReplica();
    const ids = await Promise.all([a.identity, b.identity]);
    expect(ids[0]).not.toBe(ids[1]);
    let holder = "";
    await waitFor(
      "one replica to hold the Lease",
      async () => {
        holder = (await lease())?.spec?.holderIdentity ?? "";
        return { ok: ids.includes(holder), state: `holder ${JSON.stringify(holder)}` };
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const [leader, standby] = holder === ids[0] ? [a, b] : [b, a];
    const standbyId = holder === ids[0] ? ids[1] : ids[0];

    await e2e.apply(e2e.file("le.yaml", manifest(FROM)));
    await e2e.waitPods(
      shape.pcs,
      { total: FROM * 4, running: FROM * 4 },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(standby.child.output()).not.toContain("successfully acquired lease");

    await e2e.kubectl.ok(["scale", "pcs", shape.pcs, `--replicas=${TO}`]);
    let atKill = 0;
    await waitFor(
      "the scale-out to be under way",
      async () => {
        atKill = (await e2e.pods(shape.pcs)).length;
        return { ok: atKill > FROM * 4, state: `${atKill} pods` };
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    const leaseAtKill = await lease();
    await leader.child.stop("SIGKILL");
    expect(atKill, "killed before the scale-out finished").toBeLessThan(want.podCount);
    expect(leaseAtKill?.spec?.holderIdentity).toBe(holder);

    // Nobody released the Lease: the standby takes it once it has seen it unchanged for the lease
    // duration (bounded here by a generous multiple, not timed).
    await waitFor(
      "the standby to take the Lease over",
      async () => {
        const l = await lease();
        return {
          ok: l?.spec?.holderIdentity === standbyId,
          state: `holder ${JSON.stringify(l?.spec?.holderIdentity)}`,
        };
      },
      { timeoutMs: LEASE_SECONDS * 1000 * 5, intervalMs: 100 },
    );
    expect((await lease())?.spec?.leaseTransitions).toBe((leaseAtKill?.spec?.leaseTransitions ?? 0) + 1);

    await e2e.waitPods(
      shape.pcs,
      { total: want.podCount, running: want.podCount },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    await waitFor(
      "every PodGang to be scheduled",
      async () => {
        const gangs = await e2e.list<PodGang>(T.podgang, sel);
        const scheduled = gangs.filter((g) =>
          g.status?.conditions?.some((c) => c.type === "Scheduled" && c.status === "True"),
        );
        return {
          ok: scheduled.length === want.podGangs.length,
          state: `${scheduled.length}/${gangs.length} PodGangs scheduled`,
        };
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(sorted((await e2e.list<PodGang>(T.podgang, sel)).map((g) => g.metadata.name ?? ""))).toEqual(
      sorted(want.podGangs.map((g) => g.name)),
    );

    // Exactly the pods the shape asks for, each hostname once, none ever deleted or replaced.
    const pods = (await e2e.list<Pod>(T.pod, sel)).filter((p) => !p.metadata.deletionTimestamp);
    expect(pods.length).toBe(want.podCount);
    for (const p of want.pclqs) {
      const mine = pods.filter((x) => x.metadata.labels?.["grove.io/podclique"] === p.name);
      expect(
        sorted(mine.map((x) => x.spec?.hostname ?? "")),
        `${p.name}: exactly ${p.replicas} pods with distinct hostnames`,
      ).toEqual(sorted(Array.from({ length: p.replicas }, (_, k) => `${p.name}-${k}`)));
    }
    expect(deleted).toEqual([]);
    expect(moved).toEqual([]);
    for (const p of pods) expect(p.spec?.nodeName, `${p.metadata.name} bound`).toBeTruthy();
    const scheduledEvents = (await e2e.list<Event>(T.event)).filter(
      (ev) => ev.reason === "Scheduled" && ev.involvedObject?.kind === "Pod",
    );
    const perPod = new Map<string, number>();
    for (const ev of scheduledEvents) {
      const k = ev.involvedObject?.uid ?? ev.involvedObject?.name ?? "";
      perPod.set(k, (perPod.get(k) ?? 0) + 1);
    }
    expect([...perPod].filter(([, n]) => n > 1)).toEqual([]);

    // The standby reconciled only once it led; the killed leader's exit was SIGKILL's.
    expect(standby.child.output()).toContain("successfully acquired lease");
    expect(await leader.child.exited).toBe("SIGKILL");
    expect(standby.child.proc.exitCode).toBeNull();
  }, 400_000);
});
