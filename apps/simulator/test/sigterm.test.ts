// Termination grace (README "Faults"): a deleted pod's containers stop at once, unless the pod is
// annotated sim.grove-ts.dev/sigterm: ignore (its containers trap SIGTERM); then it stays
// Terminating until its grace period (terminationGracePeriodSeconds) ends and is killed.
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../src/index.js";
import { readPodAnnotations, SIGTERM_ANNOTATION, terminationLeftMs } from "../src/pod-faults.js";

interface PodObj extends KubeObject {
  status?: { phase?: string };
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    operator: "external",
    cluster: { pools: [{ name: "n", count: 1, allocatable: { cpu: "8", memory: "8Gi", pods: "110" } }] },
  });
});
afterAll(() => sim?.close());

const get = (name: string) => sim.client.get<PodObj>(PodType, name, "default");

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function runningPod(name: string, grace: number, annotations?: Record<string, string>): Promise<void> {
  await sim.client.create(PodType, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) },
    spec: {
      nodeName: "n-0",
      terminationGracePeriodSeconds: grace,
      containers: [{ name: "main", image: "busybox" }],
    },
  } as KubeObject);
  await until(`${name} Running`, async () => (await get(name))?.status?.phase === "Running");
}

describe("termination grace", () => {
  it("a pod whose containers ignore SIGTERM stays Terminating through its grace period, then is gone", async () => {
    await runningPod("trapper", 3, { [SIGTERM_ANNOTATION]: "ignore" });
    await runningPod("plain", 3);
    const deletedAt = Date.now();
    await sim.client.delete(PodType, "trapper", "default");
    await sim.client.delete(PodType, "plain", "default");
    // The plain pod's containers stop at once: its kubelet removes it.
    await until("plain gone", async () => (await get("plain")) === undefined);
    const trapper = await get("trapper");
    expect(trapper?.metadata.deletionTimestamp, "trapper marked for deletion, still there").toBeDefined();
    await until("trapper gone", async () => (await get("trapper")) === undefined);
    // deletionTimestamp = deletion + 3 s, at second precision.
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(2_000);
  });

  it("terminationLeftMs: the time to the deletionTimestamp, only for sigterm: ignore; a bad value is a problem", () => {
    const at = "2026-01-01T00:00:10Z";
    const pod = (a?: Record<string, string>) => ({
      metadata: { name: "p", deletionTimestamp: at, ...(a ? { annotations: a } : {}) },
    });
    const now = Date.parse("2026-01-01T00:00:04Z");
    expect(terminationLeftMs(pod({ [SIGTERM_ANNOTATION]: "ignore" }), now)).toBe(6_000);
    expect(terminationLeftMs(pod({ [SIGTERM_ANNOTATION]: "exit" }), now)).toBe(0);
    expect(terminationLeftMs(pod(), now)).toBe(0);
    expect(terminationLeftMs(pod({ [SIGTERM_ANNOTATION]: "ignore" }), Date.parse(at) + 1)).toBe(0);
    const bad = readPodAnnotations(pod({ [SIGTERM_ANNOTATION]: "trap" }));
    expect(bad.ignoreSigterm).toBe(false);
    expect(bad.problems.map((p) => p.message)).toEqual([
      'annotation sim.grove-ts.dev/sigterm: "trap": must be "ignore" or "exit"; the annotation is ignored',
    ]);
  });
});
