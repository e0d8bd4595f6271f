// What `npm start` shows: the live pod counts and the workload tree.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ClusterTopologyBindingType,
  LabelPartOf,
  LabelPodClique,
  LabelPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodCliqueSetReplicaIndex,
  LabelPodGang,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
} from "@grove-ts/api";
import { type Client, type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { parseAllDocuments } from "yaml";
import { UsageError } from "./args.js";

export interface ExampleSet {
  dir: string;
  objects: { file: string; obj: KubeObject }[];
}

interface PcsShape extends KubeObject {
  spec?: {
    replicas?: number;
    template?: {
      cliques?: { name: string; spec: { replicas?: number } }[];
      podCliqueScalingGroups?: {
        name: string;
        cliqueNames: string[];
        replicas?: number;
        minAvailable?: number;
      }[];
    };
  };
  status?: { availableReplicas?: number };
}

interface PodShape extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** Every document of every .yaml file in `dir`, files in name order. */
export function loadExamples(dir: string): ExampleSet {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort();
  const objects: { file: string; obj: KubeObject }[] = [];
  for (const f of files)
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      if (doc.errors.length > 0) throw new UsageError(`${f}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj) objects.push({ file: f, obj });
    }
  return { dir, objects };
}

/** Pods each PodCliqueSet of the set makes, by its template (replicas as written). */
export function expectedPods(ex: ExampleSet): Map<string, number> {
  const out = new Map<string, number>();
  for (const { obj } of ex.objects) {
    const pcs = obj as PcsShape;
    const t = pcs.spec?.template;
    const cliques = new Map((t?.cliques ?? []).map((c) => [c.name, c.spec.replicas ?? 1]));
    let perReplica = 0;
    const inGroup = new Set<string>();
    for (const g of t?.podCliqueScalingGroups ?? []) {
      let unit = 0;
      for (const c of g.cliqueNames) {
        inGroup.add(c);
        unit += cliques.get(c) ?? 0;
      }
      perReplica += unit * (g.replicas ?? 1);
    }
    for (const [name, r] of cliques) if (!inGroup.has(name)) perReplica += r;
    out.set(pcs.metadata.name ?? "", perReplica * (pcs.spec?.replicas ?? 0));
  }
  return out;
}

const isReady = (p: PodShape) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

interface Out {
  write(s: string): boolean;
  isTTY?: boolean;
}

/** Shows created / scheduled / ready until every expected pod is Ready; false on timeout. */
export async function progress(
  client: Client,
  want: Map<string, number>,
  timeoutMs: number,
  out: Out,
): Promise<boolean> {
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  const start = Date.now();
  let last = "";
  let lastPrint = 0;
  out.write("\n");
  for (;;) {
    const pods = (await client.list<PodShape>(PodType, { namespace: "default" })).items.filter((p) =>
      want.has(p.metadata.labels?.[LabelPartOf] ?? ""),
    );
    const created = pods.length;
    const scheduled = pods.filter((p) => p.spec?.nodeName).length;
    const ready = pods.filter(isReady).length;
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    const line = `  pods: ${created}/${total} created, ${scheduled} scheduled, ${ready} ready`;
    const finished = created >= total && ready >= total;
    if (out.isTTY) out.write(`\r\x1b[K${line}  (${secs}s)`);
    else if (line !== last && (finished || Date.now() - lastPrint > 1000)) {
      out.write(`${line}  (${secs}s)\n`);
      lastPrint = Date.now();
      last = line;
    }
    if (finished) {
      if (out.isTTY) out.write("\n");
      return true;
    }
    if (Date.now() - start > timeoutMs) {
      out.write(out.isTTY ? "\n" : `${line}  (${secs}s, giving up waiting)\n`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface TreeNode {
  label: string;
  children: TreeNode[];
}

function draw(node: TreeNode, prefix: string, last: boolean, root: boolean, lines: string[]): void {
  lines.push(root ? node.label : `${prefix}${last ? "└── " : "├── "}${node.label}`);
  const next = root ? "" : `${prefix}${last ? "    " : "│   "}`;
  node.children.forEach((c, i) => {
    draw(c, next, i === node.children.length - 1, false, lines);
  });
}

const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
const num = (v: string | undefined) => Number(v ?? 0);

/** PodCliqueSet > replica > scaling group > replica > clique > pod (node, topology domains). */
export async function renderTree(client: Client, ex: ExampleSet): Promise<string> {
  const ns = "default";
  const [pcsgs, pclqs, pods, gangs, nodes, cts] = await Promise.all([
    client.list<KubeObject & { spec?: { replicas?: number; minAvailable?: number } }>(
      PodCliqueScalingGroupType,
      {
        namespace: ns,
      },
    ),
    client.list<KubeObject & { status?: { readyReplicas?: number }; spec?: { replicas?: number } }>(
      PodCliqueType,
      {
        namespace: ns,
      },
    ),
    client.list<PodShape>(PodType, { namespace: ns }),
    client.list<KubeObject & { status?: { phase?: string } }>(PodGangType, { namespace: ns }),
    client.list(NodeType),
    client.list<KubeObject & { spec: { levels: { domain: string; key: string }[] } }>(
      ClusterTopologyBindingType,
    ),
  ]);
  // Each pod shows the domains of the first binding whose keys its node carries (a mixed cluster
  // has one binding per pool).
  const bindings = cts.items.map((ct) => ct.spec.levels.filter((l) => l.key !== "kubernetes.io/hostname"));
  const nodeLabels = new Map(nodes.items.map((n) => [n.metadata.name ?? "", n.metadata.labels ?? {}]));
  const levelsOf = (l: Record<string, string>) =>
    bindings.find((b) => b.every((lv) => lv.key in l)) ?? bindings[0] ?? [];
  const gangPhase = new Map(gangs.items.map((g) => [g.metadata.name ?? "", g.status?.phase ?? "Pending"]));
  const podLine = (p: PodShape): TreeNode => {
    const node = p.spec?.nodeName;
    const l = node ? (nodeLabels.get(node) ?? {}) : {};
    const where = node
      ? `${node.padEnd(12)} ${levelsOf(l)
          .map((lv) => `${lv.domain}=${l[lv.key] ?? "-"}`)
          .join(" ")}`
      : "(pending)";
    const state = isReady(p) ? "Ready" : (p.status?.phase ?? "Pending");
    return { label: `${(p.metadata.name ?? "").padEnd(34)} ${state.padEnd(8)} ${where}`, children: [] };
  };
  const cliqueNode = (pclq: (typeof pclqs.items)[number]): TreeNode => {
    const mine = pods.items
      .filter((p) => p.metadata.labels?.[LabelPodClique] === pclq.metadata.name)
      .sort(byName);
    return {
      label: `${pclq.metadata.name}  PodClique ${pclq.status?.readyReplicas ?? 0}/${pclq.spec?.replicas ?? 0} ready`,
      children: mine.map(podLine),
    };
  };
  const gangOf = (pclqName: string | undefined): string => {
    const p = pods.items.find((x) => x.metadata.labels?.[LabelPodClique] === pclqName);
    const g = p?.metadata.labels?.[LabelPodGang];
    return g ? ` · PodGang ${g} ${gangPhase.get(g) ?? ""}` : "";
  };
  const roots: TreeNode[] = [];
  for (const { obj } of ex.objects) {
    const name = obj.metadata.name ?? "";
    const pcs = await client.get<PcsShape>(PodCliqueSetType, name, ns);
    if (!pcs) continue;
    const replicas = pcs.spec?.replicas ?? 0;
    const root: TreeNode = {
      label: `${name}  PodCliqueSet (replicas ${replicas}, available ${pcs.status?.availableReplicas ?? 0})`,
      children: [],
    };
    for (let i = 0; i < replicas; i++) {
      const inReplica = (o: KubeObject) =>
        o.metadata.labels?.[LabelPartOf] === name &&
        num(o.metadata.labels?.[LabelPodCliqueSetReplicaIndex]) === i;
      const standalone = pclqs.items.filter(
        (q) => inReplica(q) && !q.metadata.labels?.[LabelPodCliqueScalingGroup],
      );
      const rep: TreeNode = {
        // The base PodGang of a PodCliqueSet replica is always <pcs>-<i> (grove-behaviour.md §1.2).
        label: `replica ${i} · PodGang ${name}-${i} ${gangPhase.get(`${name}-${i}`) ?? ""}`.trimEnd(),
        children: [],
      };
      for (const g of pcsgs.items.filter(inReplica).sort(byName)) {
        const members = pclqs.items.filter(
          (q) => q.metadata.labels?.[LabelPodCliqueScalingGroup] === g.metadata.name,
        );
        const gNode: TreeNode = {
          label: `${g.metadata.name}  PodCliqueScalingGroup (replicas ${g.spec?.replicas ?? 0}, minAvailable ${g.spec?.minAvailable ?? 1})`,
          children: [],
        };
        const idx = [
          ...new Set(members.map((q) => num(q.metadata.labels?.[LabelPodCliqueScalingGroupReplicaIndex]))),
        ].sort((a, b) => a - b);
        for (const j of idx) {
          const ms = members
            .filter((q) => num(q.metadata.labels?.[LabelPodCliqueScalingGroupReplicaIndex]) === j)
            .sort(byName);
          gNode.children.push({
            label: `replica ${j}${gangOf(ms[0]?.metadata.name)}`,
            children: ms.map(cliqueNode),
          });
        }
        rep.children.push(gNode);
      }
      for (const q of standalone.sort(byName)) rep.children.push(cliqueNode(q));
      root.children.push(rep);
    }
    roots.push(root);
  }
  const lines: string[] = [];
  for (const r of roots) {
    draw(r, "", true, true, lines);
    lines.push("");
  }
  return lines.join("\n");
}
