// The operator killed mid-rollout (issue 5, controllers: "kill the operator at any point, start it
// again, and it converges to the same objects with no duplicates"): grove-sim up --operator external
// as its own process, grove-operator as a child, a PodCliqueSet of 50 replicas applied with
// kubectl, kill -9 while the objects are being created, a fresh grove-operator, then every expected
// object exists exactly once, every PodClique has exactly its pods with distinct hostnames, and
// nothing is owned by an object that does not exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxManifest, expectedObjects, type Shape, sorted } from "./lib/expected.js";
import { E2E, MANAGED_KINDS, T } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const REPLICAS = 50;
const shape: Shape = {
  pcs: "restart",
  cliques: { frontend: { replicas: 1 }, leader: { replicas: 1 }, worker: { replicas: 2, minAvailable: 1 } },
  pcsgs: { group: { replicas: 2, minAvailable: 1, cliques: ["leader", "worker"] } },
};
const manifest = busyboxManifest(shape, REPLICAS, "10m");
const clusterFile = `kind: Cluster
name: grove-e2e-restart
pools:
  - name: cpu
    count: 4
    namePrefix: cpu-node-
    allocatable: { cpu: "64", memory: 256Gi, pods: "110" }
`;

interface Obj {
  kind?: string;
  metadata: {
    name: string;
    uid: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  spec?: { hostname?: string };
}

describe("restart: grove-operator killed with SIGKILL mid-rollout of 50 PCS replicas converges", () => {
  let e2e: E2E;
  beforeAll(async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "grove-e2e-cluster-")), "cluster.yaml");
    writeFileSync(file, clusterFile);
    e2e = await E2E.startCli(file, "external");
  }, 90_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("no duplicate, no missing, no orphaned object after kill -9 and restart", async () => {
    const want = expectedObjects(shape, { pcsReplicas: REPLICAS });
    const first = e2e.startOperator(["--qps", "400", "--burst", "800"]);
    await e2e.apply(e2e.file("restart.yaml", manifest));

    // Mid-rollout: some but not all PodCliques exist (the operator creates them replica by replica).
    let atKill = 0;
    await waitFor(
      "the rollout to be under way",
      async () => {
        atKill = (await e2e.list(T.pclq, "app.kubernetes.io/part-of=restart")).length;
        return { ok: atKill >= 5, state: `${atKill} PodCliques` };
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    await first.stop("SIGKILL");
    const podsAtKill = (await e2e.list(T.pod, "app.kubernetes.io/part-of=restart")).length;
    expect(podsAtKill, "killed before the rollout finished").toBeLessThan(want.podCount);

    e2e.startOperator(["--qps", "400", "--burst", "800"]);
    await e2e.waitPods(
      "restart",
      { total: want.podCount, running: want.podCount },
      { timeoutMs: 240_000, intervalMs: 500 },
    );

    const sel = "app.kubernetes.io/part-of=restart";
    const get = async (kind: string) =>
      (await e2e.kubectl.json<{ items: Obj[] }>(["get", kind, "-l", sel])).items.filter(
        (o) => !o.metadata.deletionTimestamp,
      );
    await e2e.waitNames(
      "PodGangs",
      async () => sorted((await get("podgangs.scheduler.grove.io")).map((o) => o.metadata.name)),
      sorted(want.podGangs.map((g) => g.name)),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(sorted((await get("podcliques.grove.io")).map((o) => o.metadata.name))).toEqual(
      sorted(want.pclqs.map((p) => p.name)),
    );
    expect(sorted((await get("podcliquescalinggroups.grove.io")).map((o) => o.metadata.name))).toEqual(
      sorted(want.pcsgs),
    );
    expect(sorted((await get("services")).map((o) => o.metadata.name))).toEqual(sorted(want.services));

    const pods = await get("pods");
    expect(pods.length).toBe(want.podCount);
    for (const p of want.pclqs) {
      const mine = pods.filter((x) => x.metadata.labels?.["grove.io/podclique"] === p.name);
      expect(
        sorted(mine.map((x) => x.spec?.hostname ?? "")),
        `${p.name}: exactly ${p.replicas} pods with distinct hostnames`,
      ).toEqual(sorted(Array.from({ length: p.replicas }, (_, k) => `${p.name}-${k}`)));
    }

    // Nothing owned by a missing owner: every owner reference of every managed object resolves.
    const uids = new Set<string>();
    const all: Obj[] = [];
    for (const kind of ["podcliquesets.grove.io", ...MANAGED_KINDS.map((k) => k.kubectl)]) {
      const items =
        kind === "podcliquesets.grove.io"
          ? await e2e.kubectl.json<{ items: Obj[] }>(["get", kind]).then((l) => l.items)
          : await get(kind);
      for (const o of items) {
        uids.add(o.metadata.uid);
        all.push(o);
      }
    }
    const orphans = all.flatMap((o) =>
      (o.metadata.ownerReferences ?? [])
        .filter((r) => !uids.has(r.uid))
        .map((r) => `${o.kind}/${o.metadata.name} -> ${r.kind}/${r.name}`),
    );
    expect(orphans).toEqual([]);
  }, 360_000);
});
