import type {
  Constraint,
  PlacementGang,
  PlacementGroup,
  PlacementNode,
  PlacementProblem,
  PlacementSubGroup,
  TopologyLevel,
} from "./contract.js";
import { Rng } from "./rng.js";

export interface SmallProblemOptions {
  /** At most this many nodes (default 64). */
  maxNodes?: number;
  /** At most this many gangs (default 20). */
  maxGangs?: number;
}

const KEYS: Record<string, string> = {
  block: "example.com/block",
  rack: "example.com/rack",
  host: "kubernetes.io/hostname",
};

/**
 * A small seeded PlacementProblem for the quality bench: small enough for an exact MILP, with
 * every feature the contract names (1 to 3 topology levels, heterogeneous GPU and CPU nodes,
 * capacity already allocated, cordoned nodes, NoSchedule taints, nodeSelector, required node
 * affinity with In/NotIn/Exists/DoesNotExist/Gt/Lt, minCount below count, priorities, sub-groups,
 * required/preferred constraints at gang, sub-group and group level), sized so that demand runs
 * from about 60% to 150% of the cluster: hard enough that not everything fits.
 */
export function smallProblem(seed: number, options: SmallProblemOptions = {}): PlacementProblem {
  const rng = new Rng(seed * 7919 + 17);
  const maxNodes = options.maxNodes ?? 64;
  const maxGangs = options.maxGangs ?? 20;
  const depth = rng.int(1, 3);
  const levelNames = ["block", "rack", "host"].slice(3 - depth);
  const levels: TopologyLevel[] = levelNames.map((domain) => ({ domain, key: KEYS[domain]! }));

  const nodes: PlacementNode[] = [];
  const nodeCount = rng.int(Math.min(8, maxNodes), maxNodes);
  const perRack = rng.int(2, 8);
  const racksPerBlock = rng.int(2, 4);
  for (let i = 0; i < nodeCount; i++) {
    const rack = Math.floor(i / perRack);
    const block = Math.floor(rack / racksPerBlock);
    const name = `n${String(i).padStart(3, "0")}`;
    const gpuNode = rng.chance(0.7);
    const labels: Record<string, string> = {
      "kubernetes.io/hostname": name,
      pool: gpuNode ? "gpu" : "cpu",
      "example.com/gen": String(rng.int(1, 3)),
    };
    if (depth >= 2) labels["example.com/rack"] = `b${block}-r${rack}`;
    if (depth >= 3) labels["example.com/block"] = `b${block}`;
    if (rng.chance(0.2)) labels["example.com/ssd"] = "true";
    const cpu = rng.pick([16, 32, 64]);
    const memGi = rng.pick([64, 128, 256]);
    const gpus = gpuNode ? rng.pick([4, 8]) : 0;
    const allocatable: Record<string, string> = {
      cpu: String(cpu),
      memory: `${memGi}Gi`,
      pods: String(rng.pick([8, 16, 110])),
    };
    if (gpus > 0) allocatable["nvidia.com/gpu"] = String(gpus);
    const node: PlacementNode = { name, labels, allocatable };
    if (rng.chance(0.3)) {
      node.allocated = {
        cpu: `${rng.int(1, cpu / 2) * 500}m`,
        memory: `${rng.int(1, memGi / 4)}Gi`,
        pods: String(rng.int(1, 3)),
      };
      if (gpus > 0 && rng.chance(0.5)) node.allocated["nvidia.com/gpu"] = String(rng.int(1, gpus / 2));
    }
    if (rng.chance(0.06)) node.unschedulable = true;
    if (gpuNode && rng.chance(0.4))
      node.taints = [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }];
    if (rng.chance(0.05)) node.taints = [...(node.taints ?? []), { key: "maintenance", effect: "NoExecute" }];
    nodes.push(node);
  }

  const totalGpus = nodes.reduce((s, n) => s + Number(n.allocatable["nvidia.com/gpu"] ?? 0), 0);
  const targetGpus = totalGpus * (0.6 + rng.next() * 0.9);
  const gangs: PlacementGang[] = [];
  let demand = 0;
  const gangLimit = rng.int(Math.min(4, maxGangs), maxGangs);
  while (gangs.length < gangLimit && (demand < targetGpus || gangs.length < 2)) {
    const gang = smallGang(rng, `g${gangs.length}`, levelNames);
    for (const group of gang.groups) demand += group.count * Number(group.requests?.["nvidia.com/gpu"] ?? 0);
    gangs.push(gang);
  }
  return { topology: { levels }, nodes, gangs };
}

function smallGang(rng: Rng, name: string, levels: string[]): PlacementGang {
  const gangLevel = rng.int(-1, levels.length - 1); // -1: unconstrained
  const gang: PlacementGang = { name, groups: [] };
  if (rng.chance(0.3)) gang.priority = rng.int(0, 2);
  const gangConstraint = constraintAt(rng, levels, gangLevel);
  if (gangConstraint) gang.constraint = gangConstraint;

  const groupCount = rng.int(1, 3);
  for (let k = 0; k < groupCount; k++) {
    const gpu = k === 0 || rng.chance(0.6);
    const count = rng.int(1, gpu ? 6 : 4);
    const group: PlacementGroup = {
      name: `${name}-${String.fromCharCode(97 + k)}`,
      count,
      requests: {
        cpu: `${rng.pick([500, 1000, 2000, 4000])}m`,
        memory: `${rng.pick([2, 4, 8, 16, 32])}Gi`,
      },
    };
    if (rng.chance(0.5)) group.minCount = rng.int(1, count);
    if (gpu) {
      group.requests!["nvidia.com/gpu"] = String(rng.pick([1, 1, 2, 4]));
      if (rng.chance(0.85))
        group.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
    }
    if (rng.chance(0.25)) group.nodeSelector = { pool: gpu ? "gpu" : "cpu" };
    if (rng.chance(0.3)) {
      const expr = rng.pick([
        { key: "example.com/gen", operator: "Gt", values: ["1"] },
        { key: "example.com/gen", operator: "Lt", values: ["3"] },
        { key: "example.com/gen", operator: "In", values: ["2", "3"] },
        { key: "example.com/gen", operator: "NotIn", values: ["1"] },
        { key: "example.com/ssd", operator: "Exists" },
        { key: "example.com/ssd", operator: "DoesNotExist" },
      ]);
      group.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [expr] }],
          },
        },
      };
    }
    // A group's own constraint never sits above the gang's required level.
    if (rng.chance(0.3)) {
      const c = constraintAt(rng, levels, rng.int(Math.max(0, gangLevel), levels.length - 1));
      if (c) group.constraint = c;
    }
    gang.groups.push(group);
  }
  if (groupCount >= 2 && rng.chance(0.5)) {
    const members = gang.groups.slice(0, 2);
    const subGroup: PlacementSubGroup = { name: `${name}-sg`, groups: members.map((g) => g.name) };
    const level = rng.int(Math.max(0, gangLevel), levels.length - 1);
    const c = constraintAt(rng, levels, level);
    if (c) subGroup.constraint = c;
    // Members may not be broader than the sub-group that holds them.
    for (const g of members) {
      if (
        g.constraint &&
        subGroup.constraint?.required &&
        levels.indexOf(g.constraint.required ?? "") < level
      )
        delete g.constraint;
      if (
        g.constraint?.preferred &&
        subGroup.constraint?.required &&
        levels.indexOf(g.constraint.preferred) < level
      )
        delete g.constraint;
    }
    gang.subGroups = [subGroup];
  }
  return gang;
}

/** A required (and maybe narrower preferred) constraint at `level`, or a preferred-only one. */
function constraintAt(rng: Rng, levels: string[], level: number): Constraint | undefined {
  if (level < 0) return undefined;
  const at = levels[level]!;
  if (rng.chance(0.2)) return { preferred: at };
  const c: Constraint = { required: at };
  if (level < levels.length - 1 && rng.chance(0.4))
    c.preferred = levels[rng.int(level + 1, levels.length - 1)]!;
  return c;
}
