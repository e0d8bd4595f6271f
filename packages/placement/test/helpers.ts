import type {
  Gang,
  PlacementNode,
  PlacementProblem,
  PlacementResult,
  PodGroup,
  Quantity,
} from "../src/index.js";

export const ENGINES = [
  { engine: "js", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "debug" },
] as const;

export const LEVELS = {
  levels: [
    { domain: "block", key: "block" },
    { domain: "rack", key: "rack" },
    { domain: "host", key: "kubernetes.io/hostname" },
  ],
};

/** A node in block/rack with `gpus` GPUs and room for `pods` pods. */
export function node(
  name: string,
  where: { block?: string; rack?: string } = {},
  allocatable: Record<string, Quantity> = {},
  extra: Partial<PlacementNode> = {},
): PlacementNode {
  const labels: Record<string, string> = { "kubernetes.io/hostname": name };
  if (where.block !== undefined) labels.block = where.block;
  if (where.rack !== undefined) labels.rack = where.rack;
  return {
    name,
    labels: { ...labels, ...(extra.labels ?? {}) },
    allocatable: { cpu: "64", memory: "256Gi", pods: "110", "nvidia.com/gpu": "8", ...allocatable },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "labels")),
  };
}

/** blocks x racks x hosts nodes named b{i}-r{j}-h{k}, `gpus` each. */
export function grid(blocks: number, racks: number, hosts: number, gpus = 8): PlacementNode[] {
  const out: PlacementNode[] = [];
  for (let b = 0; b < blocks; b++)
    for (let r = 0; r < racks; r++)
      for (let h = 0; h < hosts; h++)
        out.push(
          node(
            `b${b}-r${r}-h${h}`,
            { block: `b${b}`, rack: `b${b}-r${r}` },
            { "nvidia.com/gpu": String(gpus) },
          ),
        );
  return out;
}

export function group(name: string, count: number, extra: Partial<PodGroup> = {}): PodGroup {
  return { name, count, requests: { "nvidia.com/gpu": 1 }, ...extra };
}

export function gang(name: string, groups: PodGroup[], extra: Partial<Gang> = {}): Gang {
  return { name, groups, ...extra };
}

export function problem(
  nodes: PlacementNode[],
  gangs: Gang[],
  extra: Partial<PlacementProblem> = {},
): PlacementProblem {
  return { topology: LEVELS, nodes, gangs, ...extra };
}

/** The nodes of every placed pod of a gang, all groups together. */
export function podsOf(result: PlacementResult, gangName: string): string[] {
  return result.gangs.find((g) => g.name === gangName)?.groups.flatMap((g) => g.nodes) ?? [];
}

export function groupNodes(result: PlacementResult, gangName: string, groupName: string): string[] {
  return result.gangs.find((g) => g.name === gangName)?.groups.find((g) => g.name === groupName)?.nodes ?? [];
}

/** The rack (or block) part of grid node names. */
export const rackOf = (n: string) => n.split("-").slice(0, 2).join("-");
export const blockOf = (n: string) => n.split("-")[0] as string;
export const distinct = (xs: string[]) => [...new Set(xs)].sort();
