// Memory peak and CPU time of the processes a scale test runs (issue 15, item 3): the API server's
// and the operator's, separately where they are separate processes. Read from Linux's /proc:
// VmHWM (the kernel's own peak of the resident set, reset at the test's start through
// /proc/<pid>/clear_refs so a test does not inherit an earlier test's peak in the same process)
// and utime + stime of /proc/<pid>/stat (CPU seconds, user + system, all threads). Sampled every
// `intervalMs` so the figures of a process that exits before the end are kept; on a system without
// /proc nothing is recorded.
import { readFileSync, writeFileSync } from "node:fs";

/** A process to watch, with what it runs (e.g. "grove-sim: API server, simulated nodes, bench"). */
export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface ProcessUsage {
  name: string;
  /** Peak resident set (VmHWM) during the test, MiB. */
  peakRssMiB: number;
  /** Resident set at the last sample, MiB. */
  lastRssMiB: number;
  /** CPU time (user + system) spent during the test, seconds. */
  cpuSeconds: number;
  /** Whether the peak was reset at the test's start (else it is the process's peak since it started). */
  peakSinceTestStart: boolean;
}

export interface UsageSampler {
  /** CPU seconds each process has used since the test's start, by name (read now). */
  cpuSoFar(): Record<string, number>;
  /** Takes a last sample and returns each process's figures (the ones /proc could be read for). */
  stop(): ProcessUsage[];
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux port we run on). */
const USER_HZ = 100;
const mib = (kib: number) => Math.round(kib / 1024);

function statusKiB(pid: number, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function cpuTicks(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak-RSS mark of `pid` ("5" to clear_refs, Linux 4.0+); false if refused. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export function startUsageSampler(procs: WatchedProcess[], intervalMs = 500): UsageSampler {
  const state = procs.map((p) => ({
    ...p,
    peakSinceTestStart: resetPeak(p.pid),
    startTicks: cpuTicks(p.pid),
    lastTicks: undefined as number | undefined,
    peakKiB: 0,
    lastKiB: 0,
  }));
  const sample = () => {
    for (const s of state) {
      const hwm = statusKiB(s.pid, "VmHWM");
      if (hwm === undefined) continue; // exited: keep its last figures
      s.peakKiB = Math.max(s.peakKiB, hwm);
      s.lastKiB = statusKiB(s.pid, "VmRSS") ?? s.lastKiB;
      s.lastTicks = cpuTicks(s.pid) ?? s.lastTicks;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const cpuOf = (s: (typeof state)[number]) =>
    Math.round((((s.lastTicks ?? 0) - (s.startTicks ?? 0)) / USER_HZ) * 100) / 100;
  return {
    cpuSoFar: () => {
      sample();
      return Object.fromEntries(
        state.filter((s) => s.startTicks !== undefined).map((s) => [s.name, cpuOf(s)]),
      );
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return state
        .filter((s) => s.startTicks !== undefined && s.lastTicks !== undefined)
        .map((s) => ({
          name: s.name,
          peakRssMiB: mib(s.peakKiB),
          lastRssMiB: mib(s.lastKiB),
          cpuSeconds: cpuOf(s),
          peakSinceTestStart: s.peakSinceTestStart,
        }));
    },
  };
}
