// Faults scheduled by a cluster file (README "Faults"): the `faults:` list is checked with
// field-path errors like the rest of the file, and each action goes through the API.
import { type KubeObject, NodeType, noopLogger, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClusterFileError,
  checkCluster,
  type Simulator,
  startFaultSchedule,
  startSimulator,
} from "../src/index.js";

const pools = [{ name: "n", count: 4, allocatable: { cpu: "8", memory: "8Gi", pods: "110" } }];

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

describe("cluster file faults: checks", () => {
  it.each([
    { faults: {}, field: "faults", rule: "must be a list" },
    { faults: [{ action: "exit", pods: { selector: "a=b" } }], field: "faults[0].at", rule: "seconds" },
    {
      faults: [{ at: 1, action: "explode" }],
      field: "faults[0].action",
      rule: "must be one of exit, unready",
    },
    { faults: [{ at: 1, action: "exit" }], field: "faults[0].pods", rule: "with a selector" },
    {
      faults: [{ at: 1, action: "exit", pods: { selector: "" } }],
      field: "faults[0].pods.selector",
      rule: "label selector",
    },
    {
      faults: [{ at: 1, action: "exit", pods: { selector: "a=b" }, code: "x" }],
      field: "faults[0].code",
      rule: "0 to 255",
    },
    {
      faults: [{ at: 1, action: "ready", pods: { selector: "a=b" }, code: 1 }],
      field: "faults[0].code",
      rule: "exit action only",
    },
    { faults: [{ at: 1, action: "node-down" }], field: "faults[0].nodes", rule: "names or a selector" },
    {
      faults: [{ at: 1, action: "cordon", nodes: { names: ["n-0"], selector: "a=b" } }],
      field: "faults[0].nodes",
      rule: "exactly one of names and selector",
    },
    {
      faults: [{ at: 1, action: "delete-node", nodes: { names: ["n-0", "n-9"] } }],
      field: "faults[0].nodes.names[1]",
      rule: '"n-9" is not a node of this cluster',
    },
    {
      faults: [{ at: 1, action: "node-up", pods: { selector: "a=b" } }],
      field: "faults[0].pods",
      rule: "is for pod actions; node-up acts on nodes",
    },
  ])("$field: $rule", ({ faults, field, rule }) => {
    let err: unknown;
    try {
      checkCluster({ pools, faults });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterFileError);
    expect((err as ClusterFileError).field).toBe(field);
    expect((err as ClusterFileError).message).toContain(rule);
  });

  it("accepts a scenario and keeps a file without faults as it was", () => {
    const c = checkCluster({
      pools,
      faults: [
        {
          at: 10,
          action: "exit",
          pods: { selector: "app=web", namespace: "default" },
          container: "main",
          code: 137,
        },
        { at: 20.5, action: "node-down", nodes: { selector: "grove-sim/pool=n" } },
        { at: 30, action: "delete-node", nodes: { names: ["n-3"] } },
      ],
    });
    expect(c.faults).toEqual([
      {
        at: 10,
        action: "exit",
        pods: { selector: "app=web", namespace: "default" },
        container: "main",
        code: 137,
      },
      { at: 20.5, action: "node-down", nodes: { selector: "grove-sim/pool=n" } },
      { at: 30, action: "delete-node", nodes: { names: ["n-3"] } },
    ]);
    expect(checkCluster({ pools }).faults).toBeUndefined();
  });
});

describe("cluster file faults: run", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      operator: "external",
      faults: { backoffBaseMs: 100, backoffMaxMs: 400 },
      cluster: checkCluster({
        pools,
        faults: [
          { at: 0, action: "cordon", nodes: { names: ["n-2"] } },
          { at: 0, action: "node-down", nodes: { selector: "kubernetes.io/hostname=n-1" } },
          { at: 0, action: "delete-node", nodes: { names: ["n-3"] } },
        ],
      }),
    });
  });
  afterAll(() => sim?.close());

  it("runs node actions from the cluster file", async () => {
    const node = (n: string) =>
      sim.client.get<
        KubeObject & {
          spec?: { unschedulable?: boolean };
          status?: { conditions?: { type: string; status: string }[] };
        }
      >(NodeType, n);
    await eventually(async () => {
      expect((await node("n-2"))?.spec?.unschedulable).toBe(true);
      expect((await node("n-1"))?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
      expect(await node("n-3")).toBeUndefined();
    });
  });

  it("runs pod actions on the pods a selector matches", async () => {
    for (const name of ["w1", "w2", "other"])
      await sim.client.create(PodType, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", labels: { app: name === "other" ? "db" : "web" } },
        spec: { nodeName: "n-0", containers: [{ name: "main", image: "busybox" }] },
      } as KubeObject);
    type P = KubeObject & {
      status?: {
        conditions?: { type: string; status: string }[];
        containerStatuses?: { restartCount: number }[];
      };
    };
    const get = (n: string) => sim.client.get<P>(PodType, n, "default");
    const ready = (p: P | undefined) => p?.status?.conditions?.find((c) => c.type === "Ready")?.status;
    await eventually(async () => {
      for (const n of ["w1", "w2", "other"]) expect(ready(await get(n))).toBe("True");
    });
    const stop = startFaultSchedule(
      sim.client,
      checkCluster({ pools, faults: [{ at: 0, action: "exit", pods: { selector: "app=web" }, code: 3 }] })
        .faults ?? [],
      noopLogger,
    );
    await eventually(async () => {
      for (const n of ["w1", "w2"])
        expect((await get(n))?.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(1);
    });
    await stop();
    expect((await get("other"))?.metadata.annotations?.["sim.grove-ts.dev/exit"]).toBeUndefined();
    const recover = startFaultSchedule(
      sim.client,
      checkCluster({ pools, faults: [{ at: 0, action: "recover", pods: { selector: "app=web" } }] }).faults ??
        [],
      noopLogger,
    );
    await eventually(async () => {
      for (const n of ["w1", "w2"]) expect(ready(await get(n))).toBe("True");
    });
    await recover();
  });
});
