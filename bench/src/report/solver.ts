// The solver's sections of the report: speed (results/placement.json), quality per problem
// (results/placement-quality.json) and preemption decisions (results/preemption.json). Fields
// are read loosely: an older or newer results file draws what it has.
import { barChart, esc, xyChart } from "./svg.js";

export interface RunFields {
  date?: string;
  command?: string;
  quick?: boolean;
  machine?: {
    os?: string;
    cpuModel?: string;
    cores?: number;
    cpus?: number;
    memoryGiB?: number;
    node?: string;
    loadAverage?: number[];
    loadAverageAtStart?: number[];
  };
  failures?: unknown[];
  targets?: { target: string; measured: number | string; met: boolean }[];
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** The machine and command a results file records, as one block under its section's title. */
export function runInfo(r: RunFields): string {
  const m = r.machine ?? {};
  const load = m.loadAverage ?? m.loadAverageAtStart;
  const machine = [
    m.cpuModel,
    (m.cores ?? m.cpus) ? `${m.cores ?? m.cpus} cores` : undefined,
    m.memoryGiB ? `${m.memoryGiB} GiB` : undefined,
    m.os,
    m.node ? `Node ${m.node}` : undefined,
    load ? `load average ${load.join(" / ")}` : undefined,
  ].filter((x) => x !== undefined);
  return `<dl class="run"><dt>run</dt><dd>${esc(r.date ?? "date not recorded")}${r.quick ? " (BENCH_QUICK: short run)" : ""}</dd><dt>machine</dt><dd>${esc(machine.join(", ") || "not recorded")}</dd><dt>command</dt><dd><code>${esc(r.command ?? "not recorded")}</code></dd></dl>`;
}

export function targetsList(r: RunFields): string {
  const t = r.targets ?? [];
  const f = r.failures ?? [];
  const items = t.map(
    (x) =>
      `<li class="${x.met ? "met" : "unmet"}">${x.met ? "met" : "not met"}: ${esc(x.target)} (measured ${esc(typeof x.measured === "number" ? x.measured.toLocaleString("en-US") : x.measured)})</li>`,
  );
  const failures = f.length
    ? `<p class="unmet">${f.length} verification failure(s) recorded in the file.</p>`
    : "";
  return (items.length ? `<ul class="targets">${items.join("")}</ul>` : "") + failures;
}

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

interface SpeedFile extends RunFields {
  cases?: { id: string; description?: string; wasmOverJs?: Record<string, number>; identical?: boolean }[];
  results?: {
    case: string;
    mode: string;
    engine: string;
    nodes?: number;
    podsAsked?: number;
    podsPlaced?: number;
    meanMs?: number;
    p99Ms?: number;
    podsPerSecond?: number;
  }[];
}

export function speedSection(f: SpeedFile): string {
  const results = f.results ?? [];
  const cases = f.cases?.map((c) => c.id) ?? [...new Set(results.map((r) => r.case))];
  const keys = [...new Set(results.map((r) => `${r.engine} ${r.mode}`))];
  const find = (c: string, k: string) => results.find((r) => r.case === c && `${r.engine} ${r.mode}` === k);
  const labels = cases.map((c) => {
    const r = results.find((x) => x.case === c);
    return r?.podsAsked !== undefined ? `${c} (${int(r.podsAsked)} pods)` : c;
  });
  const nodes = [...new Set(results.map((r) => r.nodes).filter((n) => n !== undefined))];
  const chart = barChart({
    id: "speed",
    title: "Solver throughput per case, wasm against js",
    xLabel: `case (pods asked) on ${nodes.map((n) => int(n)).join(" / ") || "?"} nodes`,
    yLabel: "pods placed per second (log scale)",
    categories: labels,
    series: keys.map((k) => ({ name: k, values: cases.map((c) => find(c, k)?.podsPerSecond) })),
    logY: true,
  });
  const rows = cases.map((c) => {
    const meta = f.cases?.find((x) => x.id === c);
    return [
      c,
      ...keys.map((k) => {
        const r = find(c, k);
        return r?.meanMs !== undefined ? `${r.meanMs.toFixed(2)} ms` : "—";
      }),
      ...["solve", "snapshot"].map((m) =>
        meta?.wasmOverJs?.[m] !== undefined ? `${meta.wasmOverJs[m]}×` : "—",
      ),
      meta?.identical === undefined ? "—" : meta.identical ? "yes" : "NO",
    ];
  });
  const sizeNote =
    nodes.length === 1
      ? `<p class="note">Every case runs on the same ${int(nodes[0] ?? 0)}-node cluster: this chart varies the gangs (problem size, x axis), not the cluster; the next section varies the cluster. <em>solve</em> is one whole <code>solve()</code> call (encoding the cluster included); <em>snapshot</em> is one <code>place()</code> on a cluster encoded once, as the scheduler calls it.</p>`
      : "";
  return `${runInfo(f)}${chart}${sizeNote}${table(
    [
      "case",
      ...keys.map((k) => `${k} mean latency`),
      "wasm/js solve",
      "wasm/js snapshot",
      "engines identical",
    ],
    rows,
  )}${targetsList(f)}`;
}

interface SizesFile extends SpeedFile {
  shape?: string;
  sizes?: {
    id: string;
    nodes: number;
    gangs: number;
    identical?: boolean;
    wasmOverJs?: Record<string, number>;
  }[];
}

/** Throughput against cluster size (results/placement-sizes.json): a line per engine and mode. */
export function sizesSection(f: SizesFile): string {
  const results = f.results ?? [];
  const sizes = f.sizes ?? [];
  const keys = [...new Set(results.map((r) => `${r.engine} ${r.mode}`))];
  const chart = xyChart({
    id: "sizes",
    title: "Solver throughput against cluster size, wasm against js",
    xLabel: "cluster size (nodes, log scale)",
    logX: true,
    yLabel: "pods placed per second",
    xTicks: sizes.map((s) => ({ x: s.nodes, label: int(s.nodes) })),
    series: keys.map((k) => {
      const pts = sizes
        .map((s) => [
          s.nodes,
          results.find((r) => r.case === s.id && `${r.engine} ${r.mode}` === k)?.podsPerSecond,
        ])
        .filter((p): p is [number, number] => p[1] !== undefined);
      return {
        name: k,
        points: pts,
        labels: pts.map(([n, v]) => `${k}, ${int(n)} nodes: ${int(v)} pods/s`),
        dashed: k.startsWith("js"),
      };
    }),
  });
  const rows = sizes.map((s) => [
    int(s.nodes),
    int(s.gangs),
    ...keys.map((k) => {
      const r = results.find((x) => x.case === s.id && `${x.engine} ${x.mode}` === k);
      return r?.meanMs !== undefined ? `${r.meanMs.toFixed(2)} ms` : "—";
    }),
    ...["solve", "snapshot"].map((m) => (s.wasmOverJs?.[m] !== undefined ? `${s.wasmOverJs[m]}×` : "—")),
    s.identical === undefined ? "—" : s.identical ? "yes" : "NO",
  ]);
  const note = f.shape ? `<p class="note">Shape: ${esc(f.shape)}; the gangs grow with the cluster.</p>` : "";
  return `${runInfo(f)}${chart}${note}${table(
    [
      "nodes",
      "gangs",
      ...keys.map((k) => `${k} mean latency`),
      "wasm/js solve",
      "wasm/js snapshot",
      "engines identical",
    ],
    rows,
  )}${targetsList(f)}`;
}

interface EngineTotals {
  pods?: number;
  gangs?: number;
  podRatio?: number;
  podRatioVsPrecedence?: number;
  minInstancePodRatioVsPrecedence?: number;
  instancesAtPrecedencePods?: number;
}

interface QualityFile extends RunFields {
  instances?: number;
  optimum?: { pods?: number; gangs?: number };
  precedenceOptimum?: { pods?: number; gangs?: number };
  engines?: Record<string, EngineTotals>;
  perInstance?: {
    set: string;
    seed: number;
    podsAsked?: number;
    optimum?: { pods?: number };
    precedence?: { pods?: number };
    engines?: Record<string, { pods?: number; podRatio?: number; podRatioVsPrecedence?: number }>;
  }[];
}

export function qualitySection(f: QualityFile): string {
  // Grouped by generator, then by seed, so each set reads as one stretch of the x axis.
  const sets0 = [...new Set((f.perInstance ?? []).map((p) => p.set))];
  const per = [...(f.perInstance ?? [])].sort(
    (a, b) => sets0.indexOf(a.set) - sets0.indexOf(b.set) || a.seed - b.seed,
  );
  const all = [...new Set(per.flatMap((p) => Object.keys(p.engines ?? {})))];
  // Engines that placed the same pods on every problem are one series ("wasm = js"): drawn apart,
  // the last would hide the others.
  const same =
    all.length > 1 &&
    per.every((p) => all.every((e) => p.engines?.[e]?.pods === p.engines?.[all[0] ?? ""]?.pods));
  const engines = same ? [all[0] ?? ""] : all;
  const label = (e: string) => (same ? all.join(" = ") : e);
  const series = engines.flatMap((e) => [
    { e, key: "podRatio" as const, name: `${label(e)} / unconstrained optimum` },
    { e, key: "podRatioVsPrecedence" as const, name: `${label(e)} / precedence optimum` },
  ]);
  const sets: { x: number; label: string }[] = [];
  per.forEach((p, i) => {
    if (i === 0 || per[i - 1]?.set !== p.set) sets.push({ x: i + 1, label: `${p.set} ${p.seed}` });
    else if (p.seed % 10 === 0 && per[i + 1]?.set === p.set) sets.push({ x: i + 1, label: String(p.seed) });
  });
  const chart = xyChart({
    id: "quality",
    title: "Pods placed per problem against the optima",
    xLabel: "problem (generator, then seed)",
    yLabel: "pods placed / optimum's pods (1 = optimal)",
    xTicks: sets,
    series: series.map((s) => {
      const pts: [number, number][] = [];
      const labels: string[] = [];
      per.forEach((p, i) => {
        const v = p.engines?.[s.e]?.[s.key];
        if (v === undefined) return;
        pts.push([i + 1, v]);
        labels.push(
          `${s.name}, ${p.set} seed ${p.seed}: ${v.toFixed(3)} (${p.engines?.[s.e]?.pods ?? "?"} pods)`,
        );
      });
      return { name: s.name, points: pts, labels, style: "markers" as const };
    }),
  });
  const rows = Object.entries(f.engines ?? {}).map(([e, t]) => [
    e,
    t.pods !== undefined ? int(t.pods) : "—",
    t.gangs ?? "—",
    t.podRatioVsPrecedence?.toFixed(3) ?? "—",
    t.podRatio?.toFixed(3) ?? "—",
    t.minInstancePodRatioVsPrecedence?.toFixed(3) ?? "—",
    t.instancesAtPrecedencePods ?? "—",
  ]);
  const opt = `<p class="note">${f.instances ?? per.length} problems. The precedence optimum (the contract's gang order kept; the fair comparison) places ${f.precedenceOptimum?.pods !== undefined ? int(f.precedenceOptimum.pods) : "?"} pods, the unconstrained optimum ${f.optimum?.pods !== undefined ? int(f.optimum.pods) : "?"}. A ratio above 1 against the precedence optimum is possible (bench/README.md, "Quality").</p>`;
  return `${runInfo(f)}${chart}${opt}${table(
    [
      "engine",
      "pods",
      "gangs",
      "pods / precedence",
      "pods / unconstrained",
      "worst problem / precedence",
      "problems at precedence pods",
    ],
    rows,
  )}${targetsList(f)}`;
}

interface PreemptionFile extends RunFields {
  shape?: Record<string, number | string>;
  identical?: boolean;
  wasmOverJs?: number;
  results?: ({ engine: string } & Record<string, number | string>)[];
}

const STATS = [
  { key: "meanMsPerDecision", label: "mean" },
  { key: "p50Ms", label: "p50" },
  { key: "p99Ms", label: "p99" },
  { key: "cpuMsPerDecision", label: "CPU mean" },
];

export function preemptionSection(f: PreemptionFile): string {
  const results = f.results ?? [];
  const stats = STATS.filter((s) => results.some((r) => typeof r[s.key] === "number"));
  const chart = barChart({
    id: "preemption",
    title: "Preemption: time per decision, wasm against js",
    xLabel: "statistic over the decisions",
    yLabel: "ms per decision (log scale)",
    categories: stats.map((s) => s.label),
    series: results.map((r) => ({
      name: r.engine,
      values: stats.map((s) => (typeof r[s.key] === "number" ? (r[s.key] as number) : undefined)),
    })),
    logY: true,
  });
  const cols = [
    "decisions",
    "placed",
    "victims",
    "podsEvicted",
    "racksPerGang",
    "decisionsPerSecond",
    "decisionsPerSecondAtP50",
  ];
  const shown = cols.filter((c) => results.some((r) => r[c] !== undefined));
  const shape = f.shape
    ? `<p class="note">Shape: ${esc(
        Object.entries(f.shape)
          .map(([k, v]) => `${k} ${typeof v === "number" ? int(v) : v}`)
          .join(", "),
      )}. Same victims and nominations on both engines: ${f.identical === undefined ? "not recorded" : f.identical ? "yes" : "NO"}${f.wasmOverJs !== undefined ? `; js mean / wasm mean ${f.wasmOverJs}` : ""}.</p>`
    : "";
  return `${runInfo(f)}${chart}${shape}${table(
    ["engine", ...shown],
    results.map((r) => [r.engine, ...shown.map((c) => (r[c] === undefined ? "—" : String(r[c])))]),
  )}${targetsList(f)}`;
}
