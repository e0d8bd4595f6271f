// grove-operator as a child process over HTTP (the external operator mode): started with
// --kubeconfig, stopped with SIGTERM (graceful) or killed with SIGKILL (the restart test).
import { type ChildProcess, spawn } from "node:child_process";
import { basename, join } from "node:path";
import { repoRoot } from "../../src/shared.js";

export const operatorBin = join(repoRoot, "apps/operator/bin/grove-operator.js");
export const simBin = join(repoRoot, "apps/simulator/bin/grove-sim.js");

export interface ChildHandle {
  proc: ChildProcess;
  /** Everything the child wrote so far (stdout and stderr interleaved), for diagnostics. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` unless the child already exited, then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnNode(script: string, args: readonly string[]): ChildHandle {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let leakReported = false;
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    // A listener leak in the child is one in the test: re-emitted here, it fails the test
    // (scripts/vitest-setup.ts) instead of sitting unread in the child's output.
    const at = leakReported ? -1 : out.indexOf("MaxListenersExceededWarning");
    if (at >= 0) {
      leakReported = true;
      const end = out.indexOf("\n", at);
      const line = out.slice(at, end < 0 ? undefined : end);
      process.emitWarning(`${basename(script)} (pid ${proc.pid}): ${line}`, "MaxListenersExceededWarning");
    }
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    proc,
    output: () => out,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** The names grove-sim's in-process scheduler answers to, so the same workloads run in both modes. */
export const SCHEDULER_NAMES = ["grove-scheduler", "default-scheduler", "kai-scheduler"];

/** `grove-operator --kubeconfig <path>` answering to SCHEDULER_NAMES, with any extra flags (e.g. --qps). */
export function startOperator(kubeconfig: string, extra: readonly string[] = []): ChildHandle {
  return spawnNode(operatorBin, [
    "--kubeconfig",
    kubeconfig,
    ...SCHEDULER_NAMES.flatMap((n) => ["--scheduler-name", n]),
    "--log-level",
    "warn",
    // grove-sim serves Grove's webhooks on the real control plane; our API server admits in process.
    "--no-webhooks",
    // Probes and metrics on free ports: parallel runs must not clash on 2751/2752.
    "--health-port",
    "0",
    "--metrics-port",
    "0",
    ...extra,
  ]);
}

/** `grove-sim up ...`; resolves once it printed its ready line. */
export async function startSimCli(args: readonly string[], timeoutMs = 60_000): Promise<ChildHandle> {
  const child = spawnNode(simBin, ["up", ...args]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`grove-sim did not start:\n${child.output()}`)),
      timeoutMs,
    );
    const onData = () => {
      if (child.output().includes("grove-sim: ready")) {
        clearTimeout(timer);
        child.proc.stdout?.off("data", onData);
        resolve();
      }
    };
    child.proc.stdout?.on("data", onData);
    child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`grove-sim exited (${code}) before it was ready:\n${child.output()}`));
    });
  });
  return child;
}
