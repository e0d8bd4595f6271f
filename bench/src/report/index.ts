// The bench report: reads the results files (bench/results/*.json) and writes one self-contained
// HTML page with a chart per section (inline SVG and CSS, no script, nothing fetched). It draws
// only what the files hold, so the page is the same for the same files: no generation time in it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type ScaleFile, scaleSection } from "./scale.js";
import { type SchedulerFile, schedulerSection } from "./scheduler.js";
import { preemptionSection, qualitySection, sizesSection, speedSection } from "./solver.js";
import { esc } from "./svg.js";

export interface SectionDef {
  id: string;
  title: string;
  file: string;
  /** The command that writes the file, named when it is missing. */
  produce: string;
  render(data: unknown): string;
}

export const SECTIONS: SectionDef[] = [
  {
    id: "speed",
    title: "Solver speed",
    file: "placement.json",
    produce: "npm run bench:speed -w @grove-ts/bench",
    render: (d) => speedSection(d as Parameters<typeof speedSection>[0]),
  },
  {
    id: "sizes",
    title: "Solver speed against cluster size",
    file: "placement-sizes.json",
    produce: "npm run bench:sizes -w @grove-ts/bench",
    render: (d) => sizesSection(d as Parameters<typeof sizesSection>[0]),
  },
  {
    id: "quality",
    title: "Placement quality per problem",
    file: "placement-quality.json",
    produce: "npm run bench:quality -w @grove-ts/bench",
    render: (d) => qualitySection(d as Parameters<typeof qualitySection>[0]),
  },
  {
    id: "preemption",
    title: "Preemption decisions",
    file: "preemption.json",
    produce: "npm run bench:preemption -w @grove-ts/bench",
    render: (d) => preemptionSection(d as Parameters<typeof preemptionSection>[0]),
  },
  {
    id: "scheduler",
    title: "Scheduler throughput on a busy cluster",
    file: "scheduler.json",
    produce: "npm run bench:scheduler -w @grove-ts/bench",
    render: (d) => schedulerSection(d as SchedulerFile),
  },
  {
    id: "scale",
    title: "Scale tests: pods over time",
    file: "scale.json",
    produce: "npm run bench:scale",
    render: (d) => scaleSection(d as ScaleFile),
  },
];

/** A section's input: the parsed file, or why there is none. */
export type Loaded =
  | { path: string; data: unknown }
  | { path: string; missing: true }
  | { path: string; error: string };

export function load(path: string): Loaded {
  if (!existsSync(path)) return { path, missing: true };
  try {
    return { path, data: JSON.parse(readFileSync(path, "utf8")) as unknown };
  } catch (err) {
    return { path, error: err instanceof Error ? err.message : String(err) };
  }
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:36px}h3{font-size:15px}
figure.chart{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;background:#fff}
.grid{stroke:#eee}.axis-line{stroke:#444}.tick{font-size:11px;fill:#444}.axis-title{font-size:12px;fill:#222}
ul.legend{list-style:none;padding:0;margin:4px 0 0 78px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px}
.swatch{display:inline-block;width:14px;height:0;border-top:3px solid;margin-right:6px;vertical-align:middle}.swatch.dashed{border-top-style:dashed}
table{border-collapse:collapse;margin:8px 0;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:12px;color:#444}dl.run dt{font-weight:600}dl.run dd{margin:0}
.note{font-size:12px;color:#555}.missing{background:#fff6e0;border:1px solid #e8c46a;padding:8px}.unmet{color:#b00}.met{color:#070}`;

function sectionHtml(def: SectionDef, input: Loaded): string {
  let body: string;
  if ("missing" in input)
    body = `<p class="missing">No results: <code>results/${esc(def.file)}</code> is missing. Run <code>${esc(def.produce)}</code> to write it.</p>`;
  else if ("error" in input)
    body = `<p class="missing">results/${esc(def.file)} could not be read: ${esc(input.error)}</p>`;
  else body = def.render(input.data);
  const state = "data" in input ? "ok" : "missing" in input ? "missing" : "error";
  return `<section class="bench" id="${def.id}" data-section="${def.id}" data-state="${state}"><h2>${esc(def.title)} <small>(results/${esc(def.file)})</small></h2>${body}</section>`;
}

/** The page for the given inputs, keyed by section id (a section without an input is missing). */
export function renderReport(inputs: Record<string, Loaded>): string {
  const sections = SECTIONS.map((s) => sectionHtml(s, inputs[s.id] ?? { path: s.file, missing: true }));
  const toc = SECTIONS.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>grove-ts bench report</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body><h1>grove-ts bench report</h1>
<p>Drawn from the results files in <code>bench/results/</code> by <code>npm run bench:report -w @grove-ts/bench</code>; what each field means is in bench/README.md and bench/scale/README.md. Each section names the machine and the command of its run; hover a bar, point or milestone for its value.</p>
<ul>${toc}</ul>
${sections.join("\n")}
</body></html>
`;
}

export interface ReportOptions {
  /** Folder of placement.json, placement-quality.json, preemption.json (and scale.json). */
  resultsDir: string;
  /** Scale results elsewhere than `resultsDir/scale.json` (bench:scale --out). */
  scaleFile?: string;
  /** Default: `resultsDir/report.html`. */
  out?: string;
}

/** Reads the results files and writes the page; returns its path. */
export function writeReport(o: ReportOptions): string {
  const inputs: Record<string, Loaded> = {};
  for (const s of SECTIONS)
    inputs[s.id] = load(s.id === "scale" && o.scaleFile ? o.scaleFile : join(o.resultsDir, s.file));
  const out = o.out ?? join(o.resultsDir, "report.html");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(inputs));
  return out;
}
