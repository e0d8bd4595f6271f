// The plugin's commands on a fixed Snapshot (test/fixture.ts): what each finds and how it prints.
import { describe, expect, it } from "vitest";
import { run } from "../src/cli/run.js";
import {
  buildExplanation,
  buildTop,
  buildTree,
  buildWhy,
  PluginError,
  parseDuration,
  renderExplanation,
  renderTop,
  renderTree,
  renderWhy,
  whyKind,
} from "../src/index.js";
import { fixture } from "./fixture.js";

describe("tree", () => {
  it("nests PCS > PCSG > PCLQ > pods, each pod with state, node and domains", () => {
    expect(renderTree(buildTree(fixture()))).toBe(
      [
        "PodCliqueSet default/inf (replicas 1, available 0)",
        "├─ PodClique inf-0-router (ready 1/1, minAvailable 1)",
        "│  └─ inf-0-router-a  Running/Ready  n1  zone=z0 rack=r1",
        "└─ PodCliqueScalingGroup inf-0-g (replicas 1, minAvailable 1)",
        "   └─ PodClique inf-0-g-0-w (ready 1/2, minAvailable 2)",
        "      ├─ inf-0-g-0-w-a  Running/Ready            n1      zone=z0 rack=r1",
        "      └─ inf-0-g-0-w-b  Pending (Unschedulable)  <none>",
        "",
      ].join("\n"),
    );
  });

  it("names one PodCliqueSet, and says when there are none", () => {
    expect(buildTree(fixture(), "inf").map((t) => t.name)).toEqual(["inf"]);
    expect(renderTree(buildTree(fixture(), "nope"))).toBe("No PodCliqueSets found.\n");
  });
});

describe("why", () => {
  it("a pending PodGang: the scheduler's verdict, the pod's, termination timer, events", () => {
    const r = buildWhy(fixture(), "podgang", "inf-0");
    expect(r.state).toBe("Pending");
    expect(r.holds.map((h) => [h.kind, h.subject])).toEqual([
      ["scheduler", "PodGang inf-0"],
      ["pod", "pod inf-0-g-0-w-b"],
      ["termination", "PodClique inf-0-g-0-w"],
      ["event", "Pod inf-0-g-0-w-b"],
    ]);
    const text = renderWhy(r);
    expect(text).toContain(
      "scheduler    PodGang inf-0: Scheduled=False (Unschedulable): required rack: the best rack fits 1 of 2 pods",
    );
    // Breached at 00:00:30, read at 00:01:00, terminationDelay 2m: 90 s left.
    expect(text).toContain(
      "MinAvailableBreached for 30s (ScheduledReplicasBelowMinAvailable); terminationDelay 2m: the gang is terminated in 90s unless it recovers",
    );
    expect(text).toContain(
      "Warning FailedScheduling: gang default/inf-0: required rack: the best rack fits 1 of 2 pods (10s ago, x3)",
    );
  });

  it("a bound pod of a scheduled gang: nothing holds it", () => {
    const s = fixture();
    const gang = s.podgangs[0];
    if (gang?.status) gang.status.conditions = [{ type: "Scheduled", status: "True", reason: "Scheduled" }];
    expect(renderWhy(buildWhy(s, "pod", "inf-0-router-a"))).toBe(
      "Pod default/inf-0-router-a: Running/Ready\n  nothing holds it: no pending verdict, gate, startup wait or termination timer\n",
    );
  });

  it("gates and startup ordering", () => {
    const s = fixture();
    const b = s.pods[2];
    if (b?.spec) b.spec.schedulingGates = [{ name: "grove.io/podgang-pending-creation" }];
    const w = s.pclq[1];
    if (w?.spec) w.spec.startsAfter = ["inf-0-router", "inf-0-missing"];
    const r = buildWhy(s, "pclq", "inf-0-g-0-w");
    const text = renderWhy(r);
    expect(text).toContain(
      "gate         pod inf-0-g-0-w-b: scheduling gates grove.io/podgang-pending-creation",
    );
    expect(text).toContain(
      "startup      PodClique inf-0-g-0-w: starts after inf-0-missing (ready 0/1, not created)",
    );
  });

  it("an unknown object names its kind and name", () => {
    expect(() => buildWhy(fixture(), "pcsg", "nope")).toThrow(
      new PluginError('PodCliqueScalingGroup "nope" not found in namespace "default"'),
    );
  });

  it("reads kubectl's kind names and Go durations", () => {
    expect(["podcliquesets.grove.io", "pclq", "PodGang", "po", "pg"].map(whyKind)).toEqual([
      "pcs",
      "pclq",
      "podgang",
      "pod",
      "podgang",
    ]);
    expect(whyKind("deployment")).toBeUndefined();
    expect([parseDuration("10s"), parseDuration("1h30m"), parseDuration("4h"), parseDuration("x")]).toEqual([
      10_000,
      5_400_000,
      14_400_000,
      undefined,
    ]);
  });
});

describe("top", () => {
  it("GPUs per domain and fragmentation per level", () => {
    const r = buildTop(fixture());
    expect([r.capacity, r.allocated, r.free]).toEqual([32, 12, 20]);
    const rack = r.levels.find((l) => l.level === "rack");
    expect(rack?.domains).toEqual([
      { name: "r1", nodes: 2, capacity: 16, allocated: 8, free: 8 },
      { name: "r2", nodes: 2, capacity: 16, allocated: 4, free: 12 },
    ]);
    expect(rack?.fragmentation).toEqual({
      wholeFree: 0,
      freeInWhole: 0,
      partlyUsed: 2,
      freeScattered: 20,
      full: 0,
      largestFree: 12,
    });
    expect(r.levels.find((l) => l.level === "host")?.fragmentation).toEqual({
      wholeFree: 2,
      freeInWhole: 16,
      partlyUsed: 1,
      freeScattered: 4,
      full: 1,
      largestFree: 8,
    });
    expect(renderTop(r)).toBe(
      [
        "nvidia.com/gpu: 12 of 32 allocated (38%), 20 free",
        "",
        "LEVEL  DOMAIN  NODES  ALLOCATED  CAPACITY  FREE",
        "zone   z0      4      12         32        20",
        "rack   r1      2      8          16        8",
        "rack   r2      2      4          16        12",
        "",
        "FRAGMENTATION (free nvidia.com/gpu: in wholly free domains / scattered over partly used ones)",
        "LEVEL  WHOLE-FREE  FREE-IN-WHOLE  PARTLY-USED  FREE-SCATTERED  FULL  LARGEST-FREE",
        "zone   0           0              1            20              0     20",
        "rack   0           0              2            20              0     12",
        "host   2           16             1            4               1     8",
        "",
      ].join("\n"),
    );
  });

  it("another resource, and none at all", () => {
    // Three bound pods of 1 CPU each; the pending one holds nothing.
    expect(buildTop(fixture(), "cpu").allocated).toBe(3);
    expect(renderTop(buildTop(fixture(), "example.com/fpga"))).toBe(
      "No node has example.com/fpga (try --resource cpu).\n",
    );
  });
});

describe("explain-placement", () => {
  it("the domains chosen per level and each rack checked by the solver", () => {
    const e = buildExplanation(fixture(), "inf-0");
    expect(e.constraint).toEqual({ required: "rack", preferred: null });
    expect(e.chosen).toEqual([
      { level: "zone", domains: { z0: 2 } },
      { level: "rack", domains: { r1: 2 } },
      { level: "host", domains: { n1: 2 } },
    ]);
    expect(e.decisionLevel).toBe("rack");
    expect(e.alternatives.map((a) => [a.domain, a.chosen, a.fits])).toEqual([
      ["r1", true, false],
      ["r2", false, false],
    ]);
    // r1: n2 is cordoned; r2: n4 has 4 GPUs of another pod: one 8-GPU worker fits in each.
    for (const a of e.alternatives) expect(a.reason).toMatch(/rack/);
    const text = renderExplanation(e);
    expect(text).toContain("PodGang default/inf-0: Pending, 2/3 pods bound; constraint: required rack\n");
    expect(text).toContain("  rack  r1 (2 pods)\n");
    expect(text).toContain("  r2  rejected: ");
  });

  it("fits where the cluster has room", () => {
    const s = fixture();
    s.pods = s.pods.filter((p) => p.metadata.name !== "other");
    const e = buildExplanation(s, "inf-0");
    expect(e.alternatives.map((a) => [a.domain, a.fits])).toEqual([
      ["r1", false],
      ["r2", true],
    ]);
    expect(renderExplanation(e)).toContain("  r2  fits (not chosen)\n");
  });

  it("a scaling group replica's constraint (the PodGang's group configs) decides the level", () => {
    const s = fixture();
    const spec = s.podgangs[0]?.spec as Record<string, unknown>;
    delete spec.topologyConstraint;
    spec.topologyConstraintGroupConfigs = [
      {
        name: "inf-0-g-0",
        podGroupNames: ["inf-0-g-0-w"],
        topologyConstraint: { packConstraint: { required: "ex.com/rack" } },
      },
    ];
    const e = buildExplanation(s, "inf-0");
    expect([e.constraint, e.groupConstraints, e.decisionLevel]).toEqual([
      { required: null, preferred: null },
      [{ name: "inf-0-g-0", required: "rack", preferred: null }],
      "rack",
    ]);
    expect(renderExplanation(e)).toContain("constraint: inf-0-g-0: required rack\n");
    expect(e.alternatives.find((a) => a.domain === "r2")?.reason).toMatch(/sub-group inf-0-g-0/);
  });

  it("an unknown PodGang names the kind and name", () => {
    expect(() => buildExplanation(fixture(), "nope")).toThrow(
      'PodGang "nope" not found in namespace "default"',
    );
  });
});

describe("the command line", () => {
  it("prints the help of each command", async () => {
    expect(await run(["--help"])).toMatch(/^usage: kubectl grove COMMAND/);
    for (const c of ["tree", "why", "top", "explain-placement"])
      expect(await run([c, "--help"])).toMatch(new RegExp(`^usage: kubectl grove ${c}`));
  });

  it("refuses bad input before reading a cluster, naming the flag or argument", async () => {
    await expect(run(["frobnicate"])).rejects.toThrow(
      'unknown command "frobnicate": one of tree, why, top, explain-placement',
    );
    await expect(run(["why", "pod"])).rejects.toThrow("why: KIND NAME is required");
    await expect(run(["why", "deployment", "x"])).rejects.toThrow(
      'why: unknown kind "deployment": one of pcs, pcsg, pclq, podgang, pod',
    );
    await expect(run(["explain-placement"])).rejects.toThrow("explain-placement: PODGANG is required");
    await expect(run(["top", "-o", "yaml"])).rejects.toThrow('--output: "yaml" is not supported');
    await expect(run(["top", "--bogus"])).rejects.toThrow("--bogus");
    await expect(run(["tree", "-n", "x", "-A"])).rejects.toThrow(
      "--namespace and --all-namespaces: give one at most",
    );
  });

  it("names the server it cannot reach", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const kc = join(mkdtempSync(join(tmpdir(), "kubectl-grove-")), "kubeconfig");
    writeFileSync(
      kc,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1", insecure-skip-tls-verify: true } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
users: [{ name: u, user: { token: t } }]
`,
    );
    await expect(run(["top", "--kubeconfig", kc])).rejects.toThrow(
      "cannot reach the cluster at http://127.0.0.1:1",
    );
    await expect(run(["top", "--kubeconfig", kc, "--context", "other"])).rejects.toThrow(
      'context: "other" is not in the kubeconfig',
    );
  });
});
