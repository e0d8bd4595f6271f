// The scale suite's section of the report (results/scale.json): one chart per test, pods
// existing / Ready over time for every run that sampled them (`timeline`), and under it one lane of
// milestones per run and one for upstream's recorded run, all in seconds from the test's start.
import { esc, type Lane, type XYSeries, xyChart } from "./svg.js";

interface Milestone {
  name: string;
  durationFromPhaseStartSeconds: number;
}

export interface ScaleRun {
  testName: string;
  mode: string;
  controlPlane?: string;
  date?: string;
  command?: string;
  loadAverageAtStart?: number[];
  machine?: { cpus?: number; cpuModel?: string; memoryGiB?: number; os?: string; node?: string };
  phases?: { name: string; durationFromTestStartSeconds: number; milestones: Milestone[] }[];
  testDurationSeconds?: number;
  writesPerPodCreated?: number | null;
  timeline?: { intervalSeconds: number; seconds: number[]; pods: number[]; ready: number[] };
  error?: string;
}

export interface ScaleFile {
  description?: string;
  machine?: ScaleRun["machine"] & { loadAverageAtStart?: number[] };
  upstream?: Record<string, Record<string, number | string>>;
  results?: ScaleRun[];
}

export const runLabel = (r: ScaleRun) =>
  `${r.mode}${(r.controlPlane ?? "grove") === "kube" ? " (kube)" : ""}`;

/** Our milestones, seconds from the test's start. */
function ourMarks(r: ScaleRun): { x: number; label: string }[] {
  return (r.phases ?? []).flatMap((p) =>
    p.milestones.map((m) => ({
      x: p.durationFromTestStartSeconds + m.durationFromPhaseStartSeconds,
      label: `${p.name}/${m.name}`,
    })),
  );
}

/**
 * Upstream's numeric milestones on the test's clock. Upstream recorded seconds from each phase's
 * start only, so its phases are laid back to back: a phase starts at the previous one's last
 * milestone (as our tracker's phases do), a phase it did not record taking no time.
 */
export function upstreamMarks(
  up: Record<string, number | string> | undefined,
): { x: number; label: string }[] {
  const marks: { x: number; label: string }[] = [];
  let phase = "";
  let start = 0;
  let last = 0;
  for (const [key, v] of Object.entries(up ?? {})) {
    const [p, m] = key.split("/");
    if (m === undefined || p === undefined || typeof v !== "number") continue;
    if (p !== phase) {
      start += last;
      last = 0;
      phase = p;
    }
    last = Math.max(last, v);
    marks.push({ x: start + v, label: `${key} (${v} s from phase start)` });
  }
  return marks;
}

function chartFor(test: string, runs: ScaleRun[], up: Record<string, number | string> | undefined): string {
  const series: XYSeries[] = runs.flatMap((r) => {
    const t = r.timeline;
    if (!t || t.seconds.length === 0) return [];
    const pts = (ys: number[]) => t.seconds.map((s, i) => [s, ys[i] ?? 0] as [number, number]);
    return [
      { name: `${runLabel(r)} pods`, points: pts(t.pods) },
      { name: `${runLabel(r)} ready`, points: pts(t.ready), dashed: true },
    ];
  });
  const upMarks = upstreamMarks(up);
  const lanes: Lane[] = [
    ...(upMarks.length ? [{ name: "upstream milestones", marks: upMarks, dashed: true }] : []),
    ...runs.map((r) => ({ name: `${runLabel(r)} milestones`, marks: ourMarks(r) })),
  ];
  const noSeries = series.length
    ? ""
    : `<p class="note">These runs were recorded before the scale runner sampled pods over time: milestones only. A new run of <code>npm run bench:scale -- --test ${esc(test)}</code> records the series.</p>`;
  return (
    xyChart({
      id: `scale-${test}`,
      title: `${test}: pods over time beside upstream's milestones`,
      xLabel: "seconds from the test's start",
      yLabel: "pods of the PodCliqueSet",
      series,
      lanes,
    }) + noSeries
  );
}

function milestoneTable(runs: ScaleRun[], up: Record<string, number | string> | undefined): string {
  const keys = [
    ...new Set([
      ...Object.keys(up ?? {}).filter((k) => k.includes("/")),
      ...runs.flatMap((r) => (r.phases ?? []).flatMap((p) => p.milestones.map((m) => `${p.name}/${m.name}`))),
    ]),
  ];
  // A soak has 40 phases; its table keeps the deploy and the per-cycle ranges.
  const collapsed = keys.filter((k) => !/^cycle-\d+-/.test(k));
  const cycleKinds = [
    ...new Set(keys.map((k) => /^cycle-\d+-(.*)$/.exec(k)?.[1]).filter((k) => k !== undefined)),
  ];
  const value = (r: ScaleRun, key: string) => {
    const [p, m] = key.split("/");
    return r.phases?.find((x) => x.name === p)?.milestones.find((x) => x.name === m)
      ?.durationFromPhaseStartSeconds;
  };
  const range = (r: ScaleRun, kind: string) => {
    const xs = keys
      .filter((k) => k.endsWith(`-${kind}`) && /^cycle-\d+-/.test(k))
      .map((k) => value(r, k))
      .filter((v): v is number => v !== undefined);
    return xs.length ? `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} (${xs.length})` : "—";
  };
  const rows = [
    ...collapsed.map((k) => [k, String(up?.[k] ?? "—"), ...runs.map((r) => value(r, k)?.toFixed(1) ?? "—")]),
    ...cycleKinds.map((k) => [`cycle-N-${k} (min–max)`, "—", ...runs.map((r) => range(r, k))]),
    ["total", String(up?.total ?? "—"), ...runs.map((r) => r.testDurationSeconds?.toFixed(1) ?? "—")],
    [
      "API writes / pod created",
      "—",
      ...runs.map((r) => (r.writesPerPodCreated ?? undefined)?.toFixed(2) ?? "—"),
    ],
  ];
  const head = ["phase/milestone (s from phase start)", "upstream", ...runs.map(runLabel)];
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function runsTable(runs: ScaleRun[]): string {
  const rows = runs.map((r) => {
    const m = r.machine;
    const machine = m
      ? [m.cpuModel, m.cpus ? `${m.cpus} cores` : "", m.memoryGiB ? `${m.memoryGiB} GiB` : "", m.node]
          .filter(Boolean)
          .join(", ")
      : "file's machine";
    return `<tr><td>${esc(runLabel(r))}</td><td>${esc(r.date ?? "—")}</td><td>${esc(machine)}</td><td>${esc(r.loadAverageAtStart?.join(" / ") ?? "—")}</td><td><code>${esc(r.command ?? "—")}</code></td><td>${r.error ? `<span class="unmet">${esc(r.error.split("\n")[0] ?? "")}</span>` : "passed"}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>run</th><th>finished</th><th>machine</th><th>load at start</th><th>command</th><th>outcome</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function scaleSection(f: ScaleFile): string {
  const results = f.results ?? [];
  const tests = [...new Set(results.map((r) => r.testName))];
  const m = f.machine;
  const head = `<dl class="run"><dt>machine (last run)</dt><dd>${esc(
    m
      ? [m.cpuModel, m.cpus ? `${m.cpus} cores` : "", m.memoryGiB ? `${m.memoryGiB} GiB` : "", m.os, m.node]
          .filter(Boolean)
          .join(", ")
      : "not recorded",
  )}</dd></dl><p class="note">Lines: the PodCliqueSet's pods that exist (<em>pods</em>) and those Ready (<em>ready</em>), sampled every 500 ms (<code>timeline</code> in the results file; dots are the samples, a straight stretch between dots is no sample: in-process runs share one event loop with the controllers, which can hold the sampler off during a burst). Lanes: each diamond is a milestone (hover for its name); upstream's (hollow) are placed with its phases back to back, since upstream recorded seconds from each phase's start only (and not its timers, such as ScaleTest_1000's 30 s steady window). Ranges upstream recorded as text (tiny tests, the soak) are in the tables, not the lanes.</p>`;
  const parts = tests.map((t) => {
    const runs = results.filter((r) => r.testName === t);
    const up = f.upstream?.[t];
    return `<section class="test" data-test="${esc(t)}"><h3>${esc(t)}</h3>${chartFor(t, runs, up)}${milestoneTable(runs, up)}${runsTable(runs)}</section>`;
  });
  return head + parts.join("");
}
