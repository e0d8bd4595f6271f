// Grove's startup-ordering suite SO1-SO4 (grove-behaviour.md §18.3, upstream
// operator/e2e/tests/startup_ordering_test.go) on our WL3-WL6 (workloads/), 10 agent nodes, the
// real kubectl: each scenario deploys, waits for 10 Ready pods, checks the grove-initc wiring of
// every PodClique (§11.1: which parents, with which minAvailable) and the order in which the pods
// became Ready (lib/startup.ts: Grove's rule, and strictly later for pods grove-initc holds). A
// fifth test makes the init-container wait visible while it lasts: WL3 with pc-a's pods kept not
// Ready (grove-sim's sim.grove-ts.dev/ready fault) leaves every pc-b and pc-c pod in Init, grove-initc
// running, until pc-a's pods are made Ready one at a time with kubectl annotate.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E } from "./lib/harness.js";
import {
  expectBefore,
  heldInInit,
  initcArgs,
  initcFinishedAt,
  isReady,
  kubectlPods,
  podsMatching,
  readyAt,
  type StartupPod,
} from "./lib/startup.js";
import { waitFor } from "./lib/wait.js";

const here = import.meta.dirname;
const wl = (name: string) => join(here, "workloads", `${name}.yaml`);
/** Running -> Ready of grove-sim's pods: above a second, so the order shows in second-precision times. */
const READY_DELAY_MS = 1500;
const READY = "sim.grove-ts.dev/ready";

describe("startup ordering SO1-SO4 (our WL3-WL6, grove-initc), 10 agent nodes", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: agentCluster(10), readyDelayMs: READY_DELAY_MS });
  });
  afterEach(async () => {
    await e2e.cleanup({ uncordon: "now" });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** PrepareTest(10), apply, 10 Ready pods; returns them as kubectl lists them. */
  async function deploy(pcs: string): Promise<StartupPod[]> {
    await e2e.prepareTest(10);
    await e2e.apply(wl(pcs));
    await e2e.waitPods(pcs, { total: 10, running: 10, ready: 10, pending: 0 }, { timeoutMs: 90_000 });
    return kubectlPods(e2e, pcs);
  }

  /** PodClique FQN -> its pods' grove-initc arguments (the same for every pod of the clique). */
  function wiring(pods: readonly StartupPod[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const p of pods) {
      const q = p.metadata.labels?.["grove.io/podclique"] ?? "";
      const args = initcArgs(p);
      if (out[q])
        expect(args, `${p.metadata.name}: the same arguments as its clique's other pods`).toEqual(out[q]);
      out[q] = args;
    }
    return out;
  }
  const pcl = (pcs: string, ...parents: string[]) => parents.map((x) => `--podcliques=${pcs}-0-${x}`);

  /** SO2 and SO4: pc-a's first pod before every PCSG pod; within each sg-x replica pc-b's first before pc-c. */
  function minReplicasOrder(pods: StartupPod[]): void {
    const pcsg = [...podsMatching(pods, "pc-b"), ...podsMatching(pods, "pc-c")];
    // Held on pc-a: sg-x-0-pc-b and (through it) sg-x-0-pc-c; the scaled gang's sg-x-1 is not.
    expect(
      expectBefore(
        pods,
        { label: "pc-a", pods: podsMatching(pods, "pc-a"), count: 2, min: 1 },
        { label: "sg-x pods", pods: pcsg, count: 8 },
      ),
    ).toBe(4);
    for (const r of ["-sg-x-0-", "-sg-x-1-"])
      expect(
        expectBefore(
          pods,
          { label: `${r}pc-b`, pods: podsMatching(pods, r, "pc-b"), count: 1, min: 1 },
          { label: `${r}pc-c`, pods: podsMatching(pods, r, "pc-c"), count: 3 },
        ),
      ).toBe(3);
  }

  it("SO1: WL3 (InOrder, full replicas): all 2 pc-a before any pc-b, all 2 pc-b before any of 6 pc-c", async () => {
    const pods = await deploy("wl3");
    expect(wiring(pods)).toEqual({
      "wl3-0-pc-a": [],
      "wl3-0-sg-x-0-pc-b": pcl("wl3", "pc-a:2"),
      "wl3-0-sg-x-1-pc-b": pcl("wl3", "pc-a:2"),
      "wl3-0-sg-x-0-pc-c": pcl("wl3", "sg-x-0-pc-b:1", "sg-x-1-pc-b:1"),
      "wl3-0-sg-x-1-pc-c": pcl("wl3", "sg-x-0-pc-b:1", "sg-x-1-pc-b:1"),
    });
    const a = { label: "pc-a", pods: podsMatching(pods, "pc-a"), count: 2, min: 2 };
    const b = { label: "pc-b", pods: podsMatching(pods, "pc-b"), count: 2 };
    expect(expectBefore(pods, a, b)).toBe(2);
    expect(
      expectBefore(pods, { ...b, min: 2 }, { label: "pc-c", pods: podsMatching(pods, "pc-c"), count: 6 }),
    ).toBe(6);
  }, 150_000);

  it("SO2: WL4 (InOrder, min replicas): 1st pc-a before all PCSG pods; within sg-x-0 and sg-x-1 1st pc-b before pc-c", async () => {
    const pods = await deploy("wl4");
    // §11.1: sg-x-1 is a scaled gang (index >= minAvailable 1): pc-a, outside the PCSG, is dropped.
    expect(wiring(pods)).toEqual({
      "wl4-0-pc-a": [],
      "wl4-0-sg-x-0-pc-b": pcl("wl4", "pc-a:1"),
      "wl4-0-sg-x-0-pc-c": pcl("wl4", "sg-x-0-pc-b:1"),
      "wl4-0-sg-x-1-pc-b": [],
      "wl4-0-sg-x-1-pc-c": pcl("wl4", "sg-x-1-pc-b:1"),
    });
    minReplicasOrder(pods);
  }, 150_000);

  it("SO3: WL5 (Explicit, full): pc-a(2) before pc-c(6), pc-a before pc-b(2), pc-c(6) before pc-b", async () => {
    const pods = await deploy("wl5");
    expect(wiring(pods)).toEqual({
      "wl5-0-pc-a": [],
      "wl5-0-sg-x-0-pc-c": pcl("wl5", "pc-a:2"),
      "wl5-0-sg-x-1-pc-c": pcl("wl5", "pc-a:2"),
      "wl5-0-sg-x-0-pc-b": pcl("wl5", "sg-x-0-pc-c:3", "sg-x-1-pc-c:3"),
      "wl5-0-sg-x-1-pc-b": pcl("wl5", "sg-x-0-pc-c:3", "sg-x-1-pc-c:3"),
    });
    const a = { label: "pc-a", pods: podsMatching(pods, "pc-a"), count: 2, min: 2 };
    const b = { label: "pc-b", pods: podsMatching(pods, "pc-b"), count: 2 };
    const c = { label: "pc-c", pods: podsMatching(pods, "pc-c"), count: 6 };
    expect(expectBefore(pods, a, c)).toBe(6);
    expect(expectBefore(pods, a, b)).toBe(2);
    expect(expectBefore(pods, { ...c, min: 6 }, b)).toBe(2);
  }, 150_000);

  it("SO4: WL6 (Explicit, min replicas): 1st pc-a before PCSG pods; per sg-x replica 1st pc-b before pc-c", async () => {
    const pods = await deploy("wl6");
    expect(wiring(pods)).toEqual({
      "wl6-0-pc-a": [],
      "wl6-0-sg-x-0-pc-b": pcl("wl6", "pc-a:1"),
      "wl6-0-sg-x-0-pc-c": pcl("wl6", "sg-x-0-pc-b:1"),
      "wl6-0-sg-x-1-pc-b": [],
      "wl6-0-sg-x-1-pc-c": pcl("wl6", "sg-x-1-pc-b:1"),
    });
    minReplicasOrder(pods);
  }, 150_000);

  it("init-container wait: WL3 with pc-a not Ready holds every pc-b and pc-c pod in Init (grove-initc running) until both pc-a pods are Ready", async () => {
    await e2e.prepareTest(10);
    // Our WL3 with pc-a's pods made not Ready by grove-sim's readiness fault from the start.
    const text = readFileSync(wl("wl3"), "utf8");
    const held = text.replace(
      /( {6}- name: pc-a\n {8}labels: \{ kai\.scheduler\/queue: test \}\n)/,
      `$1        annotations: { ${READY}: "false" }\n`,
    );
    expect(held).not.toBe(text);
    await e2e.apply(e2e.file("wl3-held.yaml", held));

    /** Waits until pc-a's Ready pods are `readyA` and every pc-b, pc-c pod is held in Init. */
    const waitHeld = async (readyA: number): Promise<StartupPod[]> => {
      let pods: StartupPod[] = [];
      await waitFor(
        `wl3: ${readyA} pc-a Ready, the 8 pc-b/pc-c pods held in Init by grove-initc`,
        async () => {
          pods = await kubectlPods(e2e, "wl3");
          const a = podsMatching(pods, "pc-a");
          const rest = pods.filter((p) => !a.includes(p));
          const problems = rest.map(heldInInit).filter((x) => x !== undefined);
          const ok =
            pods.length === 10 &&
            a.every((p) => p.status?.phase === "Running") &&
            a.filter(isReady).length === readyA &&
            problems.length === 0;
          return {
            ok,
            state: `${pods.length} pods; pc-a Ready ${a.filter(isReady).length}; ${problems.join("; ")}`,
          };
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      return pods;
    };
    const pods = await waitHeld(0);
    // What a user sees: kubectl's STATUS column.
    const table = await e2e.kubectl.ok([
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/part-of=wl3",
      "--no-headers",
    ]);
    const status = new Map(
      table
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .map((c) => [c[0], c[2]]),
    );
    for (const p of pods.filter((x) => !x.metadata.name.includes("-pc-a-")))
      expect(status.get(p.metadata.name), `${p.metadata.name}: kubectl STATUS`).toBe("Init:0/1");

    // pc-b needs both pc-a pods (pc-a:2): one Ready is not enough, well past a ready delay.
    const [a0, a1] = podsMatching(pods, "pc-a").map((p) => p.metadata.name);
    if (!a0 || !a1) throw new Error("wl3: two pc-a pods expected");
    await e2e.kubectl.ok(["annotate", "--overwrite", "pod", a0, `${READY}=true`]);
    await waitHeld(1);
    await new Promise((r) => setTimeout(r, 3 * READY_DELAY_MS));
    await waitHeld(1);

    await e2e.kubectl.ok(["annotate", "--overwrite", "pod", a1, `${READY}=true`]);
    await e2e.waitPods("wl3", { total: 10, running: 10, ready: 10, pending: 0 }, { timeoutMs: 60_000 });
    const done = await kubectlPods(e2e, "wl3");
    const lastA = Math.max(...podsMatching(done, "pc-a").map(readyAt));
    for (const p of podsMatching(done, "pc-b")) {
      // grove-initc ended once the second pc-a pod was Ready; the pod was Ready one delay later.
      expect(initcFinishedAt(p), `${p.metadata.name}: grove-initc finished`).toBeGreaterThanOrEqual(lastA);
      expect(readyAt(p), `${p.metadata.name}: Ready`).toBeGreaterThan(lastA);
    }
    const lastB = Math.max(...podsMatching(done, "pc-b").map(readyAt));
    for (const p of podsMatching(done, "pc-c")) {
      expect(initcFinishedAt(p), `${p.metadata.name}: grove-initc finished`).toBeGreaterThanOrEqual(lastB);
      expect(readyAt(p), `${p.metadata.name}: Ready`).toBeGreaterThan(lastB);
    }
  }, 150_000);
});
