// The scheduler throughput section (results/scheduler.json, src/scheduler-throughput.ts): per
// cluster size, the cost of a cycle with one arriving gang and the gangs scheduled per second of
// the 1,000 pending at start, per engine, and per build when the run had a baseline beside it.
import { type RunFields, runInfo } from "./solver.js";
import { barChart, esc } from "./svg.js";

interface Run {
  nodes: number;
  engine: string;
  impl: string;
  cycles: { ms: number }[];
  scheduledGangs: number;
  boundPods: number;
  settleMs: number;
  gangsPerSecond: number;
  arrivals: { cycleMs: number[]; boundMs: number[] };
  failures: string[];
}

export interface SchedulerFile extends RunFields {
  runs?: Run[];
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

const label = (r: Run): string => (r.impl === "workspace" ? r.engine : `${r.engine}, baseline`);

export function schedulerSection(f: SchedulerFile): string {
  const runs = f.runs ?? [];
  const sizes = [...new Set(runs.map((r) => r.nodes))].sort((a, b) => a - b);
  const names = [...new Set(runs.map(label))];
  const pick = (n: number, name: string) => runs.find((r) => r.nodes === n && label(r) === name);
  const chart = (id: string, title: string, yLabel: string, value: (r: Run) => number | undefined) =>
    barChart({
      id,
      title,
      xLabel: "nodes (8 GPUs each, ~65% of them bound)",
      yLabel,
      categories: sizes.map((n) => n.toLocaleString("en-US")),
      series: names.map((name) => ({
        name,
        values: sizes.map((n) => {
          const r = pick(n, name);
          return r ? value(r) : undefined;
        }),
      })),
      logY: true,
    });
  const rows = runs.map((r) => {
    const first = r.cycles[0]?.ms;
    return [
      r.nodes.toLocaleString("en-US"),
      label(r),
      first === undefined ? "—" : first.toFixed(0),
      `${r.scheduledGangs} / ${r.boundPods}`,
      (r.settleMs / 1000).toFixed(1),
      r.gangsPerSecond.toFixed(1),
      median(r.arrivals.cycleMs)?.toFixed(1) ?? "—",
      median(r.arrivals.boundMs)?.toFixed(1) ?? "—",
      r.failures.length === 0 ? "checked" : `${r.failures.length} failures`,
    ];
  });
  const head = [
    "nodes",
    "engine",
    "first cycle ms",
    "gangs / pods bound",
    "settle s",
    "gangs/s",
    "arrival cycle ms (median)",
    "arrival to bound ms (median)",
    "invariants",
  ];
  const table = `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</table>`;
  return `${runInfo(f)}${chart(
    "scheduler-arrival",
    "One arriving gang: scheduling cycle time against cluster size",
    "ms per cycle, median (log scale)",
    (r) => median(r.arrivals.cycleMs),
  )}${chart(
    "scheduler-throughput",
    "1,000 pending gangs: gangs scheduled per second until the last binding",
    "gangs per second (log scale)",
    (r) => r.gangsPerSecond,
  )}${table}`;
}
