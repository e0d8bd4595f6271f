// The cluster file: node pools (count, allocatable, labels, taints, topology shape) and the
// ClusterTopologyBindings that describe them. One format for the default cluster
// (clusters/default.yaml) and for users' files; see README "Cluster file".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ClusterTopologyBinding, validateClusterTopologyBinding } from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";
import { parse } from "yaml";
import { checkFaults, type FaultSpec } from "./cluster-faults.js";
import { checkLoad, type LoadStep } from "./metrics/load-schedule.js";

export interface TopologyLevelSpec {
  domain: string;
  key: string;
}

export interface TopologySpec {
  name: string;
  levels: TopologyLevelSpec[];
}

/**
 * One label of the pool's topology: node i gets `<prefix><start + floor(i / nodes)>`. `nodes` is the
 * explicit size of one domain of that level (e.g. 18 for a GB200 NVL72 NVLink domain); `start` lets
 * pools that share a topology continue its numbering instead of joining its first domains.
 */
export interface PoolTopologyLabel {
  key: string;
  prefix?: string;
  /** Nodes per domain. */
  nodes: number;
  /** Index of the pool's first domain of this level; default 0. */
  start?: number;
}

export interface TaintSpec {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface PoolSpec {
  name: string;
  count: number;
  /** Node names are `<namePrefix><i>`; default `<name>-`. */
  namePrefix?: string;
  allocatable: Record<string, string>;
  labels?: Record<string, string>;
  taints?: TaintSpec[];
  topology?: PoolTopologyLabel[];
  /** Start cordoned. */
  unschedulable?: boolean;
  /**
   * The topology (a `topologies[].name`) that describes this pool: every one of its level keys must
   * be a label of the pool's nodes, which checkCluster enforces.
   */
  binding?: string;
}

export interface ClusterSpec {
  name?: string;
  topologies?: TopologySpec[];
  pools: PoolSpec[];
  /** Faults on a schedule (README "Faults"). */
  faults?: FaultSpec[];
  /** Load annotations set on a schedule (README "Metrics and load"). */
  load?: LoadStep[];
  /**
   * The cluster serves NVIDIA's ComputeDomain CRD (resource.nvidia.com, auto-MNNVL): grove-sim
   * installs grove-ts's own definition and turns network.autoMNNVLEnabled on by default.
   */
  computeDomains?: boolean;
}

export class ClusterFileError extends Error {
  readonly code = "InvalidClusterFile";
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = "ClusterFileError";
  }
}

const CLUSTERS_DIR = fileURLToPath(new URL("../clusters/", import.meta.url));
const DEFAULT_CLUSTER_FILE = `${CLUSTERS_DIR}default.yaml`;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Kubernetes quantity syntax (resource.Quantity): a number with an optional SI, binary or exponent suffix. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const HOSTNAME = "kubernetes.io/hostname";

/** Labels every simulated node carries before the pool's own (which may override arch and os). */
function builtinLabels(pool: string): Record<string, string> {
  return { "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "grove-sim/pool": pool };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function obj(v: unknown, field: string): Obj {
  if (!isObj(v)) throw new ClusterFileError(field, "must be a mapping");
  return v;
}
function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw new ClusterFileError(field, "must be a non-empty string");
  return v;
}
function int(v: unknown, field: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min)
    throw new ClusterFileError(field, `must be an integer >= ${min}`);
  return v;
}
function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ClusterFileError(field, "must be a list");
  return v;
}
function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = obj(v, field);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== "string" && typeof x !== "number")
      throw new ClusterFileError(`${field}.${k}`, "must be a string");
    out[k] = String(x);
  }
  return out;
}

/** Checks a parsed cluster document; errors name the field. */
export function checkCluster(doc: unknown): ClusterSpec {
  const d = obj(doc, "(root)");
  if (d.kind !== undefined && d.kind !== "Cluster") throw new ClusterFileError("kind", 'must be "Cluster"');
  const seenTopologies = new Set<string>();
  const topologies = list(d.topologies, "topologies").map((t, i) => {
    const f = `topologies[${i}]`;
    const o = obj(t, f);
    const name = str(o.name, `${f}.name`);
    if (!NAME.test(name)) throw new ClusterFileError(`${f}.name`, "must be a DNS subdomain name");
    const levels = list(o.levels, `${f}.levels`).map((l, j) => {
      const lo = obj(l, `${f}.levels[${j}]`);
      return {
        domain: str(lo.domain, `${f}.levels[${j}].domain`),
        key: str(lo.key, `${f}.levels[${j}].key`),
      };
    });
    if (levels.length === 0) throw new ClusterFileError(`${f}.levels`, "must list at least one level");
    if (seenTopologies.has(name)) throw new ClusterFileError(`${f}.name`, "duplicate topology name");
    seenTopologies.add(name);
    // The API server would refuse a bad binding at start-up; say it here with the file's field names.
    const bad = validateClusterTopologyBinding(bindingObject({ name, levels }))[0];
    if (bad)
      throw new ClusterFileError(
        bad.field.replace(/^spec\.levels/, `${f}.levels`).replace(/^metadata\.name/, `${f}.name`),
        bad.message,
      );
    return { name, levels };
  });
  const pools = list(d.pools, "pools").map((p, i): PoolSpec => {
    const f = `pools[${i}]`;
    const o = obj(p, f);
    const name = str(o.name, `${f}.name`);
    const allocatable = stringMap(o.allocatable, `${f}.allocatable`);
    if (Object.keys(allocatable).length === 0)
      throw new ClusterFileError(`${f}.allocatable`, "must list at least one resource");
    for (const [k, q] of Object.entries(allocatable)) {
      if (!QUANTITY.test(q))
        throw new ClusterFileError(
          `${f}.allocatable.${k}`,
          `${JSON.stringify(q)} is not a Kubernetes quantity`,
        );
    }
    const taints = list(o.taints, `${f}.taints`).map((t, j) => {
      const to = obj(t, `${f}.taints[${j}]`);
      const effect = str(to.effect, `${f}.taints[${j}].effect`);
      if (!EFFECTS.includes(effect))
        throw new ClusterFileError(`${f}.taints[${j}].effect`, `must be one of ${EFFECTS.join(", ")}`);
      return {
        key: str(to.key, `${f}.taints[${j}].key`),
        ...(to.value !== undefined ? { value: String(to.value) } : {}),
        effect: effect as TaintSpec["effect"],
      };
    });
    const topology = list(o.topology, `${f}.topology`).map((t, j) => {
      const to = obj(t, `${f}.topology[${j}]`);
      const key = str(to.key, `${f}.topology[${j}].key`);
      if (key === HOSTNAME)
        throw new ClusterFileError(`${f}.topology[${j}].key`, `${HOSTNAME} is always the node name`);
      return {
        key,
        prefix: to.prefix === undefined ? "" : String(to.prefix),
        nodes: int(to.nodes, `${f}.topology[${j}].nodes`, 1),
        start: to.start === undefined ? 0 : int(to.start, `${f}.topology[${j}].start`, 0),
      };
    });
    const topologyKeys = new Set<string>();
    for (const [j, t] of topology.entries()) {
      if (topologyKeys.has(t.key))
        throw new ClusterFileError(`${f}.topology[${j}].key`, `duplicate key ${JSON.stringify(t.key)}`);
      topologyKeys.add(t.key);
    }
    const labels = stringMap(o.labels, `${f}.labels`);
    for (const k of Object.keys(labels)) {
      if (k === HOSTNAME) throw new ClusterFileError(`${f}.labels.${k}`, "is always the node name");
      if (topologyKeys.has(k))
        throw new ClusterFileError(`${f}.labels.${k}`, "is set by the pool's topology; give it in one place");
    }
    return {
      name,
      count: int(o.count, `${f}.count`, 0),
      namePrefix: o.namePrefix === undefined ? `${name}-` : str(o.namePrefix, `${f}.namePrefix`),
      allocatable,
      labels,
      taints,
      topology,
      unschedulable: o.unschedulable === true,
      ...(o.binding !== undefined ? { binding: str(o.binding, `${f}.binding`) } : {}),
    };
  });
  if (pools.length === 0) throw new ClusterFileError("pools", "must list at least one pool");
  const seen = new Set<string>();
  for (const [i, p] of pools.entries()) {
    if (seen.has(p.namePrefix ?? ""))
      throw new ClusterFileError(`pools[${i}].namePrefix`, "duplicate name prefix");
    seen.add(p.namePrefix ?? "");
    if (p.binding === undefined) continue;
    const t = topologies.find((x) => x.name === p.binding);
    if (!t)
      throw new ClusterFileError(
        `pools[${i}].binding`,
        `names no topology (have: ${topologies.map((x) => x.name).join(", ") || "none"})`,
      );
    const keys = new Set([HOSTNAME, ...Object.keys(builtinLabels(p.name)), ...Object.keys(p.labels ?? {})]);
    for (const l of p.topology ?? []) keys.add(l.key);
    for (const l of t.levels)
      if (!keys.has(l.key))
        throw new ClusterFileError(
          `pools[${i}].binding`,
          `level ${l.domain} of topology ${t.name} uses key ${JSON.stringify(l.key)}, which this pool's nodes do not carry (add it to pools[${i}].topology or labels)`,
        );
  }
  const nodeNames = new Set(
    pools.flatMap((p) => Array.from({ length: p.count }, (_, i) => `${p.namePrefix}${i}`)),
  );
  const faults = checkFaults(d.faults, nodeNames, (field, detail) => {
    throw new ClusterFileError(field, detail);
  });
  const load = checkLoad(d.load, (field, detail) => {
    throw new ClusterFileError(field, detail);
  });
  if (d.computeDomains !== undefined && typeof d.computeDomains !== "boolean")
    throw new ClusterFileError(
      "computeDomains",
      `must be true or false, got ${JSON.stringify(d.computeDomains)}`,
    );
  return {
    ...(typeof d.name === "string" ? { name: d.name } : {}),
    topologies,
    pools,
    ...(faults.length > 0 ? { faults } : {}),
    ...(load.length > 0 ? { load } : {}),
    ...(d.computeDomains === true ? { computeDomains: true } : {}),
  };
}

/** The cluster files grove-sim ships (clusters/), by name without `.yaml`. */
export function shippedClusters(): string[] {
  return readdirSync(CLUSTERS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/**
 * A path that exists is taken as it is; otherwise a bare name such as `h100-1024` (or
 * `h100-1024.yaml`) names a shipped cluster file.
 */
export function resolveClusterFile(pathOrName: string): string {
  if (existsSync(pathOrName) || !/^[a-z0-9][-a-z0-9]*(\.yaml)?$/.test(pathOrName)) return pathOrName;
  const shipped = `${CLUSTERS_DIR}${pathOrName.replace(/\.yaml$/, "")}.yaml`;
  return existsSync(shipped) ? shipped : pathOrName;
}

/** Loads a cluster file: a path, or the name of a shipped one (resolveClusterFile). */
export function loadClusterFile(pathOrName: string): ClusterSpec {
  const path = resolveClusterFile(pathOrName);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ClusterFileError(path, `cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ClusterFileError(path, `not valid YAML: ${(err as Error).message}`);
  }
  return checkCluster(doc);
}

/** The default cluster; `gpuNodes` resizes its first pool (`--nodes`). */
export function defaultCluster(gpuNodes?: number): ClusterSpec {
  const c = loadClusterFile(DEFAULT_CLUSTER_FILE);
  if (gpuNodes !== undefined && c.pools[0]) c.pools[0].count = gpuNodes;
  return c;
}

export interface SimNode extends KubeObject {
  spec: { unschedulable?: boolean; taints?: TaintSpec[] };
  status: Record<string, unknown>;
}

/** The Node objects of a cluster, in pool order. */
export function clusterNodes(c: ClusterSpec): SimNode[] {
  const out: SimNode[] = [];
  let ip = 0;
  for (const pool of c.pools) {
    for (let i = 0; i < pool.count; i++) {
      const name = `${pool.namePrefix}${i}`;
      const labels: Record<string, string> = {
        ...builtinLabels(pool.name),
        ...(pool.labels ?? {}),
        [HOSTNAME]: name,
      };
      for (const t of pool.topology ?? [])
        labels[t.key] = `${t.prefix ?? ""}${(t.start ?? 0) + Math.floor(i / t.nodes)}`;
      ip++;
      out.push({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels, annotations: { "grove-sim/simulated": "true" } },
        spec: {
          ...(pool.unschedulable ? { unschedulable: true } : {}),
          ...(pool.taints && pool.taints.length > 0 ? { taints: pool.taints } : {}),
        },
        status: {
          capacity: { ...pool.allocatable },
          allocatable: { ...pool.allocatable },
          addresses: [
            { type: "InternalIP", address: `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}` },
            { type: "Hostname", address: name },
          ],
          nodeInfo: {
            kubeletVersion: "v1.32.0-grove-sim",
            kubeProxyVersion: "v1.32.0-grove-sim",
            containerRuntimeVersion: "grove-sim://0.1.0",
            operatingSystem: "linux",
            architecture: labels["kubernetes.io/arch"] ?? "amd64",
            osImage: "grove-sim",
            kernelVersion: "0.0.0",
            machineID: name,
            systemUUID: name,
            bootID: name,
          },
        },
      });
    }
  }
  return out;
}

function bindingObject(t: TopologySpec): ClusterTopologyBinding & KubeObject {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "ClusterTopologyBinding",
    metadata: { name: t.name },
    spec: { levels: t.levels.map((l) => ({ domain: l.domain, key: l.key })) },
  } as ClusterTopologyBinding & KubeObject;
}

export function clusterTopologyBindings(c: ClusterSpec): (ClusterTopologyBinding & KubeObject)[] {
  return (c.topologies ?? []).map(bindingObject);
}
