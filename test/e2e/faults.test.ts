// Issue 14, Deliver 1: faults in grove-sim driven as a user drives them, with the real kubectl
// (and, in the kube project, against the real control plane, where kube-controller-manager plays
// the node lifecycle). Pod annotations read by the simulated kubelet (exit -> CrashLoopBackOff with
// growing restartCount, readiness dropped and restored, a bad value -> Warning Event), a node made
// NotReady by its annotation, `kubectl drain` through the eviction subresource, and node deletion.
// Back-offs and graces are shortened by grove-sim options; every step polls.
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { target } from "../src/target.js";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const cluster: ClusterSpec = {
  name: "grove-e2e-faults",
  pools: [
    { name: "f", count: 4, namePrefix: "f-node-", allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
  ],
};

const pod = (name: string, node: string, restartPolicy = "Always") => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
  nodeName: ${node}
  restartPolicy: ${restartPolicy}
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:1.36
      command: [sleep, infinity]
`;

describe("faults in grove-sim (kubectl)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({
      cluster,
      faults: { backoffBaseMs: 200, backoffMaxMs: 800 },
      nodeLifecycle: { evictAfterMs: 500, podGcMs: 300 },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const jp = (kind: string, name: string, path: string) =>
    e2e.kubectl.ok(["get", kind, name, "-o", `jsonpath={${path}}`]).then((s) => s.trim());
  const podReady = (name: string) => jp("pod", name, '.status.conditions[?(@.type=="Ready")].status');
  /** Polls `probe` until it returns true (every step of a fault is observed, never timed). */
  const until = (what: string, probe: () => Promise<boolean>) =>
    waitFor(what, async () => ({ ok: await probe(), state: "not yet" }), { intervalMs: 200 });
  const applyPod = async (name: string, node: string, restartPolicy?: string) => {
    await e2e.kubectl.ok(["apply", "-f", "-"], pod(name, node, restartPolicy));
    await until(`pod ${name} Ready`, async () => (await podReady(name)) === "True");
  };

  it("exit annotation: CrashLoopBackOff, restartCount grows, lastState has the exit code; removed, it runs", async () => {
    await applyPod("crash", "f-node-0");
    await e2e.kubectl.ok(["annotate", "pod", "crash", "sim.grove-ts.dev/exit=main=1"]);
    await until(
      "crash: CrashLoopBackOff, restartCount >= 2",
      async () =>
        (await jp("pod", "crash", ".status.containerStatuses[0].state.waiting.reason")) ===
          "CrashLoopBackOff" &&
        Number(await jp("pod", "crash", ".status.containerStatuses[0].restartCount")) >= 2,
    );
    expect(await jp("pod", "crash", ".status.containerStatuses[0].lastState.terminated.exitCode")).toBe("1");
    expect(await podReady("crash")).toBe("False");
    const get = await e2e.kubectl.ok(["get", "pod", "crash"]);
    expect(get).toMatch(/crash\s+0\/1\s+CrashLoopBackOff\s+\d+/);
    await e2e.kubectl.ok(["annotate", "pod", "crash", "sim.grove-ts.dev/exit-"]);
    await until("crash running again", async () => (await podReady("crash")) === "True");
    expect(await jp("pod", "crash", ".status.containerStatuses[0].state.running.startedAt")).not.toBe("");
  });

  it("exit under restartPolicy Never: the pod fails", async () => {
    await applyPod("once", "f-node-0", "Never");
    await e2e.kubectl.ok(["annotate", "pod", "once", "sim.grove-ts.dev/exit=main=2"]);
    await until("once Failed", async () => (await jp("pod", "once", ".status.phase")) === "Failed");
    expect(await jp("pod", "once", ".status.containerStatuses[0].state.terminated.exitCode")).toBe("2");
  });

  it("ready annotation: readiness dropped and restored, nothing restarted", async () => {
    await applyPod("flaky", "f-node-0");
    await e2e.kubectl.ok(["annotate", "pod", "flaky", "sim.grove-ts.dev/ready=false"]);
    await until("flaky not Ready", async () => (await podReady("flaky")) === "False");
    expect(await jp("pod", "flaky", ".status.containerStatuses[0].ready")).toBe("false");
    expect(await jp("pod", "flaky", ".status.phase")).toBe("Running");
    await e2e.kubectl.ok(["annotate", "--overwrite", "pod", "flaky", "sim.grove-ts.dev/ready=true"]);
    await until("flaky Ready", async () => (await podReady("flaky")) === "True");
    expect(await jp("pod", "flaky", ".status.containerStatuses[0].restartCount")).toBe("0");
  });

  it("hold annotation: a pod stays in ContainerCreating until it is removed", async () => {
    const held = pod("held", "f-node-0").replace(
      "metadata: { name: held, namespace: default }",
      'metadata: { name: held, namespace: default, annotations: { "sim.grove-ts.dev/hold": ContainerCreating } }',
    );
    await e2e.kubectl.ok(["apply", "-f", "-"], held);
    await until("held ContainerCreating", async () =>
      /held\s+0\/1\s+ContainerCreating/.test(await e2e.kubectl.ok(["get", "pod", "held"])),
    );
    expect(await jp("pod", "held", ".status.phase")).toBe("Pending");
    await e2e.kubectl.ok(["annotate", "pod", "held", "sim.grove-ts.dev/hold-"]);
    await until("held Ready", async () => (await podReady("held")) === "True");
  });

  it("a bad annotation value: a Warning Event naming the annotation and the rule", async () => {
    await applyPod("bad", "f-node-0");
    await e2e.kubectl.ok(["annotate", "pod", "bad", "sim.grove-ts.dev/exit=main=x"]);
    const messages = () =>
      e2e.kubectl.ok([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=bad,type=Warning",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
    await until("Warning Event on bad", async () => (await messages()).includes("sim.grove-ts.dev/exit"));
    expect(await messages()).toMatch(
      /annotation sim\.grove-ts\.dev\/exit: "main=x": exit code "x" of container main must be an integer from 0 to 255; the annotation is ignored/,
    );
    expect(await podReady("bad")).toBe("True");
  });

  it("a node annotated not ready goes NotReady (its pods evicted on grove-sim's server); back to Ready", async () => {
    await applyPod("lost", "f-node-1");
    await e2e.kubectl.ok(["annotate", "node", "f-node-1", "sim.grove-ts.dev/ready=false"]);
    await until("f-node-1 NotReady", async () =>
      /f-node-1\s+NotReady/.test(await e2e.kubectl.ok(["get", "node", "f-node-1"])),
    );
    // The node lifecycle taints it (kube-controller-manager on the real control plane, grove-sim on ours).
    await until("f-node-1 tainted not-ready", async () =>
      (await jp("node", "f-node-1", ".spec.taints[*].key")).includes("node.kubernetes.io/not-ready"),
    );
    // kube-controller-manager evicts after the default 300 s toleration; grove-sim after 500 ms here.
    if (target === "grove")
      await until("lost evicted", async () => (await e2e.kubectl.run(["get", "pod", "lost"])).code !== 0);
    await e2e.kubectl.ok(["annotate", "--overwrite", "node", "f-node-1", "sim.grove-ts.dev/ready=true"]);
    await until("f-node-1 Ready", async () =>
      /f-node-1\s+Ready\s/.test(await e2e.kubectl.ok(["get", "node", "f-node-1"])),
    );
  });

  it("kubectl cordon and drain evict the node's pods through pods/eviction", async () => {
    await applyPod("drained", "f-node-2");
    await e2e.kubectl.ok(["cordon", "f-node-2"]);
    const r = await e2e.kubectl.run([
      "drain",
      "f-node-2",
      "--ignore-daemonsets",
      "--delete-emptydir-data",
      "--force",
      "--timeout=60s",
      "-v=6",
    ]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    // Through the eviction subresource (kubectl falls back to DELETE where it is not served).
    const evictions = r.stderr
      .split("\n")
      .filter((l) => l.includes("POST") && l.includes("/api/v1/namespaces/default/pods/drained/eviction"));
    expect(evictions.some((l) => /201/.test(l))).toBe(true);
    expect(out).toMatch(/pod\/drained evicted/);
    expect(out).toMatch(/node\/f-node-2 drained/);
    expect((await e2e.kubectl.run(["get", "pod", "drained"])).code).not.toBe(0);
    expect(await jp("node", "f-node-2", ".spec.unschedulable")).toBe("true");
    await e2e.kubectl.ok(["uncordon", "f-node-2"]);
  });

  it("kubectl delete node: its pods are lost", async () => {
    await applyPod("orphan", "f-node-3");
    await e2e.kubectl.ok(["delete", "node", "f-node-3"]);
    // The simulated kubelet fails it at once (NodeLost); pod GC then deletes it (grove-sim's after
    // 300 ms here, kube-controller-manager's after its 40 s quarantine).
    await until("orphan failed or gone", async () => {
      const r = await e2e.kubectl.run(["get", "pod", "orphan", "-o", "jsonpath={.status.phase}"]);
      return r.code !== 0 || r.stdout.trim() === "Failed";
    });
    if (target === "grove")
      await until("orphan gone", async () => (await e2e.kubectl.run(["get", "pod", "orphan"])).code !== 0);
  });
});
