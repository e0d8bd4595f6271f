import { PodCliqueSetType } from "@grove-ts/api";
import { type KubeObject, NodeType, PodType, SecretType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../src/index.js";

interface PodObj extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    initContainerStatuses?: {
      name: string;
      state?: { terminated?: { exitCode: number; finishedAt?: string } };
    }[];
    containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[];
  };
}

let sim: Simulator;
const READY_DELAY = 300;

beforeAll(async () => {
  sim = await startSimulator({
    readyDelayMs: READY_DELAY,
    cluster: {
      topologies: [
        {
          name: "t",
          levels: [
            { domain: "rack", key: "example.com/rack" },
            { domain: "host", key: "kubernetes.io/hostname" },
          ],
        },
      ],
      pools: [
        {
          name: "small",
          count: 4,
          allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
          topology: [{ key: "example.com/rack", prefix: "rack-", nodes: 2 }],
        },
      ],
    },
  });
});
afterAll(() => sim?.close());

async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const ready = (p: PodObj) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

describe("grove-sim --operator external", () => {
  it("runs neither controllers nor scheduler", async () => {
    const ext = await startSimulator({
      operator: "external",
      cluster: { pools: [{ name: "x", count: 1, allocatable: { cpu: "1" } }] },
    });
    try {
      await ext.client.create(PodType, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "default" },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      } as KubeObject);
      await new Promise((r) => setTimeout(r, 300));
      expect((await ext.client.get<PodObj>(PodType, "p", "default"))?.spec?.nodeName).toBeUndefined();
    } finally {
      await ext.close();
    }
  });
});

describe("grove-sim", () => {
  it("serves the nodes of its cluster file with the topology binding", async () => {
    const nodes = await sim.client.list(NodeType);
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual([
      "small-0",
      "small-1",
      "small-2",
      "small-3",
    ]);
    expect(
      nodes.items.find((n) => n.metadata.name === "small-3")?.metadata.labels?.["example.com/rack"],
    ).toBe("rack-1");
  });

  it("runs a PodCliqueSet: every pod Running, then Ready after the delay, on a node", async () => {
    await sim.client.create(PodCliqueSetType, {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name: "demo", namespace: "default" },
      spec: {
        replicas: 1,
        template: {
          cliques: [
            {
              name: "worker",
              spec: {
                roleName: "worker",
                replicas: 3,
                minAvailable: 3,
                podSpec: {
                  containers: [{ name: "w", image: "busybox", resources: { requests: { cpu: "1" } } }],
                },
              },
            },
          ],
        },
      },
    } as KubeObject);
    const selector = "app.kubernetes.io/part-of=demo";
    const running = await eventually(async () => {
      const pods = (await sim.client.list<PodObj>(PodType, { namespace: "default", labelSelector: selector }))
        .items;
      expect(pods).toHaveLength(3);
      for (const p of pods) expect(p.status?.phase).toBe("Running");
      return pods;
    });
    // Ready comes later than Running by the configured delay (unless the test was very slow).
    const readyAtRunning = running.filter(ready).length;
    const pods = await eventually(async () => {
      const list = (await sim.client.list<PodObj>(PodType, { namespace: "default", labelSelector: selector }))
        .items;
      for (const p of list) expect(ready(p)).toBe(true);
      return list;
    });
    expect(readyAtRunning).toBeLessThan(3);
    for (const p of pods) expect(sim.nodeNames).toContain(p.spec?.nodeName);
  });

  it("holds a pod in Init until the cliques it starts after are Ready (grove-initc)", async () => {
    await sim.client.create(PodCliqueSetType, {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name: "ordered", namespace: "default" },
      spec: {
        replicas: 1,
        template: {
          cliqueStartupType: "CliqueStartupTypeExplicit",
          cliques: ["first", "second"].map((name) => ({
            name,
            spec: {
              roleName: name,
              replicas: 1,
              ...(name === "second" ? { startsAfter: ["first"] } : {}),
              podSpec: { containers: [{ name: "c", image: "busybox" }] },
            },
          })),
        },
      },
    } as KubeObject);
    const get = async (clique: string) =>
      (
        await sim.client.list<PodObj>(PodType, {
          namespace: "default",
          labelSelector: `grove.io/podclique=ordered-0-${clique}`,
        })
      ).items[0];
    // While "first" is not yet Ready, "second" is bound but still in Init.
    const held = await eventually(async () => {
      const [a, b] = [await get("first"), await get("second")];
      expect(a?.status?.phase).toBe("Running");
      expect(b?.spec?.nodeName).toBeDefined();
      return { a, b };
    });
    if (held.a && !ready(held.a)) expect(held.b?.status?.phase).toBe("Pending");
    const b = await eventually(async () => {
      const x = await get("second");
      expect(x && ready(x)).toBe(true);
      return x;
    });
    const initialized = b?.status?.conditions?.find((c) => c.type === "Initialized");
    expect(initialized?.status).toBe("True");
    // The wait shows in the statuses: grove-initc finished, and the app container started, no
    // earlier than "first" became Ready (times have second precision).
    const a = await get("first");
    const firstReady = a?.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime ?? "";
    const initc = b?.status?.initContainerStatuses?.find((s) => s.name === "grove-initc");
    const finished = initc?.state?.terminated?.finishedAt ?? "";
    expect(initc?.state?.terminated?.exitCode).toBe(0);
    expect(Date.parse(finished)).toBeGreaterThanOrEqual(Date.parse(firstReady));
    expect(b?.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe(finished);
  });

  it("fails the pods of a deleted node", async () => {
    await sim.client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "lone", namespace: "default" },
      spec: {
        nodeSelector: { "kubernetes.io/hostname": "small-0" },
        containers: [{ name: "c", image: "busybox" }],
      },
    } as KubeObject);
    await eventually(async () =>
      expect((await sim.client.get<PodObj>(PodType, "lone", "default"))?.status?.phase).toBe("Running"),
    );
    await sim.client.delete(NodeType, "small-0");
    await eventually(async () =>
      expect((await sim.client.get<PodObj>(PodType, "lone", "default"))?.status?.phase).toBe("Failed"),
    );
  });

  it("fills service-account token Secrets", async () => {
    await sim.client.create(SecretType, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "sa-token",
        namespace: "default",
        annotations: { "kubernetes.io/service-account.name": "default" },
      },
      type: "kubernetes.io/service-account-token",
    } as KubeObject);
    await eventually(async () => {
      const s = await sim.client.get<KubeObject & { data?: Record<string, string> }>(
        SecretType,
        "sa-token",
        "default",
      );
      expect(s?.data?.token).toBeTruthy();
    });
  });
});
