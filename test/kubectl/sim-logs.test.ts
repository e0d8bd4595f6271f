// Issue 16 item 6: `kubectl logs` shows a grove-sim container's simulated lifecycle (started with
// image, command and args; ready; exited with its code; restarted) with -c, --previous, --tail and
// --timestamps, and `kubectl exec`, `attach` and `port-forward` fail with grove-sim's "does not
// simulate" Status. The real kubectl against grove-sim on both projects: on our API server (its
// PodProxy) and on the real control plane, where kube-apiserver proxies them to grove-sim's kubelet
// endpoint (kubelet-server.ts) at the nodes' InternalDNS address and daemonEndpoints port.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuCluster, E2E } from "../e2e/lib/harness.js";
import { waitFor } from "../e2e/lib/wait.js";
import { target } from "../src/target.js";

const pods = `apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: main, image: "busybox:1.36", command: [sleep], args: [infinity] }
    - { name: side, image: "nginx:1.27" }
---
apiVersion: v1
kind: Pod
metadata:
  name: crash
  annotations: { sim.grove-ts.dev/exit: main=3 }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: main, image: "busybox:1.36", command: [sh, -c, "exit 3"] }
`;

interface PodJson {
  status?: {
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: {
      name: string;
      restartCount: number;
      state?: { running?: { startedAt: string } };
      lastState?: { terminated?: { exitCode: number } };
    }[];
  };
}

describe("grove-sim: kubectl logs, exec, attach, port-forward", () => {
  let e2e: E2E;
  let web: PodJson;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: cpuCluster(1), faults: { backoffBaseMs: 200, backoffMaxMs: 400 } });
    await e2e.kubectl.ok(["apply", "-f", "-"], pods);
    await waitFor("web Ready", async () => {
      web = await e2e.kubectl.json<PodJson>(["get", "pod", "web"]);
      const ready = web.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return { ok: ready === true, state: JSON.stringify(web.status?.conditions ?? []) };
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("logs: the container's lifecycle with its image, command and args", async () => {
    const out = await e2e.kubectl.ok(["logs", "web", "-c", "main"]);
    expect(out).toBe(
      '[grove-sim] started container main: image busybox:1.36, command ["sleep"], args ["infinity"]\n' +
        "[grove-sim] container main is ready\n",
    );
    const side = await e2e.kubectl.ok(["logs", "web", "-c", "side", "--tail", "1"]);
    expect(side).toBe("[grove-sim] container side is ready\n");
  });

  it("the pod's hostIP stays its node's InternalIP", async () => {
    const pod = await e2e.kubectl.json<{ status?: { hostIP?: string } }>(["get", "pod", "web"]);
    expect(pod.status?.hostIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });

  it("logs --timestamps: each line at the time the status records", async () => {
    const out = await e2e.kubectl.ok(["logs", "web", "-c", "main", "--timestamps"]);
    const started = web.status?.containerStatuses?.find((c) => c.name === "main")?.state?.running?.startedAt;
    const ready = web.status?.conditions?.find((c) => c.type === "ContainersReady")?.lastTransitionTime;
    expect(out.split("\n").filter(Boolean)).toEqual([
      `${started} [grove-sim] started container main: image busybox:1.36, command ["sleep"], args ["infinity"]`,
      `${ready} [grove-sim] container main is ready`,
    ]);
  });

  it("logs of a crashing container: restarted, and --previous shows the exit code", async () => {
    await waitFor("crash restarted", async () => {
      const p = await e2e.kubectl.json<PodJson>(["get", "pod", "crash"]);
      const s = p.status?.containerStatuses?.[0];
      return { ok: (s?.restartCount ?? 0) >= 2, state: JSON.stringify(s ?? {}) };
    });
    const prev = await e2e.kubectl.ok(["logs", "crash", "--previous"]);
    expect(prev).toMatch(/^\[grove-sim\] (started|restarted) container main[^\n]*image busybox:1\.36/);
    expect(prev).toContain("[grove-sim] container main exited with code 3 (Error)\n");
  });

  it("logs errors: an unknown container, an unknown pod, no previous instance", async () => {
    const c = await e2e.kubectl.run(["logs", "web", "-c", "nope"]);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain("container nope is not valid for pod web");
    const p = await e2e.kubectl.run(["logs", "nope"]);
    expect(p.code).not.toBe(0);
    expect(p.stderr).toContain('pods "nope" not found');
    const prev = await e2e.kubectl.run(["logs", "web", "-c", "main", "--previous"]);
    expect(prev.code).not.toBe(0);
    expect(prev.stderr).toContain('previous terminated container "main" in pod "web" not found');
  });

  it.each([
    [["exec", "web", "-c", "main", "--", "ls"], "exec"],
    [["attach", "web", "-c", "main"], "attach"],
    [["port-forward", "pod/web", "18080:80"], "port-forward"],
  ])("%j fails: grove-sim does not simulate it", async (args, what) => {
    const r = await e2e.kubectl.run(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`grove-sim does not simulate ${what}`);
    // kube-apiserver relays the kubelet's refusal of the upgrade; ours answers its Status itself.
    if (target === "kube") expect(r.stderr).toContain("unable to upgrade connection");
  });
});
