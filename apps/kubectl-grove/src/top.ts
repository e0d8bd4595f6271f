// `kubectl grove top`: a resource (GPUs by default) per topology domain, allocated / capacity from
// the nodes' allocatable and the requests of the pods bound to them, and its fragmentation: the
// free units in wholly free domains (where a gang needing the whole domain fits) against the free
// units scattered over partly used ones.
import { parseQuantity } from "@grove-ts/placement";
import { holdsCapacity, levelsFor, type Node, natural, podRequest, type Snapshot, units } from "./model.js";

export interface TopDomain {
  name: string;
  nodes: number;
  capacity: number;
  allocated: number;
  free: number;
}

export interface Fragmentation {
  /** Domains with capacity and nothing allocated, and the free units in them. */
  wholeFree: number;
  freeInWhole: number;
  /** Domains partly used, and the free units scattered over them. */
  partlyUsed: number;
  freeScattered: number;
  full: number;
  /** The most free units in one domain: the largest gang this level can still hold. */
  largestFree: number;
}

export interface TopLevel {
  level: string;
  key: string;
  domains: TopDomain[];
  fragmentation: Fragmentation;
}

export interface TopReport {
  resource: string;
  capacity: number;
  allocated: number;
  free: number;
  levels: TopLevel[];
}

const HOSTNAME = "kubernetes.io/hostname";

export function buildTop(s: Snapshot, resource = "nvidia.com/gpu"): TopReport {
  const levels = [...levelsFor(s)];
  if (levels.at(-1)?.key !== HOSTNAME) levels.push({ domain: "node", key: HOSTNAME });
  const capOf = (n: Node) => {
    const q = n.status?.allocatable?.[resource];
    return q === undefined ? 0 : parseQuantity(q, resource) / 1000;
  };
  const used = new Map<string, number>();
  for (const p of s.pods)
    if (holdsCapacity(p) && p.spec?.nodeName)
      used.set(p.spec.nodeName, (used.get(p.spec.nodeName) ?? 0) + podRequest(p, resource) / 1000);
  const nodes = s.nodes.filter((n) => capOf(n) > 0);
  const out: TopLevel[] = levels.map((l) => {
    const by = new Map<string, TopDomain>();
    for (const n of nodes) {
      const name = l.key === HOSTNAME ? n.metadata.name : (n.metadata.labels?.[l.key] ?? "<none>");
      const d = by.get(name) ?? { name, nodes: 0, capacity: 0, allocated: 0, free: 0 };
      d.nodes++;
      d.capacity += capOf(n);
      d.allocated += used.get(n.metadata.name) ?? 0;
      d.free = Math.max(0, d.capacity - d.allocated);
      by.set(name, d);
    }
    const domains = [...by.values()].sort((a, b) => natural(a.name, b.name));
    const f: Fragmentation = {
      wholeFree: 0,
      freeInWhole: 0,
      partlyUsed: 0,
      freeScattered: 0,
      full: 0,
      largestFree: 0,
    };
    for (const d of domains) {
      f.largestFree = Math.max(f.largestFree, d.free);
      if (d.allocated === 0) {
        f.wholeFree++;
        f.freeInWhole += d.free;
      } else if (d.free > 0) {
        f.partlyUsed++;
        f.freeScattered += d.free;
      } else f.full++;
    }
    return { level: l.domain, key: l.key, domains, fragmentation: f };
  });
  const capacity = nodes.reduce((a, n) => a + capOf(n), 0);
  const allocated = nodes.reduce((a, n) => a + (used.get(n.metadata.name) ?? 0), 0);
  return { resource, capacity, allocated, free: Math.max(0, capacity - allocated), levels: out };
}

function table(rows: string[][]): string[] {
  const w = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] ?? 0))).join("  "));
}

const n = (x: number): string => units(x * 1000);

export function renderTop(r: TopReport): string {
  if (r.capacity === 0) return `No node has ${r.resource} (try --resource cpu).\n`;
  const pct = Math.round((100 * r.allocated) / r.capacity);
  const out = [
    `${r.resource}: ${n(r.allocated)} of ${n(r.capacity)} allocated (${pct}%), ${n(r.free)} free`,
    "",
  ];
  const rows = [["LEVEL", "DOMAIN", "NODES", "ALLOCATED", "CAPACITY", "FREE"]];
  // Every node on its own line would drown the domains: the node level is summed up below only.
  for (const l of r.levels.filter((x) => x.key !== HOSTNAME || r.levels.length === 1))
    for (const d of l.domains)
      rows.push([l.level, d.name, String(d.nodes), n(d.allocated), n(d.capacity), n(d.free)]);
  out.push(
    ...table(rows),
    "",
    `FRAGMENTATION (free ${r.resource}: in wholly free domains / scattered over partly used ones)`,
  );
  const frag = [
    ["LEVEL", "WHOLE-FREE", "FREE-IN-WHOLE", "PARTLY-USED", "FREE-SCATTERED", "FULL", "LARGEST-FREE"],
  ];
  for (const l of r.levels) {
    const f = l.fragmentation;
    frag.push([
      l.level,
      String(f.wholeFree),
      n(f.freeInWhole),
      String(f.partlyUsed),
      n(f.freeScattered),
      String(f.full),
      n(f.largestFree),
    ]);
  }
  out.push(...table(frag));
  return `${out.join("\n")}\n`;
}
