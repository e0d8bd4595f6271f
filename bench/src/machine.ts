import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where and how a figure was measured: every results file carries this (STYLE.md habit 10). */
export interface RunInfo {
  date: string;
  machine: {
    os: string;
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    node: string;
    loadAverage: number[];
  };
  command: string;
}

export function runInfo(command: string): RunInfo {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    machine: {
      os: `${platform()} ${release()}`,
      cpuModel: list[0]?.model.trim() ?? "unknown",
      cores: list.length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      // The 1, 5 and 15 minute load when the file is written: on a shared machine, the noise.
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    command,
  };
}

/** The command line that produced this run, with the knobs that change it. */
export function commandLine(script: string): string {
  const env = ["BENCH_QUICK", "BENCH_TIME_MS", "BENCH_N"]
    .filter((k) => process.env[k] !== undefined && process.env[k] !== "")
    .map((k) => `${k}=${process.env[k]}`);
  return [...env, `npm run ${script} -w @grove-ts/bench`].join(" ");
}

export const QUICK = process.env.BENCH_QUICK === "1" || process.env.BENCH_QUICK === "true";

/** Writes `out` as bench/results/`name` (pretty JSON) and says where. */
export function writeResults(name: string, out: unknown): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "results", name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file}`);
  return file;
}
