// The real program (bin/grove-initc.js, built) against the in-process API server over HTTP, as an
// init container runs it: pod info from files, a kubeconfig instead of the mounted service account.
import { type ChildProcess, spawn } from "node:child_process";
import { getEventListeners } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import { type KubeObject, noopLogger, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parentOf, parseArgs, parsePodClique, waitForParents } from "../src/index.js";

const BIN = fileURLToPath(new URL("../bin/grove-initc.js", import.meta.url));
const NS = "default";

let dir: string;
let api: RunningApiServer;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "grove-initc-"));
  kubeconfig = join(dir, "kubeconfig");
  api = await startApiServer({ kubeconfigPath: kubeconfig });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

function podInfoDir(name: string, files: Record<string, string>): string {
  const real = mkdtempSync(join(dir, `${name}-`));
  for (const [f, v] of Object.entries(files)) writeFileSync(join(real, f), v);
  return real;
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once stderr satisfies `pred`; rejects if the program exits first. */
  waitFor(pred: (stderr: string) => boolean): Promise<void>;
  exited: Promise<number | null>;
}

function run(args: string[]): Run {
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const listeners = new Set<() => void>();
  child.stderr?.on("data", (b: Buffer) => {
    err += b.toString();
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    exited,
    waitFor: (pred) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pred(err)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!pred(err)) reject(new Error(`grove-initc exited (${code}) first; stderr:\n${err}`));
        });
      }),
  };
}

/** Log records (JSON lines) of a run's stderr. */
const records = (stderr: string): Record<string, unknown>[] =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const waiting = (stderr: string, podClique: string, readyPods: number) =>
  records(stderr).some(
    (r) => r.msg === "waiting for parent PodClique" && r.podClique === podClique && r.readyPods === readyPods,
  );

const waitingCount = (stderr: string, podClique: string, readyPods: number) =>
  records(stderr).filter(
    (r) => r.msg === "waiting for parent PodClique" && r.podClique === podClique && r.readyPods === readyPods,
  ).length;

async function createPod(name: string, gang: string, namespace = NS): Promise<void> {
  await api.client.create(PodType, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "grove.io/podgang": gang } },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  } as KubeObject);
}

async function setReady(name: string, ready: boolean): Promise<void> {
  await api.client.patch(
    PodType,
    name,
    NS,
    {
      type: "merge",
      body: { status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } },
    },
    { subresource: "status" },
  );
}

describe("grove-initc against an API server", () => {
  it("waits while parents lack Ready pods and exits 0 once every parent has minAvailable Ready", async () => {
    const info = podInfoDir("ok", { namespace: NS, podgangname: "wl-0" });
    await createPod("wl-0-pa-a1b2c", "wl-0");
    await createPod("wl-0-pb-d3e4f", "wl-0");
    await createPod("wl-0-pb-g5h6i", "wl-0");
    // Same name prefix, other gang, Ready: never counted (the watch is filtered by the gang label).
    await createPod("wl-0-pb-other", "wl-1");
    await setReady("wl-0-pb-other", true);

    const r = run([
      "--podcliques=wl-0-pa:1",
      "--podcliques",
      "wl-0-pb:2",
      "--kubeconfig",
      kubeconfig,
      "--pod-info-dir",
      info,
    ]);
    try {
      // The pods exist, none is Ready: it reports both parents and keeps running.
      await r.waitFor((s) => waiting(s, "wl-0-pa", 0) && waiting(s, "wl-0-pb", 0));
      expect(r.child.exitCode).toBeNull();

      // pa satisfied, pb has 1 of 2: it has seen that state (the log) and still runs.
      await setReady("wl-0-pa-a1b2c", true);
      await setReady("wl-0-pb-d3e4f", true);
      await r.waitFor((s) => waiting(s, "wl-0-pb", 1));
      expect(r.child.exitCode).toBeNull();
      const last = records(r.stderr())
        .filter((x) => x.msg === "waiting for parent PodClique")
        .at(-1);
      expect(last).toMatchObject({ podClique: "wl-0-pb", readyPods: 1, minAvailable: 2, missing: 1 });

      // A Ready pod turning unready is taken back.
      await setReady("wl-0-pa-a1b2c", false);
      await r.waitFor((s) => waitingCount(s, "wl-0-pa", 0) === 2);
      expect(r.child.exitCode).toBeNull();

      await setReady("wl-0-pa-a1b2c", true);
      await setReady("wl-0-pb-g5h6i", true);
      expect(await r.exited).toBe(0);
      expect(records(r.stderr()).some((x) => x.msg === "all parent PodCliques ready")).toBe(true);
    } finally {
      r.child.kill("SIGKILL");
    }
  });

  it("waitForParents leaves no listener on the caller's signal once the parents are Ready", async () => {
    await createPod("wl-8-pa-x1y2z", "wl-8");
    await setReady("wl-8-pa-x1y2z", true);
    const ac = new AbortController();
    for (let i = 0; i < 3; i++) {
      const r = await waitForParents({
        client: api.client,
        namespace: NS,
        podGang: "wl-8",
        parents: new Map([["wl-8-pa", 1]]),
        logger: noopLogger,
        signal: ac.signal,
      });
      expect(r).toBe("ready");
    }
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });

  it("SIGTERM stops the wait: exit 1 naming the signal", async () => {
    const info = podInfoDir("sig", { namespace: NS, podgangname: "wl-9" });
    const r = run([`--podcliques=wl-9-pa:1`, "--kubeconfig", kubeconfig, "--pod-info-dir", info]);
    try {
      await r.waitFor((s) => waiting(s, "wl-9-pa", 0));
      r.child.kill("SIGTERM");
      expect(await r.exited).toBe(1);
      expect(r.stderr()).toContain("stopped by SIGTERM before the parent PodCliques were ready");
    } finally {
      r.child.kill("SIGKILL");
    }
  });

  it.each([
    [["--podcliques=wl-0-pa"], '--podcliques "wl-0-pa": must be name:count'],
    [["--podcliques=a:b:1"], "found 3 value(s)"],
    [["--podcliques=wl-0-pa:0"], "count 0 is not > 0"],
    [["--podcliques=wl-0-pa:-2"], "count -2 is not > 0"],
    [["--podcliques=wl-0-pa:two"], 'count "two" is not an integer'],
    [["--podcliques= :1"], "the name is empty"],
    [["--podcliques"], "--podcliques: needs a value"],
    [["--bogus"], "unknown flag: --bogus"],
    [["--log-level=loud"], "--log-level: must be one of debug, info, warn, error"],
  ])("bad arguments %j: exit 1 and %s", async (args, message) => {
    const r = run(["--kubeconfig", kubeconfig, ...args]);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toContain(message);
  });

  it("a missing pod-info file: exit 1 naming the file", async () => {
    const info = podInfoDir("nofile", { namespace: NS });
    const r = run(["--podcliques=wl-0-pa:1", "--kubeconfig", kubeconfig, "--pod-info-dir", info]);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toContain(`pod info file ${join(info, "podgangname")}: does not exist`);
  });

  it("outside a cluster without --kubeconfig: exit 1 naming the environment variables", async () => {
    const info = podInfoDir("nocluster", { namespace: NS, podgangname: "wl-0" });
    const r = run(["--podcliques=wl-0-pa:1", "--pod-info-dir", info]);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toContain("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  });
});

describe("arguments as Grove's pflag takes them", () => {
  it("accepts the long and short forms, trims, skips empty values, keeps a repeated name's last count", () => {
    const o = parseArgs([
      "-p",
      "a:1",
      "-p=b:2",
      "-pc:3",
      "--podcliques",
      " d : 4 ",
      "--podcliques=",
      "-p",
      "a:5",
    ]);
    expect([...o.parents]).toEqual([
      ["a", 5],
      ["b", 2],
      ["c", 3],
      ["d", 4],
    ]);
    expect(parsePodClique("x:+7")).toEqual({ name: "x", minAvailable: 7 });
    expect(parsePodClique("   ")).toBeUndefined();
  });

  it("attributes a pod to the longest parent FQN its name starts with", () => {
    expect(parentOf("wl-0-pc-b-x1y2z", ["wl-0-pc", "wl-0-pc-b"])).toBe("wl-0-pc-b");
    expect(parentOf("wl-0-pc-x1y2z", ["wl-0-pc", "wl-0-pc-b"])).toBe("wl-0-pc");
    expect(parentOf("wl-1-pc-x1y2z", ["wl-0-pc"])).toBeUndefined();
  });
});
