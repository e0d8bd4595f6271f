// A cluster file's `load:` scenario (README "Metrics and load"): at T after the simulated nodes
// start, the load annotations (load.ts) are set on the pods a label selector matches in one
// namespace, through the API as `kubectl annotate` would, so the metrics grove-sim serves (and an
// HPA reading them) change over time. Like `faults:` (cluster-faults.ts), it runs the same against
// our API server and the real control plane.
//   load:
//     - { at: 30s, namespace: default, selector: "app=x", cpu: 900m, metrics: { requests_per_second: 40 } }
//     - { at: 90s, namespace: default, selector: "app=x", cpu: 100m, memory: 256Mi }
import { type Client, isNotFound, type Logger, PodType } from "@grove-ts/runtime";
import { runOnSchedule } from "../schedule.js";
import { CPU_ANNOTATION, MEMORY_ANNOTATION, METRICS_ANNOTATION, parseQuantity } from "./load.js";

export interface LoadStep {
  /** Seconds after the nodes started. */
  at: number;
  namespace: string;
  selector: string;
  cpu?: string;
  memory?: string;
  /** Custom metric name -> quantity. */
  metrics?: Record<string, string>;
}

type Fail = (field: string, detail: string) => never;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `30`, `30s`, `1.5m`, `2h` -> seconds; undefined when it is none of those. */
function seconds(v: unknown): number | undefined {
  if (typeof v === "number") return v >= 0 ? v : undefined;
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim()) : null;
  if (!m) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

function quantity(v: unknown, field: string, fail: Fail, example: string): string {
  const s = typeof v === "number" ? String(v) : v;
  if (typeof s !== "string" || parseQuantity(s, -9) === undefined)
    fail(field, `must be a non-negative quantity such as ${example}, got ${JSON.stringify(v)}`);
  return s as string;
}

/** Checks a cluster file's `load:` list. */
export function checkLoad(v: unknown, fail: Fail): LoadStep[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail("load", "must be a list");
  return (v as unknown[]).map((item, i): LoadStep => {
    const f = `load[${i}]`;
    if (!isObj(item)) fail(f, "must be a mapping");
    const o = item as Obj;
    const known = ["at", "namespace", "selector", "cpu", "memory", "metrics"];
    for (const k of Object.keys(o))
      if (!known.includes(k)) fail(`${f}.${k}`, `is not a load field (${known.join(", ")})`);
    const at = seconds(o.at);
    if (at === undefined)
      fail(`${f}.at`, 'must be seconds >= 0, as a number or a duration such as "30s" or "2m"');
    if (typeof o.namespace !== "string" || o.namespace === "")
      fail(`${f}.namespace`, "must be a non-empty namespace name");
    if (typeof o.selector !== "string" || o.selector.trim() === "")
      fail(`${f}.selector`, 'must be a non-empty label selector such as "app=web"');
    const out: LoadStep = {
      at: at as number,
      namespace: o.namespace as string,
      selector: o.selector as string,
    };
    if (o.cpu !== undefined) out.cpu = quantity(o.cpu, `${f}.cpu`, fail, '"900m" or 2');
    if (o.memory !== undefined) out.memory = quantity(o.memory, `${f}.memory`, fail, '"512Mi"');
    if (o.metrics !== undefined) {
      if (!isObj(o.metrics) || Object.keys(o.metrics).length === 0)
        fail(`${f}.metrics`, "must be a non-empty mapping of metric name to quantity");
      out.metrics = {};
      for (const [name, q] of Object.entries(o.metrics as Obj)) {
        if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(name))
          fail(
            `${f}.metrics.${name}`,
            "a metric name starts with a letter or _ and holds letters, digits, _ : . -",
          );
        out.metrics[name] = quantity(q, `${f}.metrics.${name}`, fail, "40 or 500m");
      }
    }
    if (out.cpu === undefined && out.memory === undefined && out.metrics === undefined)
      fail(f, "must set at least one of cpu, memory and metrics");
    return out;
  });
}

/** The annotations a step sets. */
export function loadAnnotations(step: LoadStep): Record<string, string> {
  const a: Record<string, string> = {};
  if (step.cpu !== undefined) a[CPU_ANNOTATION] = step.cpu;
  if (step.memory !== undefined) a[MEMORY_ANNOTATION] = step.memory;
  if (step.metrics)
    a[METRICS_ANNOTATION] = Object.entries(step.metrics)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
  return a;
}

/** Runs a cluster's load steps on their schedule; returns the stop function. */
export function startLoadSchedule(
  client: Client,
  steps: readonly LoadStep[],
  log: Logger,
): () => Promise<void> {
  return runOnSchedule(
    "load",
    steps,
    (s) => ({ selector: s.selector }),
    (s) => apply(client, s),
    log,
  );
}

async function apply(client: Client, step: LoadStep): Promise<void> {
  const annotations = loadAnnotations(step);
  const pods = await client.list(PodType, { namespace: step.namespace, labelSelector: step.selector });
  for (const p of pods.items)
    await client
      .patch(PodType, p.metadata.name ?? "", p.metadata.namespace, {
        type: "merge",
        body: { metadata: { annotations } },
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
}
