// The bench report (src/report): on the committed results files and on minimal fixtures, each
// section has its chart(s) with the right series and point counts, axis titles with units, a
// legend, the run's machine and command; a missing or unreadable file is said so. Structure, not
// pixels: the charts mark their series with data-series / data-points.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type Loaded, load, renderReport, SECTIONS, writeReport } from "../src/report/index.js";
import { upstreamMarks } from "../src/report/scale.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

const unescapeHtml = (s: string) =>
  s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

interface Chart {
  id: string;
  series: { name: string; points: number }[];
  legend: string[];
  axisTitles: string[];
}

function sections(html: string): Map<string, { state: string; html: string }> {
  const out = new Map<string, { state: string; html: string }>();
  for (const chunk of html.split('<section class="bench"').slice(1)) {
    const m = /data-section="([^"]+)" data-state="([^"]+)"/.exec(chunk);
    if (m?.[1] && m[2]) out.set(m[1], { state: m[2], html: chunk });
  }
  return out;
}

function charts(html: string): Chart[] {
  return [...html.matchAll(/<figure class="chart" data-chart="([^"]+)">([\s\S]*?)<\/figure>/g)].map((m) => ({
    id: unescapeHtml(m[1] ?? ""),
    series: [
      ...(m[2] ?? "").matchAll(/<g class="series(?: lane)?" data-series="([^"]*)" data-points="(\d+)">/g),
    ].map((s) => ({ name: unescapeHtml(s[1] ?? ""), points: Number(s[2]) })),
    legend: [...(m[2] ?? "").matchAll(/<li><span class="swatch[^"]*"[^>]*><\/span>([^<]*)<\/li>/g)].map((l) =>
      unescapeHtml(l[1] ?? ""),
    ),
    axisTitles: [...(m[2] ?? "").matchAll(/<text class="axis-title"[^>]*>([^<]*)<\/text>/g)].map((t) =>
      unescapeHtml(t[1] ?? ""),
    ),
  }));
}

function section(html: string, id: string) {
  const s = sections(html).get(id);
  if (!s) throw new Error(`no section ${id}`);
  return { ...s, charts: charts(s.html) };
}

const committed = (): Record<string, Loaded> =>
  Object.fromEntries(SECTIONS.map((s) => [s.id, load(join(RESULTS, s.file))]));

function json<T>(file: string): T {
  return JSON.parse(readFileSync(join(RESULTS, file), "utf8")) as T;
}

describe("report on the committed results", () => {
  const html = renderReport(committed());

  it("has every section, read", () => {
    expect([...sections(html).keys()]).toEqual(SECTIONS.map((s) => s.id));
    for (const s of sections(html).values()) expect(s.state).toBe("ok");
  });

  it("speed: one chart, a series per engine and mode with a point per case", () => {
    const f = json<{ cases: unknown[]; results: { engine: string; mode: string }[]; command: string }>(
      "placement.json",
    );
    const s = section(html, "speed");
    expect(s.charts).toHaveLength(1);
    const c = s.charts[0] as Chart;
    const names = [...new Set(f.results.map((r) => `${r.engine} ${r.mode}`))];
    expect(c.series.map((x) => x.name)).toEqual(names);
    for (const x of c.series) expect(x.points).toBe(f.cases.length);
    expect(c.legend).toEqual(names);
    expect(c.axisTitles.some((t) => t.includes("pods placed per second"))).toBe(true);
    expect(s.html).toContain(f.command);
  });

  it("sizes: one chart, a series per engine and mode with a point per cluster size", () => {
    const f = json<{ sizes: unknown[]; results: { engine: string; mode: string }[] }>("placement-sizes.json");
    const c = section(html, "sizes").charts;
    expect(c).toHaveLength(1);
    expect(c[0]?.series.map((x) => x.name)).toEqual([
      ...new Set(f.results.map((r) => `${r.engine} ${r.mode}`)),
    ]);
    for (const x of c[0]?.series ?? []) expect(x.points).toBe(f.sizes.length);
    expect(c[0]?.axisTitles).toEqual(["pods placed per second", "cluster size (nodes, log scale)"]);
  });

  it("quality: a point per problem for each engine against each optimum", () => {
    const f = json<{ perInstance: { engines: Record<string, { pods: number }> }[] }>(
      "placement-quality.json",
    );
    const engines = Object.keys(f.perInstance[0]?.engines ?? {});
    const same = f.perInstance.every((p) =>
      engines.every((e) => p.engines[e]?.pods === p.engines[engines[0] ?? ""]?.pods),
    );
    const names = same ? [engines.join(" = ")] : engines;
    const c = section(html, "quality").charts;
    expect(c).toHaveLength(1);
    expect(c[0]?.series.map((x) => x.name)).toEqual(
      names.flatMap((e) => [`${e} / unconstrained optimum`, `${e} / precedence optimum`]),
    );
    for (const x of c[0]?.series ?? []) expect(x.points).toBe(f.perInstance.length);
  });

  it("preemption: a series per engine", () => {
    const f = json<{ results: { engine: string }[]; machine: { cpuModel: string } }>("preemption.json");
    const s = section(html, "preemption");
    expect(s.charts).toHaveLength(1);
    expect(s.charts[0]?.series.map((x) => x.name)).toEqual(f.results.map((r) => r.engine));
    for (const x of s.charts[0]?.series ?? []) expect(x.points).toBeGreaterThanOrEqual(3);
    expect(s.charts[0]?.axisTitles).toContain("ms per decision (log scale)");
    expect(s.html).toContain(f.machine.cpuModel);
  });

  it("scale: one chart per test, a milestone lane per run and upstream's where it has numbers", () => {
    const f = json<{
      upstream: Record<string, Record<string, number | string>>;
      results: {
        testName: string;
        mode: string;
        controlPlane?: string;
        phases: { milestones: unknown[] }[];
      }[];
    }>("scale.json");
    const tests = [...new Set(f.results.map((r) => r.testName))];
    const c = section(html, "scale").charts;
    expect(c.map((x) => x.id)).toEqual(tests.map((t) => `scale-${t}`));
    for (const t of tests) {
      const chart = c.find((x) => x.id === `scale-${t}`) as Chart;
      const runs = f.results.filter((r) => r.testName === t);
      const lanes = chart.series.filter((x) => x.name.endsWith(" milestones"));
      const up = upstreamMarks(f.upstream[t]);
      expect(lanes.map((l) => l.name)).toEqual([
        ...(up.length ? ["upstream milestones"] : []),
        ...runs.map((r) => `${r.mode}${r.controlPlane === "kube" ? " (kube)" : ""} milestones`),
      ]);
      runs.forEach((r, i) => {
        expect(lanes[i + (up.length ? 1 : 0)]?.points).toBe(r.phases.flatMap((p) => p.milestones).length);
      });
      expect(chart.axisTitles).toContain("seconds from the test's start");
    }
  });

  it("the committed report.html is there (a stale one, from results re-recorded without it, is warned about)", () => {
    // A results file re-recorded without its report leaves this stale; `npm run bench:report` fixes it.
    const stale = readFileSync(join(RESULTS, "report.html"), "utf8") !== html;
    if (stale)
      console.warn("bench/results/report.html is stale: run npm run bench:report -w @grove-ts/bench");
    expect(readFileSync(join(RESULTS, "report.html"), "utf8")).toContain("grove-ts bench report");
  });
});

const machine = {
  os: "linux 6",
  cpuModel: "Test CPU 9000",
  cores: 2,
  memoryGiB: 4,
  node: "v20.20.2",
  loadAverage: [1, 2, 3],
};

const FIXTURES: Record<string, unknown> = {
  speed: {
    date: "2026-01-01T00:00:00.000Z",
    machine,
    command: "npm run bench:speed -w @grove-ts/bench",
    cases: [{ id: "a-1" }, { id: "a-2" }],
    results: [
      { case: "a-1", mode: "solve", engine: "wasm", nodes: 10, podsAsked: 4, podsPerSecond: 2000, meanMs: 2 },
      { case: "a-1", mode: "solve", engine: "js", nodes: 10, podsAsked: 4, podsPerSecond: 1000, meanMs: 4 },
      { case: "a-2", mode: "solve", engine: "wasm", nodes: 10, podsAsked: 8, podsPerSecond: 4000, meanMs: 2 },
    ],
  },
  sizes: {
    machine,
    command: "npm run bench:sizes -w @grove-ts/bench",
    sizes: [
      { id: "n-10", nodes: 10, gangs: 2 },
      { id: "n-20", nodes: 20, gangs: 3 },
    ],
    results: [
      { case: "n-10", mode: "snapshot", engine: "wasm", podsPerSecond: 10 },
      { case: "n-20", mode: "snapshot", engine: "wasm", podsPerSecond: 20 },
      { case: "n-10", mode: "snapshot", engine: "js", podsPerSecond: 5 },
    ],
  },
  quality: {
    machine,
    command: "npm run bench:quality -w @grove-ts/bench",
    perInstance: [
      { set: "small", seed: 1, engines: { wasm: { pods: 4, podRatio: 1, podRatioVsPrecedence: 1 } } },
      { set: "small", seed: 2, engines: { wasm: { pods: 3, podRatio: 0.75, podRatioVsPrecedence: 1 } } },
      { set: "random", seed: 1, engines: { wasm: { pods: 3, podRatio: 0.5, podRatioVsPrecedence: 0.75 } } },
    ],
  },
  preemption: {
    machine,
    command: "npm run bench:preemption -w @grove-ts/bench",
    results: [{ engine: "wasm", meanMsPerDecision: 1.5, p50Ms: 1, p99Ms: 9 }],
  },
  scale: {
    machine: { cpus: 2, cpuModel: "Test CPU 9000" },
    upstream: {
      ScaleUp: { "deploy/initial-pods-ready": 30.8, "scale-up/all-pods-ready": 41.3, total: 80.7 },
    },
    results: [
      {
        testName: "ScaleUp",
        mode: "in-process",
        command: "npm run bench:scale -- --test ScaleUp",
        phases: [
          {
            name: "deploy",
            durationFromTestStartSeconds: 0,
            milestones: [{ name: "initial-pods-ready", durationFromPhaseStartSeconds: 1 }],
          },
          {
            name: "scale-up",
            durationFromTestStartSeconds: 1,
            milestones: [{ name: "all-pods-ready", durationFromPhaseStartSeconds: 1 }],
          },
        ],
        timeline: {
          intervalSeconds: 0.5,
          seconds: [0, 0.5, 1, 1.5, 2],
          pods: [0, 4, 4, 8, 8],
          ready: [0, 0, 4, 4, 8],
        },
      },
      { testName: "ScaleUp", mode: "external", controlPlane: "kube", phases: [] },
    ],
  },
};

const loadedFixtures = (): Record<string, Loaded> =>
  Object.fromEntries(Object.entries(FIXTURES).map(([id, data]) => [id, { path: `${id}.json`, data }]));

describe("report on minimal fixtures", () => {
  const html = renderReport(loadedFixtures());

  it("draws what the files hold, a missing value as no point", () => {
    expect(section(html, "speed").charts[0]?.series).toEqual([
      { name: "wasm solve", points: 2 },
      { name: "js solve", points: 1 },
    ]);
    expect(section(html, "sizes").charts[0]?.series).toEqual([
      { name: "wasm snapshot", points: 2 },
      { name: "js snapshot", points: 1 },
    ]);
    expect(section(html, "quality").charts[0]?.series).toEqual([
      { name: "wasm / unconstrained optimum", points: 3 },
      { name: "wasm / precedence optimum", points: 3 },
    ]);
    expect(section(html, "preemption").charts[0]?.series).toEqual([{ name: "wasm", points: 3 }]);
    expect(section(html, "scale").charts.map((c) => [c.id, c.series])).toEqual([
      [
        "scale-ScaleUp",
        [
          { name: "in-process pods", points: 5 },
          { name: "in-process ready", points: 5 },
          { name: "upstream milestones", points: 2 },
          { name: "in-process milestones", points: 2 },
          { name: "external (kube) milestones", points: 0 },
        ],
      ],
    ]);
  });

  it("quality: engines that agree on every problem are one series, engines that differ one each", () => {
    const q = (jsPods: number) => ({
      perInstance: [1, 2].map((seed) => ({
        set: "small",
        seed,
        engines: {
          wasm: { pods: 4, podRatio: 1, podRatioVsPrecedence: 1 },
          js: { pods: seed === 2 ? jsPods : 4, podRatio: 1, podRatioVsPrecedence: 1 },
        },
      })),
    });
    const names = (jsPods: number) =>
      section(
        renderReport({ quality: { path: "q.json", data: q(jsPods) } }),
        "quality",
      ).charts[0]?.series.map((x) => x.name);
    expect(names(4)).toEqual(["wasm = js / unconstrained optimum", "wasm = js / precedence optimum"]);
    expect(names(3)).toEqual([
      "wasm / unconstrained optimum",
      "wasm / precedence optimum",
      "js / unconstrained optimum",
      "js / precedence optimum",
    ]);
  });

  it("names axes with units, the legend, and each run's machine and command", () => {
    for (const id of ["speed", "sizes", "quality", "preemption", "scale"]) {
      const s = section(html, id);
      for (const c of s.charts) {
        expect(c.axisTitles.length).toBeGreaterThanOrEqual(2);
        expect(c.legend).toEqual(c.series.map((x) => x.name));
      }
      expect(s.html).toContain("Test CPU 9000");
      expect(s.html).toMatch(/npm run bench/);
    }
    expect(section(html, "scale").charts[0]?.axisTitles).toEqual([
      "pods of the PodCliqueSet",
      "seconds from the test's start",
    ]);
  });

  it("places upstream's phases back to back", () => {
    expect(
      upstreamMarks({
        "deploy/a": 18.1,
        "deploy/b": 30.8,
        "scale-up/c": 16.8,
        "scale-up/d": 41.3,
        total: 80.7,
      }).map((m) => m.x),
    ).toEqual([18.1, 30.8, 30.8 + 16.8, 30.8 + 41.3]);
    expect(upstreamMarks({ "scale-up": "1.7–3.7", total: 966 })).toEqual([]);
  });
});

describe("missing and unreadable results", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says which file is missing and how to produce it, and draws the rest", () => {
    writeFileSync(join(dir, "preemption.json"), JSON.stringify(FIXTURES.preemption));
    writeFileSync(join(dir, "placement.json"), "{ not json");
    const out = writeReport({ resultsDir: dir });
    expect(out).toBe(join(dir, "report.html"));
    const html = readFileSync(out, "utf8");
    const s = sections(html);
    expect([...s.entries()].map(([id, v]) => [id, v.state])).toEqual([
      ["speed", "error"],
      ["sizes", "missing"],
      ["quality", "missing"],
      ["preemption", "ok"],
      ["scheduler", "missing"],
      ["scale", "missing"],
    ]);
    expect(section(html, "speed").html).toContain("placement.json could not be read");
    expect(section(html, "quality").html).toContain("results/placement-quality.json</code> is missing");
    expect(section(html, "quality").html).toContain("npm run bench:quality -w @grove-ts/bench");
    expect(section(html, "scale").html).toContain("npm run bench:scale");
    for (const id of ["speed", "sizes", "quality", "scale"]) expect(section(html, id).charts).toHaveLength(0);
    expect(section(html, "preemption").charts).toHaveLength(1);
  });

  it("is self-contained: no script, nothing fetched", () => {
    const html = renderReport(loadedFixtures());
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);
  });
});
