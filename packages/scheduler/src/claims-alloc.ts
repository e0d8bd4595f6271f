// Device allocation for one ResourceClaim on one node, as kube-scheduler's DynamicResources plugin
// does it for structured parameters (resource.k8s.io/v1): every request of `spec.devices.requests`
// gets `exactly.count` devices (allocationMode ExactCount) or every matching one (All, at least one)
// of its DeviceClass, matching the class's and the request's CEL selectors (claims-cel.ts), among
// the devices reachable from the node (a slice's nodeName, nodeSelector or allNodes; the newest
// generation of each pool) and not allocated to another claim. The result is the claim's
// status.allocation: devices.results {request, driver, pool, device} and a nodeSelector naming the
// node when a device is node-local (none when every device is reachable from all nodes).
import { parseQuantity } from "@grove-ts/placement";
import type { KubeObject } from "@grove-ts/runtime";
import { compileSelector, type SelectorDevice, UnsupportedSelectorError } from "./claims-cel.js";

interface Selector {
  cel?: { expression?: string };
}
export interface DeviceRequest {
  name: string;
  exactly?: {
    deviceClassName?: string;
    selectors?: Selector[];
    allocationMode?: string;
    count?: number;
  };
  firstAvailable?: unknown[];
}
export interface AllocationResult {
  request: string;
  driver: string;
  pool: string;
  device: string;
}
export interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  matchFields?: { key: string; operator: string; values?: string[] }[];
}
export interface Allocation {
  devices: { results: AllocationResult[] };
  nodeSelector?: { nodeSelectorTerms: NodeSelectorTerm[] };
}
export interface ReservedFor {
  resource: string;
  name: string;
  uid: string;
  apiGroup?: string;
}
export type Claim = KubeObject & {
  spec?: { devices?: { requests?: DeviceRequest[]; constraints?: unknown[] } };
  status?: { allocation?: Allocation; reservedFor?: ReservedFor[]; [k: string]: unknown };
};
export type DeviceClass = KubeObject & { spec?: { selectors?: Selector[] } };
interface SliceDevice {
  name: string;
  attributes?: Record<string, { string?: string; int?: number; bool?: boolean; version?: string }>;
  capacity?: Record<string, { value?: string }>;
}
export type Slice = KubeObject & {
  spec?: {
    driver?: string;
    nodeName?: string;
    nodeSelector?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    allNodes?: boolean;
    pool?: { name?: string; generation?: number };
    devices?: SliceDevice[];
  };
};

/** One published device. */
export interface Device extends SelectorDevice {
  pool: string;
  name: string;
  /** Reachable from: one node, nodes matching a selector, or every node. */
  nodeName?: string | undefined;
  nodeSelector?: NodeSelectorTerm[] | undefined;
}

export const deviceKey = (d: { driver: string; pool: string; device?: string; name?: string }): string =>
  `${d.driver}/${d.pool}/${d.device ?? d.name}`;

export const claimKey = (c: KubeObject): string => `${c.metadata.namespace ?? ""}/${c.metadata.name ?? ""}`;

/** A claim that cannot be allocated for a reason no cluster change fixes (an unsupported selector, a missing feature). */
export class UnsupportedClaimError extends Error {}

/** The devices of `slices`, newest pool generation only. */
export function devicesOf(slices: readonly Slice[]): Device[] {
  const newest = new Map<string, number>();
  for (const s of slices) {
    const k = `${s.spec?.driver}/${s.spec?.pool?.name}`;
    newest.set(k, Math.max(newest.get(k) ?? 0, s.spec?.pool?.generation ?? 0));
  }
  const out: Device[] = [];
  for (const s of slices) {
    const driver = s.spec?.driver ?? "";
    const pool = s.spec?.pool?.name ?? "";
    if ((s.spec?.pool?.generation ?? 0) !== newest.get(`${driver}/${pool}`)) continue;
    for (const d of s.spec?.devices ?? []) {
      const attributes = new Map<string, string | number | boolean>();
      for (const [k, v] of Object.entries(d.attributes ?? {})) {
        const val = v.string ?? v.int ?? v.bool ?? v.version;
        if (val !== undefined) attributes.set(k.includes("/") ? k : `${driver}/${k}`, val);
      }
      const capacity = new Map<string, number>();
      for (const [k, v] of Object.entries(d.capacity ?? {})) {
        try {
          if (v.value !== undefined) capacity.set(k.includes("/") ? k : `${driver}/${k}`, qty(v.value));
        } catch {
          // A malformed capacity matches no capacity selector.
        }
      }
      out.push({
        driver,
        pool,
        name: d.name,
        attributes,
        capacity,
        nodeName: s.spec?.allNodes ? undefined : s.spec?.nodeName,
        nodeSelector:
          s.spec?.allNodes || s.spec?.nodeName ? undefined : s.spec?.nodeSelector?.nodeSelectorTerms,
      });
    }
  }
  return out;
}

const qty = (v: string): number => parseQuantity(v, "capacity");

export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
}

function reqMatches(
  r: { key: string; operator: string; values?: string[] },
  value: string | undefined,
): boolean {
  const vs = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && vs.includes(value);
    case "NotIn":
      return value === undefined || !vs.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(vs[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(vs[0]);
    default:
      return false;
  }
}

/** Does a NodeSelector (terms ORed, requirements ANDed) select `node`? */
export function selectsNode(terms: readonly NodeSelectorTerm[], node: NodeInfo): boolean {
  return terms.some(
    (t) =>
      (t.matchExpressions ?? []).every((r) => reqMatches(r, node.labels[r.key])) &&
      (t.matchFields ?? []).every((r) => reqMatches(r, r.key === "metadata.name" ? node.name : undefined)),
  );
}

export const reachable = (d: Device, node: NodeInfo): boolean =>
  d.nodeName !== undefined
    ? d.nodeName === node.name
    : d.nodeSelector
      ? selectsNode(d.nodeSelector, node)
      : true;

const local = (d: Device): boolean => d.nodeName !== undefined || d.nodeSelector !== undefined;

/** The node selector an allocation on `node` carries (kube-scheduler's: the node's name). */
export const nodeSelectorFor = (node: string): { nodeSelectorTerms: NodeSelectorTerm[] } => ({
  nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
});

export interface AllocateIn {
  devices: readonly Device[];
  classes: (name: string) => DeviceClass | undefined;
  /** Device keys (deviceKey) allocated to other claims. */
  taken: { has(key: string): boolean };
  /** Only devices reachable from every node (a shared claim placed before its pods). */
  floatingOnly?: boolean;
}

/** One request of a claim, ready to match devices. */
export interface RequestMatcher {
  name: string;
  deviceClassName: string;
  /** ExactCount's count; undefined for All. */
  count: number | undefined;
  matches: (d: Device) => boolean;
}

/**
 * The requests of `claim` as matchers, or why one cannot be matched now (a DeviceClass that does
 * not exist). Throws UnsupportedClaimError for what is refused outright (unsupported selector,
 * firstAvailable, constraints).
 */
export function requestMatchers(
  claim: Claim,
  classes: (name: string) => DeviceClass | undefined,
): RequestMatcher[] | string {
  const name = `ResourceClaim ${claimKey(claim)}`;
  const devs = claim.spec?.devices;
  if ((devs?.constraints?.length ?? 0) > 0)
    throw new UnsupportedClaimError(`${name}: spec.devices.constraints are not supported by grove-scheduler`);
  const out: RequestMatcher[] = [];
  for (const r of devs?.requests ?? []) {
    const ex = r.exactly;
    if (!ex)
      throw new UnsupportedClaimError(
        `${name}: request "${r.name}": only "exactly" requests are supported by grove-scheduler (firstAvailable is not)`,
      );
    const cls = ex.deviceClassName ? classes(ex.deviceClassName) : undefined;
    if (!cls) return `${name}: request "${r.name}": DeviceClass "${ex.deviceClassName ?? ""}" does not exist`;
    let preds: ((d: SelectorDevice) => boolean)[];
    try {
      preds = [...(cls.spec?.selectors ?? []), ...(ex.selectors ?? [])].map((s) => {
        if (!s.cel?.expression) throw new UnsupportedSelectorError("", "only cel selectors are supported");
        return compileSelector(s.cel.expression);
      });
    } catch (err) {
      throw new UnsupportedClaimError(`${name}: request "${r.name}": ${(err as Error).message}`);
    }
    out.push({
      name: r.name,
      deviceClassName: ex.deviceClassName ?? "",
      count: ex.allocationMode === "All" ? undefined : (ex.count ?? 1),
      matches: (d) => preds.every((p) => p(d)),
    });
  }
  return out;
}

/**
 * `claim`'s allocation on `node`, or why there is none (naming the claim and request). Throws
 * UnsupportedClaimError for what is refused outright (unsupported selector or request kind).
 */
export function allocate(claim: Claim, node: NodeInfo, a: AllocateIn): Allocation | string {
  const name = `ResourceClaim ${claimKey(claim)}`;
  const reqs = requestMatchers(claim, a.classes);
  if (typeof reqs === "string") return reqs;
  const results: AllocationResult[] = [];
  const used = new Set<string>();
  for (const r of reqs) {
    const fits = a.devices.filter(
      (d) =>
        !a.taken.has(deviceKey(d)) &&
        !used.has(deviceKey(d)) &&
        reachable(d, node) &&
        !(a.floatingOnly && local(d)) &&
        r.matches(d),
    );
    const want = r.count ?? Math.max(1, fits.length);
    if (fits.length < want)
      return `${name}: request "${r.name}" wants ${r.count ?? "all (at least 1)"} device(s) of DeviceClass "${r.deviceClassName}", node ${node.name} has ${fits.length} free`;
    for (const d of fits.slice(0, want)) {
      used.add(deviceKey(d));
      results.push({ request: r.name, driver: d.driver, pool: d.pool, device: d.name });
    }
  }
  const isLocal = a.devices.some((d) => used.has(deviceKey(d)) && local(d));
  return { devices: { results }, ...(isLocal ? { nodeSelector: nodeSelectorFor(node.name) } : {}) };
}

/** Is `a` at least as new as `b` (same object, resourceVersion not smaller)? */
export function newer(a: KubeObject, b: KubeObject): boolean {
  if (a.metadata.uid !== b.metadata.uid) return true;
  const x = a.metadata.resourceVersion ?? "";
  const y = b.metadata.resourceVersion ?? "";
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return BigInt(x) >= BigInt(y);
  return x === y;
}
