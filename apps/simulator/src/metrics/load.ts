// The simulated load of a pod, read from its annotations (README "Metrics and load"):
//   sim.grove-ts.dev/cpu: "<quantity>"     the pod's CPU usage, split over its containers in
//     proportion to their CPU requests (evenly when none has one)
//   sim.grove-ts.dev/memory: "<quantity>"  the same for memory, by memory requests
//   sim.grove-ts.dev/metrics: "<name>=<quantity>[,...]"  custom per-pod metrics
// Without them a running container uses 1m CPU and 1Mi memory and the pod has no custom metric.
// A bad value counts as absent; the simulated kubelet reports it once as a Warning Event on the pod
// (loadProblems, through pod-faults.ts), as it reports the fault annotations.
import type { KubeObject } from "@grove-ts/runtime";

export const CPU_ANNOTATION = "sim.grove-ts.dev/cpu";
export const MEMORY_ANNOTATION = "sim.grove-ts.dev/memory";
export const METRICS_ANNOTATION = "sim.grove-ts.dev/metrics";

/** A running container's usage without the annotations: 1m CPU and 1Mi memory. */
export const DEFAULT_CPU_NANO = 1_000_000;
export const DEFAULT_MEMORY_BYTES = 1024 * 1024;

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/**
 * A non-negative Kubernetes quantity in units of 10^`scale` (-9: nano, 0: whole units), rounded up
 * as Kubernetes rounds to its precision; undefined when malformed.
 */
export function parseQuantity(q: string, scale: number): number | undefined {
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const [, num = "0", exp, suffix = ""] = m;
  const v = Number(num);
  let out: number;
  if (suffix in BINARY) out = v * 2 ** (BINARY[suffix] as number) * 10 ** -scale;
  else out = v * 10 ** ((exp !== undefined ? Number(exp) : (DECIMAL[suffix] as number)) - scale);
  // 0.1 * 10^9 is 100000000.00000001 in doubles: round to 9 significant places before ceil.
  const r = Math.ceil(Number(out.toPrecision(12)));
  return Number.isFinite(r) ? r : undefined;
}

/** Nano units as a canonical decimal quantity: "2", "750m", "1500u", "3n". */
export function formatNano(n: number): string {
  if (n % 1e9 === 0) return String(n / 1e9);
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}u`;
  return `${n}n`;
}

/** Bytes as a canonical quantity: the largest binary suffix that divides it, else plain bytes. */
export function formatBytes(b: number): string {
  for (const [suffix, shift] of Object.entries(BINARY).reverse())
    if (b > 0 && b % 2 ** shift === 0) return `${b / 2 ** shift}${suffix}`;
  return String(b);
}

export interface LoadPod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: { name: string; resources?: { requests?: Record<string, string | number> } }[];
  };
  status?: { phase?: string };
}

export interface ContainerUsage {
  name: string;
  cpuNano: number;
  memoryBytes: number;
}

export interface PodLoad {
  containers: ContainerUsage[];
  /** Custom metric name -> value in nano units. */
  metrics: Map<string, number>;
}

/** A bad load annotation: what the Warning Event says. */
export interface LoadProblem {
  annotation: string;
  value: string;
  message: string;
}

const problem = (annotation: string, value: string, rule: string): LoadProblem => ({
  annotation,
  value,
  message: `annotation ${annotation}: ${JSON.stringify(value)}: ${rule}; the default is used`,
});

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_:.-]*$/;

function parseMetrics(v: string): Map<string, number> | string {
  const out = new Map<string, number>();
  for (const entry of v.split(",").map((s) => s.trim())) {
    const m = /^([^=]*)=(.*)$/.exec(entry);
    if (!m) return `entry ${JSON.stringify(entry)} must be <name>=<quantity>`;
    const [, name = "", q = ""] = m;
    if (!METRIC_NAME.test(name))
      return `metric name ${JSON.stringify(name)} must start with a letter or _ and hold only letters, digits, _ : . -`;
    const n = parseQuantity(q, -9);
    if (n === undefined)
      return `value ${JSON.stringify(q)} of metric ${name} must be a non-negative quantity such as 40, 1.5 or 500m`;
    out.set(name, n);
  }
  return out;
}

/** The problems of a pod's load annotations (empty when all are valid or absent). */
export function loadProblems(pod: LoadPod): LoadProblem[] {
  return readLoad(pod).problems;
}

function readLoad(pod: LoadPod): {
  cpu?: number;
  memory?: number;
  metrics: Map<string, number>;
  problems: LoadProblem[];
} {
  const a = pod.metadata.annotations ?? {};
  const problems: LoadProblem[] = [];
  const out: { cpu?: number; memory?: number; metrics: Map<string, number>; problems: LoadProblem[] } = {
    metrics: new Map(),
    problems,
  };
  const cpu = a[CPU_ANNOTATION];
  if (cpu !== undefined) {
    const n = parseQuantity(cpu, -9);
    if (n === undefined)
      problems.push(
        problem(CPU_ANNOTATION, cpu, 'must be a non-negative CPU quantity such as "750m" or "2"'),
      );
    else out.cpu = n;
  }
  const mem = a[MEMORY_ANNOTATION];
  if (mem !== undefined) {
    const n = parseQuantity(mem, 0);
    if (n === undefined)
      problems.push(
        problem(MEMORY_ANNOTATION, mem, 'must be a non-negative memory quantity such as "512Mi"'),
      );
    else out.memory = n;
  }
  const metrics = a[METRICS_ANNOTATION];
  if (metrics !== undefined) {
    const m = parseMetrics(metrics);
    if (typeof m === "string") problems.push(problem(METRICS_ANNOTATION, metrics, m));
    else out.metrics = m;
  }
  return out;
}

/** Splits `total` over `weights` in proportion (evenly when all are 0); the rounding rest goes to the first. */
function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const s = sum > 0 ? sum : weights.length;
  const parts = w.map((x) => Math.floor((total * x) / s));
  const rest = total - parts.reduce((a, b) => a + b, 0);
  if (parts.length > 0) parts[0] = (parts[0] as number) + rest;
  return parts;
}

/** The pod's usage per container and its custom metrics, from its annotations (bad ones: the defaults). */
export function podLoad(pod: LoadPod): PodLoad {
  const load = readLoad(pod);
  const containers = pod.spec?.containers ?? [];
  const request = (r: string, scale: number) =>
    containers.map((c) => {
      const q = c.resources?.requests?.[r];
      return q === undefined ? 0 : (parseQuantity(String(q), scale) ?? 0);
    });
  const cpu =
    load.cpu !== undefined ? split(load.cpu, request("cpu", -9)) : containers.map(() => DEFAULT_CPU_NANO);
  const memory =
    load.memory !== undefined
      ? split(load.memory, request("memory", 0))
      : containers.map(() => DEFAULT_MEMORY_BYTES);
  return {
    containers: containers.map((c, i) => ({
      name: c.name,
      cpuNano: cpu[i] as number,
      memoryBytes: memory[i] as number,
    })),
    metrics: load.metrics,
  };
}
