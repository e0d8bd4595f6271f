// `kubectl grove tree [pcs]`: PodCliqueSet > PodCliqueScalingGroup > PodClique > pods, each pod
// with its state, its node and the node's topology domains (the ClusterTopologyBinding's levels).
import { AnnotationTopologyName, LabelPartOf } from "@grove-ts/api";
import {
  byName,
  domainsOf,
  levelsFor,
  type Obj,
  ownedBy,
  type Pod,
  podState,
  podsOf,
  type Snapshot,
  sameNs,
} from "./model.js";

export interface TreePod {
  name: string;
  state: string;
  node: string | null;
  /** Level name to domain, broadest first; levels whose domain is the node itself are left out. */
  domains: Record<string, string>;
}

export interface TreeClique {
  name: string;
  replicas: number;
  minAvailable: number | null;
  ready: number;
  pods: TreePod[];
}

export interface TreeGroup {
  name: string;
  replicas: number;
  minAvailable: number | null;
  cliques: TreeClique[];
}

export interface TreePcs {
  namespace: string;
  name: string;
  replicas: number;
  available: number;
  groups: TreeGroup[];
  /** PodCliques not in a scaling group. */
  cliques: TreeClique[];
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const opt = (v: unknown): number | null => (typeof v === "number" ? v : null);

function treePod(s: Snapshot, p: Pod, topology: string | undefined): TreePod {
  const node = p.spec?.nodeName;
  const n = node ? s.nodes.find((x) => x.metadata.name === node) : undefined;
  const domains = Object.fromEntries(
    Object.entries(node ? domainsOf(n, levelsFor(s, topology)) : {}).filter(
      ([, v]) => v !== "" && v !== node,
    ),
  );
  return { name: p.metadata.name, state: podState(p), node: node ?? null, domains };
}

function treeClique(s: Snapshot, c: Obj, topology: string | undefined): TreeClique {
  const pods = podsOf(s, c);
  return {
    name: c.metadata.name,
    replicas: num(c.spec?.replicas),
    minAvailable: opt(c.spec?.minAvailable),
    ready: num(c.status?.readyReplicas),
    pods: pods.map((p) => treePod(s, p, topology)),
  };
}

/** The trees of every PodCliqueSet of the snapshot, or of the one named. */
export function buildTree(s: Snapshot, name?: string): TreePcs[] {
  const sets = byName(s.pcs.filter((p) => name === undefined || p.metadata.name === name));
  return sets.map((pcs) => {
    const mine = (o: Obj) => sameNs(o, pcs) && o.metadata.labels?.[LabelPartOf] === pcs.metadata.name;
    const topology =
      pcs.metadata.annotations?.[AnnotationTopologyName] ??
      s.podgangs.find(mine)?.metadata.annotations?.[AnnotationTopologyName];
    const groups = byName(s.pcsg.filter((g) => mine(g) || ownedBy(g, "PodCliqueSet", pcs.metadata.name)));
    const cliques = byName(s.pclq.filter((c) => mine(c) || ownedBy(c, "PodCliqueSet", pcs.metadata.name)));
    const inGroup = (c: Obj, g: Obj) => sameNs(c, g) && ownedBy(c, "PodCliqueScalingGroup", g.metadata.name);
    return {
      namespace: pcs.metadata.namespace ?? "",
      name: pcs.metadata.name,
      replicas: num(pcs.spec?.replicas),
      available: num(pcs.status?.availableReplicas),
      groups: groups.map((g) => ({
        name: g.metadata.name,
        replicas: num(g.spec?.replicas),
        minAvailable: opt(g.spec?.minAvailable),
        cliques: cliques.filter((c) => inGroup(c, g)).map((c) => treeClique(s, c, topology)),
      })),
      cliques: cliques
        .filter((c) => !groups.some((g) => inGroup(c, g)))
        .map((c) => treeClique(s, c, topology)),
    };
  });
}

const pad = (s: string, n: number): string => s + " ".repeat(Math.max(0, n - s.length));

function cliqueLines(c: TreeClique, prefix: string, last: boolean): string[] {
  const min = c.minAvailable === null ? "" : `, minAvailable ${c.minAvailable}`;
  const out = [`${prefix}${last ? "└─ " : "├─ "}PodClique ${c.name} (ready ${c.ready}/${c.replicas}${min})`];
  const inner = `${prefix}${last ? "   " : "│  "}`;
  const wName = Math.max(0, ...c.pods.map((p) => p.name.length));
  const wState = Math.max(0, ...c.pods.map((p) => p.state.length));
  const wNode = Math.max(0, ...c.pods.map((p) => (p.node ?? "<none>").length));
  c.pods.forEach((p, i) => {
    const domains = Object.entries(p.domains)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    const line = `${pad(p.name, wName)}  ${pad(p.state, wState)}  ${pad(p.node ?? "<none>", wNode)}  ${domains}`;
    out.push(`${inner}${i === c.pods.length - 1 ? "└─ " : "├─ "}${line.trimEnd()}`);
  });
  return out;
}

export function renderTree(trees: TreePcs[]): string {
  if (trees.length === 0) return "No PodCliqueSets found.\n";
  const out: string[] = [];
  for (const t of trees) {
    out.push(`PodCliqueSet ${t.namespace}/${t.name} (replicas ${t.replicas}, available ${t.available})`);
    const items = [...t.cliques.map((c) => ({ c })), ...t.groups.map((g) => ({ g }))];
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      if ("c" in item) {
        out.push(...cliqueLines(item.c, "", last));
        return;
      }
      const g = item.g;
      const min = g.minAvailable === null ? "" : `, minAvailable ${g.minAvailable}`;
      out.push(`${last ? "└─ " : "├─ "}PodCliqueScalingGroup ${g.name} (replicas ${g.replicas}${min})`);
      g.cliques.forEach((c, j) => {
        out.push(...cliqueLines(c, last ? "   " : "│  ", j === g.cliques.length - 1));
      });
    });
  }
  return `${out.join("\n")}\n`;
}
