// The report's charts: inline SVG drawn here, no library and nothing fetched, so the HTML file
// stands alone offline. Every chart is a <figure class="chart" data-chart=ID>; every series a
// <g class="series" data-series=NAME data-points=N>, which is what the tests read (structure, not
// pixels). Axis titles carry their units; the legend is HTML under the plot.

export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

export function esc(s: string | number): string {
  return String(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Short numbers for tick labels: 1.5k, 2M, 0.25. */
export function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 100 || v === 0) return String(Math.round(v));
  return String(+v.toPrecision(3));
}

interface Scale {
  at(v: number): number;
  ticks: number[];
}

function linearScale(min: number, max: number, from: number, to: number): Scale {
  if (max <= min) max = min + 1;
  const raw = (max - min) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw) || 1;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(+t.toPrecision(12));
  return { at: (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from), ticks };
}

/** Decades as ticks; `tight` keeps the data's own ends instead of rounding them out to decades. */
function logScale(min: number, max: number, from: number, to: number, tight = false): Scale {
  const pad = tight ? 0.04 * Math.log10(Math.max(max, 1e-9) / Math.max(min, 1e-9)) || 0.5 : 0;
  const lo = tight ? Math.log10(Math.max(min, 1e-9)) - pad : Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = tight
    ? Math.log10(Math.max(max, 1e-9)) + pad
    : Math.max(Math.ceil(Math.log10(Math.max(max, 1e-9))), lo + 1);
  const ticks: number[] = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ticks.push(10 ** e);
  return { at: (v) => from + ((Math.log10(Math.max(v, 1e-12)) - lo) / (hi - lo)) * (to - from), ticks };
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 900, height: 340, left: 78, right: 20, top: 16, bottom: 64 };

function legend(names: string[], colors: string[], dashed: boolean[] = []): string {
  const items = names.map(
    (n, i) =>
      `<li><span class="swatch${dashed[i] ? " dashed" : ""}" style="border-color:${colors[i]};background:${dashed[i] ? "transparent" : colors[i]}"></span>${esc(n)}</li>`,
  );
  return `<ul class="legend">${items.join("")}</ul>`;
}

function yAxis(f: Frame, y: Scale, label: string, top = f.top, bottom = f.height - f.bottom): string {
  const parts = y.ticks.map((t) => {
    const py = y.at(t).toFixed(1);
    return `<line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${py}" y2="${py}"/><text class="tick" x="${f.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(fmtNum(t))}</text>`;
  });
  const mid = ((top + bottom) / 2).toFixed(0);
  return `<g class="axis y">${parts.join("")}<line class="axis-line" x1="${f.left}" x2="${f.left}" y1="${top}" y2="${bottom}"/><text class="axis-title" transform="translate(16 ${mid}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g>`;
}

export interface BarChart {
  id: string;
  title: string;
  /** The category axis' title. */
  xLabel: string;
  /** With its unit, e.g. "pods placed per second". */
  yLabel: string;
  categories: string[];
  series: { name: string; values: (number | undefined)[] }[];
  logY?: boolean;
}

/** Grouped bars: one group per category, one bar per series (a missing value draws no bar). */
export function barChart(c: BarChart): string {
  const f = FRAME;
  const all = c.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && v > 0));
  const bottom = f.height - f.bottom;
  const y = c.logY
    ? logScale(all.length ? Math.min(...all) : 1, all.length ? Math.max(...all) : 10, bottom, f.top)
    : linearScale(0, Math.max(...all, 1), bottom, f.top);
  const groupW = (f.width - f.left - f.right) / Math.max(c.categories.length, 1);
  const barW = (groupW * 0.8) / Math.max(c.series.length, 1);
  const base = c.logY ? bottom : y.at(0);
  const groups = c.series.map((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    let n = 0;
    const bars = s.values.map((v, ci) => {
      if (v === undefined) return "";
      n++;
      const x = f.left + ci * groupW + groupW * 0.1 + si * barW;
      const top = Math.min(y.at(v), base);
      return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${Math.max(base - top, 0.5).toFixed(1)}" fill="${color}"><title>${esc(`${s.name}, ${c.categories[ci]}: ${fmtNum(v)}`)}</title></rect>`;
    });
    return `<g class="series" data-series="${esc(s.name)}" data-points="${n}">${bars.join("")}</g>`;
  });
  const cats = c.categories.map((name, ci) => {
    const x = f.left + ci * groupW + groupW / 2;
    return `<text class="tick" x="${x.toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${esc(name)}</text>`;
  });
  const svg = `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${esc(c.title)}">${yAxis(f, y, c.yLabel)}<line class="axis-line" x1="${f.left}" x2="${f.width - f.right}" y1="${bottom}" y2="${bottom}"/>${groups.join("")}<g class="axis x">${cats.join("")}<text class="axis-title" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 12}" text-anchor="middle">${esc(c.xLabel)}</text></g></svg>`;
  return figure(
    c.id,
    c.title,
    svg,
    legend(
      c.series.map((s) => s.name),
      c.series.map((_, i) => PALETTE[i % PALETTE.length] ?? "#000"),
    ),
  );
}

export interface XYSeries {
  name: string;
  points: [number, number][];
  /** Line through the points (default) or markers only. */
  style?: "line" | "markers";
  /** Hover text per point. */
  labels?: string[];
  dashed?: boolean;
}

export interface Lane {
  name: string;
  marks: { x: number; label: string }[];
  dashed?: boolean;
}

export interface XYChart {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: XYSeries[];
  /** Rows of markers under the plot on the same x axis (e.g. milestones), one row per lane. */
  lanes?: Lane[];
  yMin?: number;
  /** A logarithmic x axis (give xTicks: the decades alone say little). */
  logX?: boolean;
  /** Tick labels for x instead of numbers (e.g. problem sets). */
  xTicks?: { x: number; label: string }[];
}

/** Lines or markers on linear axes, optionally with milestone lanes sharing the x axis. */
export function xyChart(c: XYChart): string {
  const lanes = c.lanes ?? [];
  const laneH = 22;
  const plotH = c.series.length ? 260 : 0;
  const f: Frame = {
    ...FRAME,
    height: FRAME.top + plotH + lanes.length * laneH + FRAME.bottom + (plotH ? 8 : 0),
  };
  const xs = [
    ...c.series.flatMap((s) => s.points.map((p) => p[0])),
    ...lanes.flatMap((l) => l.marks.map((m) => m.x)),
  ];
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const x = c.logX
    ? logScale(Math.min(...xs), Math.max(...xs), f.left, f.width - f.right, true)
    : linearScale(Math.min(0, ...xs), Math.max(...xs, 1), f.left, f.width - f.right);
  const plotBottom = f.top + plotH;
  const yMin = c.yMin ?? Math.min(0, ...ys);
  const y = linearScale(yMin, Math.max(...ys, yMin + 1e-9), plotBottom, f.top);
  const colors = [...c.series, ...lanes].map((_, i) => PALETTE[i % PALETTE.length] ?? "#000");
  const drawn = c.series.map((s, si) => {
    const color = colors[si];
    const pts = s.points.map(([px, py]) => [x.at(px), y.at(py)] as const);
    const title = (i: number) =>
      esc(s.labels?.[i] ?? `${s.name}: (${fmtNum(s.points[i]?.[0] ?? 0)}, ${fmtNum(s.points[i]?.[1] ?? 0)})`);
    const body =
      s.style === "markers"
        ? pts
            .map(
              ([px, py], i) =>
                `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${color}"><title>${title(i)}</title></circle>`,
            )
            .join("")
        : `<polyline fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ""} points="${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ")}"><title>${esc(s.name)}</title></polyline>${
            // Where the samples are, so a long straight stretch reads as "no sample here", not as data.
            pts.length <= 400
              ? pts
                  .map(
                    ([px, py], i) =>
                      `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="1.8" fill="${color}"><title>${title(i)}</title></circle>`,
                  )
                  .join("")
              : ""
          }`;
    return `<g class="series" data-series="${esc(s.name)}" data-points="${s.points.length}">${body}</g>`;
  });
  const laneBase = plotBottom + (plotH ? 8 : 0);
  const laneRows = lanes.map((l, li) => {
    const color = colors[c.series.length + li];
    const cy = laneBase + li * laneH + laneH / 2;
    const marks = l.marks.map(
      (m) =>
        `<path d="M${x.at(m.x).toFixed(1)} ${(cy - 7).toFixed(1)} l5 7 l-5 7 l-5 -7 z" fill="${l.dashed ? "#fff" : color}" stroke="${color}"><title>${esc(`${l.name}: ${m.label} at ${m.x.toFixed(1)} s`)}</title></path>`,
    );
    return `<g class="series lane" data-series="${esc(l.name)}" data-points="${l.marks.length}"><line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${cy}" y2="${cy}"/><text class="tick" x="${f.left - 6}" y="${cy}" text-anchor="end" dominant-baseline="middle">${esc(l.name.replace(/ milestones$/, ""))}</text>${marks.join("")}</g>`;
  });
  const axisBottom = f.height - f.bottom;
  const xTicks = (c.xTicks ?? x.ticks.map((t) => ({ x: t, label: fmtNum(t) }))).map(
    (t) =>
      `<text class="tick" x="${x.at(t.x).toFixed(1)}" y="${axisBottom + 16}" text-anchor="middle">${esc(t.label)}</text>`,
  );
  const svg = `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${esc(c.title)}">${plotH ? yAxis(f, y, c.yLabel, f.top, plotBottom) : ""}<line class="axis-line" x1="${f.left}" x2="${f.width - f.right}" y1="${axisBottom}" y2="${axisBottom}"/>${drawn.join("")}${laneRows.join("")}<g class="axis x">${xTicks.join("")}<text class="axis-title" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 12}" text-anchor="middle">${esc(c.xLabel)}</text></g></svg>`;
  return figure(
    c.id,
    c.title,
    svg,
    legend([...c.series.map((s) => s.name), ...lanes.map((l) => l.name)], colors, [
      ...c.series.map((s) => s.dashed ?? false),
      ...lanes.map((l) => l.dashed ?? false),
    ]),
  );
}

function figure(id: string, title: string, svg: string, legendHtml: string): string {
  return `<figure class="chart" data-chart="${esc(id)}"><figcaption>${esc(title)}</figcaption>${svg}${legendHtml}</figure>`;
}
