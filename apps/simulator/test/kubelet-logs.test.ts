// The simulated kubelet's log: a container's lifecycle read from the pod's status, and kubelet's
// errors for a container not started and for --previous without a terminated instance.
import { ApiError } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { simulatedKubelet, simulatedLog } from "../src/kubelet-logs.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:01Z";
const T9 = "2026-01-01T00:00:09Z";

const pod = {
  metadata: { name: "p" },
  spec: {
    initContainers: [{ name: "grove-initc", image: "grove-initc:1", args: ["--podcliques=a:1"] }],
    containers: [
      { name: "main", image: "busybox:1.36", command: ["sleep"], args: ["infinity"] },
      { name: "crash", image: "busybox:1.36" },
      { name: "new", image: "busybox:1.36" },
    ],
  },
  status: {
    conditions: [{ type: "ContainersReady", status: "True", lastTransitionTime: T1 }],
    initContainerStatuses: [
      {
        name: "grove-initc",
        state: { terminated: { exitCode: 0, reason: "Completed", startedAt: T0, finishedAt: T0 } },
      },
    ],
    containerStatuses: [
      { name: "main", ready: true, restartCount: 0, state: { running: { startedAt: T0 } } },
      {
        name: "crash",
        ready: true,
        restartCount: 2,
        state: { running: { startedAt: T9 } },
        lastState: { terminated: { exitCode: 3, reason: "Error", startedAt: T1, finishedAt: T1 } },
      },
      { name: "new", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
    ],
  },
};

const log = (
  container: string,
  extra: { previous?: boolean; timestamps?: boolean; tailLines?: number } = {},
) => simulatedLog(pod, { container, previous: false, timestamps: false, ...extra });

describe("simulatedLog", () => {
  it("a running container: started with image, command and args, then ready", () => {
    expect(log("main")).toBe(
      '[grove-sim] started container main: image busybox:1.36, command ["sleep"], args ["infinity"]\n' +
        "[grove-sim] container main is ready\n",
    );
    expect(log("main", { timestamps: true, tailLines: 1 })).toBe(
      `${T1} [grove-sim] container main is ready\n`,
    );
  });

  it("a restarted container: its restart now, its exit code with --previous", () => {
    expect(log("crash")).toBe(
      "[grove-sim] restarted container crash (restart 2): image busybox:1.36\n[grove-sim] container crash is ready\n",
    );
    expect(log("crash", { previous: true, timestamps: true })).toBe(
      `${T1} [grove-sim] restarted container crash (restart 1): image busybox:1.36\n` +
        `${T1} [grove-sim] container crash exited with code 3 (Error)\n`,
    );
  });

  it("an init container that completed", () => {
    expect(log("grove-initc")).toBe(
      '[grove-sim] started container grove-initc: image grove-initc:1, args ["--podcliques=a:1"]\n' +
        "[grove-sim] container grove-initc exited with code 0 (Completed)\n",
    );
  });

  it("kubelet's errors: waiting to start, no previous instance", () => {
    expect(() => log("new")).toThrow('container "new" in pod "p" is waiting to start: ContainerCreating');
    expect(() => log("main", { previous: true })).toThrow(
      'previous terminated container "main" in pod "p" not found',
    );
  });

  it("exec, attach and port-forward: 501 NotImplemented, saying grove-sim does not simulate them", () => {
    for (const [sub, words] of [
      ["exec", "grove-sim does not simulate exec"],
      ["attach", "grove-sim does not simulate attach"],
      ["portforward", "grove-sim does not simulate port-forward"],
    ] as const) {
      try {
        simulatedKubelet.stream(pod, sub, sub === "portforward" ? undefined : "main");
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).status).toMatchObject({ code: 501, reason: "NotImplemented" });
        expect((err as ApiError).message).toContain(words);
      }
    }
  });
});
