// A small parser of the Prometheus text exposition format (version 0.0.4), enough to read what
// grove-operator's /metrics serves: samples with labels (escaped values) and TYPE lines; HELP and
// other comments are skipped, timestamps ignored. The one reader of our exposition: this package's
// tests and the end-to-end suites (test/) scrape through it.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family -> its TYPE (counter, gauge, histogram, ...). */
  types: Map<string, string>;
}

export class PromParseError extends Error {}

/** Go's ParseFloat, as Prometheus reads values: Inf and NaN in any letter case (prom-client writes "Nan"). */
function parseValue(v: string, line: number): number {
  const l = v.toLowerCase();
  if (l === "+inf" || l === "inf") return Number.POSITIVE_INFINITY;
  if (l === "-inf") return Number.NEGATIVE_INFINITY;
  if (l === "nan") return Number.NaN;
  const n = Number(v);
  if (v === "" || Number.isNaN(n))
    throw new PromParseError(`line ${line}: value ${JSON.stringify(v)} is not a number`);
  return n;
}

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s+TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)$/.exec(line);
      if (m?.[1] && m[2]) types.set(m[1], m[2]);
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nm) throw new PromParseError(`line ${n}: no metric name in ${JSON.stringify(line)}`);
    const name = nm[0];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === "{") {
      pos++;
      for (;;) {
        while (line[pos] === " " || line[pos] === ",") pos++;
        if (line[pos] === "}") {
          pos++;
          break;
        }
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!lm?.[1]) throw new PromParseError(`line ${n}: bad label at column ${pos + 1}`);
        pos += lm[0].length;
        let value = "";
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new PromParseError(`line ${n}: unterminated label value`);
          pos++;
          if (c === '"') break;
          if (c === "\\") {
            const e = line[pos++];
            value += e === "n" ? "\n" : (e ?? "");
          } else value += c;
        }
        labels[lm[1]] = value;
      }
    }
    const rest = line.slice(pos).trim().split(/\s+/);
    samples.push({ name, labels, value: parseValue(rest[0] ?? "", n) });
  });
  return { samples, types };
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(
  e: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = e.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1)
    throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples match, expected one`);
  return found[0]?.value;
}

/** The sum over every sample named `name` whose labels include `labels` (0 if none). */
export function sampleSum(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  return e.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}
