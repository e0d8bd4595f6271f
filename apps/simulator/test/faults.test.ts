// Faults through the API (README "Faults"): pod annotations read by the simulated kubelet, and a
// node annotated not ready, with the node lifecycle grove-sim plays on our API server. Pods are
// bound by hand (no scheduler: operator external), back-offs and graces shortened by options.
import { EventType, type KubeObject, LeaseType, NodeType, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../src/index.js";

interface Cs {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: { running?: object; waiting?: { reason?: string }; terminated?: { exitCode: number } };
  lastState?: { terminated?: { exitCode: number; reason?: string } };
}
interface PodObj extends KubeObject {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: Cs[];
  };
}
interface NodeObj extends KubeObject {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    operator: "external",
    faults: { backoffBaseMs: 150, backoffMaxMs: 600 },
    nodeLifecycle: { evictAfterMs: 300, podGcMs: 200 },
    cluster: { pools: [{ name: "n", count: 3, allocatable: { cpu: "8", memory: "8Gi", pods: "110" } }] },
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

const cond = (p: PodObj | undefined, type: string) =>
  p?.status?.conditions?.find((c) => c.type === type)?.status;
const get = (name: string) => sim.client.get<PodObj>(PodType, name, "default");

async function pod(
  name: string,
  o: {
    node?: string;
    restartPolicy?: string;
    containers?: string[];
    annotations?: Record<string, string>;
  } = {},
): Promise<void> {
  await sim.client.create(PodType, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      nodeName: o.node ?? "n-0",
      restartPolicy: o.restartPolicy ?? "Always",
      containers: (o.containers ?? ["main"]).map((c) => ({ name: c, image: "busybox" })),
    },
  } as KubeObject);
}

async function annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
  await sim.client.patch(PodType, name, "default", { type: "merge", body: { metadata: { annotations } } });
}

async function running(name: string): Promise<PodObj> {
  return eventually(async () => {
    const p = await get(name);
    expect(p?.status?.phase).toBe("Running");
    expect(cond(p, "Ready")).toBe("True");
    return p as PodObj;
  });
}

async function warnings(name: string): Promise<string[]> {
  const list = await sim.client.list<
    KubeObject & { involvedObject: { name: string }; type: string; message: string }
  >(EventType, { namespace: "default" });
  return list.items
    .filter((e) => e.involvedObject.name === name && e.type === "Warning")
    .map((e) => e.message);
}

describe("pod annotations", () => {
  it("exit: CrashLoopBackOff with growing restarts under Always; removed, the container stays up", async () => {
    await pod("crash", { containers: ["main", "side"] });
    await running("crash");
    await annotate("crash", { "sim.grove-ts.dev/exit": "main=1" });
    const p = await eventually(async () => {
      const x = await get("crash");
      const main = x?.status?.containerStatuses?.find((c) => c.name === "main");
      expect(main?.restartCount).toBeGreaterThanOrEqual(2);
      expect(main?.state?.waiting?.reason).toBe("CrashLoopBackOff");
      return x;
    });
    const main = p?.status?.containerStatuses?.find((c) => c.name === "main");
    expect(main?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(main?.ready).toBe(false);
    expect(p?.status?.containerStatuses?.find((c) => c.name === "side")?.state?.running).toBeDefined();
    expect(p?.status?.phase).toBe("Running");
    expect(cond(p, "Ready")).toBe("False");
    expect(cond(p, "ContainersReady")).toBe("False");
    await eventually(async () =>
      expect((await warnings("crash")).some((m) => m.includes("Back-off"))).toBe(true),
    );
    await annotate("crash", { "sim.grove-ts.dev/exit": null });
    const up = await running("crash");
    const after = up.status?.containerStatuses?.find((c) => c.name === "main");
    expect(after?.state?.running).toBeDefined();
    expect(after?.restartCount).toBeGreaterThanOrEqual(3);
    expect(after?.lastState?.terminated?.exitCode).toBe(1);
  });

  it("exit under Never: Failed for a non-zero code, Succeeded for 0; OnFailure with 0 completes", async () => {
    await pod("never-1", { restartPolicy: "Never" });
    await pod("never-0", { restartPolicy: "Never" });
    await pod("onfailure-0", { restartPolicy: "OnFailure" });
    for (const n of ["never-1", "never-0", "onfailure-0"]) await running(n);
    await annotate("never-1", { "sim.grove-ts.dev/exit": "main=3" });
    await annotate("never-0", { "sim.grove-ts.dev/exit": "main=0" });
    await annotate("onfailure-0", { "sim.grove-ts.dev/exit": "main=0" });
    for (const [n, phase, code] of [
      ["never-1", "Failed", 3],
      ["never-0", "Succeeded", 0],
      ["onfailure-0", "Succeeded", 0],
    ] as const) {
      const p = await eventually(async () => {
        const x = await get(n);
        expect(x?.status?.phase).toBe(phase);
        return x;
      });
      expect(p?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(code);
      expect(p?.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      expect(cond(p, "Ready")).toBe("False");
    }
  });

  it("ready: drops and restores readiness without restarting anything", async () => {
    await pod("flaky", { containers: ["a", "b"] });
    await running("flaky");
    await annotate("flaky", { "sim.grove-ts.dev/ready": "false" });
    const down = await eventually(async () => {
      const x = await get("flaky");
      expect(cond(x, "Ready")).toBe("False");
      return x;
    });
    expect(cond(down, "ContainersReady")).toBe("False");
    expect(down?.status?.phase).toBe("Running");
    for (const c of down?.status?.containerStatuses ?? []) {
      expect(c.ready).toBe(false);
      expect(c.restartCount).toBe(0);
      expect(c.state?.running).toBeDefined();
    }
    await annotate("flaky", { "sim.grove-ts.dev/ready": "true" });
    const up = await running("flaky");
    expect(up.status?.containerStatuses?.every((c) => c.ready && c.restartCount === 0)).toBe(true);
  });

  it("hold: a pod stays Pending or ContainerCreating until the annotation goes", async () => {
    await pod("held", { annotations: { "sim.grove-ts.dev/hold": "ContainerCreating" } });
    await pod("parked", { annotations: { "sim.grove-ts.dev/hold": "Pending" } });
    const held = await eventually(async () => {
      const x = await get("held");
      expect(x?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
      return x;
    });
    expect(held?.status?.phase).toBe("Pending");
    // A later write to the pod is one more chance for the kubelet to start it: it must not.
    await annotate("parked", { touched: "1" });
    await annotate("held", { touched: "1" });
    await eventually(async () => expect((await get("held"))?.metadata.annotations?.touched).toBe("1"));
    const parked = await get("parked");
    expect(parked?.status?.phase ?? "Pending").toBe("Pending");
    expect(parked?.status?.containerStatuses).toBeUndefined();
    expect((await get("held"))?.status?.phase).toBe("Pending");
    await annotate("held", { "sim.grove-ts.dev/hold": null });
    await annotate("parked", { "sim.grove-ts.dev/hold": null });
    await running("held");
    await running("parked");
  });

  it("a bad value: a Warning Event naming the annotation and the rule, otherwise ignored", async () => {
    await pod("bad");
    await running("bad");
    await annotate("bad", {
      "sim.grove-ts.dev/exit": "nope=1",
      "sim.grove-ts.dev/ready": "maybe",
      "sim.grove-ts.dev/hold": "Sleeping",
    });
    await pod("bad-code", { annotations: { "sim.grove-ts.dev/exit": "main=x" } });
    const msgs = await eventually(async () => {
      const m = [...(await warnings("bad")), ...(await warnings("bad-code"))];
      expect(m).toHaveLength(4);
      return m;
    });
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /sim\.grove-ts\.dev\/exit: "nope=1": container "nope" is not a container of the pod/,
        ),
        expect.stringMatching(/sim\.grove-ts\.dev\/ready: "maybe": must be "true" or "false"/),
        expect.stringMatching(
          /sim\.grove-ts\.dev\/hold: "Sleeping": must be "Pending" or "ContainerCreating"/,
        ),
        expect.stringMatching(
          /sim\.grove-ts\.dev\/exit: "main=x": exit code "x" of container main must be an integer/,
        ),
      ]),
    );
    await running("bad-code");
    const p = await running("bad");
    expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });
});

describe("node faults", () => {
  const node = (name: string) => sim.client.get<NodeObj>(NodeType, name);
  const annotateNode = (name: string, v: string | null) =>
    sim.client.patch(NodeType, name, undefined, {
      type: "merge",
      body: { metadata: { annotations: { "sim.grove-ts.dev/ready": v } } },
    });

  it("a node annotated not ready goes NotReady, is tainted, its pods are evicted; back, it runs pods again", async () => {
    await pod("on-n1", { node: "n-1" });
    await running("on-n1");
    // A pod that tolerates a not-ready node for ever (as a DaemonSet's do) stays.
    await sim.client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stays-on-n1", namespace: "default" },
      spec: {
        nodeName: "n-1",
        tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" }],
        containers: [{ name: "main", image: "busybox" }],
      },
    } as KubeObject);
    await running("stays-on-n1");
    const renewed = (
      await sim.client.get<KubeObject & { spec?: { renewTime?: string } }>(
        LeaseType,
        "n-1",
        "kube-node-lease",
      )
    )?.spec?.renewTime;
    expect(renewed).toBeTruthy();
    await annotateNode("n-1", "false");
    const n = await eventually(async () => {
      const x = await node("n-1");
      expect(x?.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
        status: "False",
        reason: "KubeletNotReady",
      });
      expect(x?.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual(
        expect.arrayContaining([
          "node.kubernetes.io/not-ready:NoSchedule",
          "node.kubernetes.io/not-ready:NoExecute",
        ]),
      );
      return x;
    });
    expect(n).toBeDefined();
    // Evicted after the grace (300 ms here); the tolerating pod is kept.
    await eventually(async () => expect(await get("on-n1")).toBeUndefined());
    expect((await get("stays-on-n1"))?.metadata.deletionTimestamp).toBeUndefined();
    // Its kubelet down, a readiness change is not reported until the node is back.
    await annotate("stays-on-n1", { "sim.grove-ts.dev/ready": "false" });
    await eventually(async () =>
      expect((await get("stays-on-n1"))?.metadata.annotations?.["sim.grove-ts.dev/ready"]).toBe("false"),
    );
    expect(cond(await get("stays-on-n1"), "Ready")).toBe("True");
    await annotateNode("n-1", null);
    await eventually(async () => {
      const x = await node("n-1");
      expect(x?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(x?.spec?.taints ?? []).toEqual([]);
    });
    await pod("back-on-n1", { node: "n-1" });
    await running("back-on-n1");
    // Its kubelet back, the kept pod's readiness change is reported.
    await eventually(async () => expect(cond(await get("stays-on-n1"), "Ready")).toBe("False"));
  });

  it("a bad node annotation value: a Warning Event on the node, the node stays Ready", async () => {
    await annotateNode("n-2", "sometimes");
    await eventually(async () => {
      const list = await sim.client.list<
        KubeObject & { involvedObject: { name: string; kind?: string }; message: string }
      >(EventType);
      expect(
        list.items.some(
          (e) =>
            e.involvedObject.name === "n-2" &&
            /sim\.grove-ts\.dev\/ready: "sometimes": must be/.test(e.message),
        ),
      ).toBe(true);
    });
    expect((await node("n-2"))?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    await annotateNode("n-2", null);
  });

  it("a deleted node's pods fail (NodeLost) and are then deleted as pod GC does", async () => {
    await pod("orphan", { node: "n-2" });
    await running("orphan");
    await sim.client.delete(NodeType, "n-2");
    await eventually(async () => expect(await get("orphan")).toBeUndefined());
  });
});
