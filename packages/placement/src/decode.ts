// Turns the engines' numbers back into names and reason sentences.
import type { CheckedGang, CheckedGroup, CheckedLevel, CheckedNode } from "./check.js";
import type { CallEncoding, TreeInfo } from "./encode.js";
import { P, R, REASON_SLOTS } from "./layout.js";
import { ReasonCounter, type ReasonRecord } from "./reason-count.js";
import type { GangPlacement, GroupPlacement } from "./types.js";
import { Verdicts } from "./verdict.js";

export interface Decoded {
  gangs: GangPlacement[];
  gangsPlaced: number;
  podsPlaced: number;
  podsWanted: number;
  attempts: number;
  /** Per gang, per group: encoded node index of each placed pod (only when asked for). */
  nodeIndices: Int32Array[][];
}

function levelName(levels: CheckedLevel[], l: number): string {
  return l < 0 ? "cluster" : (levels[l]?.domain ?? `level ${l}`);
}

function whose(info: TreeInfo): string {
  return info.kind === "gang" ? "the gang's minimum" : `${info.kind} ${info.name}'s minimum`;
}

function label(levels: CheckedLevel[], info: TreeInfo, lvl: number): string {
  let s: string;
  if (info.required >= 0 && (lvl === info.required || info.preferred < 0))
    s = `required ${levelName(levels, info.required)}`;
  else if (info.preferred >= 0)
    s =
      `preferred ${levelName(levels, info.preferred)}` +
      (lvl !== info.preferred ? ` (climbed to ${levelName(levels, lvl)})` : "");
  else s = "no constraint";
  return info.kind === "gang" ? s : `${s} of ${info.kind} ${info.name}`;
}

function record(r: Int32Array, at: number): ReasonRecord {
  return {
    code: r[at] as number,
    t: r[at + 1] as number,
    lvl: r[at + 2] as number,
    a: r[at + 3] as number,
    need: r[at + 4] as number,
    nested: true,
  };
}

function sentence(
  levels: CheckedLevel[],
  tree: (t: number) => TreeInfo,
  rec: ReasonRecord,
  inner: string,
): string {
  const { code, lvl, a, need } = rec;
  const info = tree(rec.t);
  const ln = levelName(levels, lvl);
  switch (code) {
    case R.SHORTFALL:
      return lvl < 0
        ? `${label(levels, info, lvl)}: the cluster fits ${a} of ${need} pods of ${whose(info)}`
        : `${label(levels, info, lvl)}: the best ${ln} fits ${a} of ${need} pods of ${whose(info)}`;
    case R.NESTED:
      return (
        `${label(levels, info, lvl)}: ${a} ${lvl < 0 ? "cluster" : ln}${a === 1 ? "" : "s"} can hold the ${need} pods of ` +
        `${whose(info)}, but ${rec.nested ? "the nested constraints fail" : "its groups could not be placed together"} in each` +
        (inner ? ` (last: ${inner})` : "")
      );
    case R.LEAF:
      return lvl < 0
        ? `${info.kind} ${info.name}: the cluster fits ${a} of ${need} pods of its minimum`
        : `${info.kind} ${info.name}: the chosen ${ln} fits ${a} of ${need} pods of its minimum`;
    case R.NO_NODE:
      return `${info.kind} ${info.name}: no node passes its taints, nodeSelector, node affinity and cordon (minimum ${need} pods)`;
    default:
      return "not placed";
  }
}

export function decode(call: CallEncoding, levels: CheckedLevel[], withIndices = false): Decoded {
  const v = call.views();
  const gangs = call.gangs;
  const K = gangs.length;
  const G = call.groupSlot.length;
  const ok = v.i32(P.GANGOK, K);
  const placedPer = v.i32(P.GPLACED, G);
  const podNode = v.i32(P.PODNODE, call.pods);
  const reason = v.i32(P.REASON, K * REASON_SLOTS);
  const stats = v.i32(P.STATS, 8);
  const nodes = call.cluster.nodes;
  const tree = (t: number) => call.treeInfo(t);
  const out: Decoded = {
    gangs: new Array<GangPlacement>(K),
    gangsPlaced: 0,
    podsPlaced: 0,
    podsWanted: 0,
    attempts: stats[0] as number,
    nodeIndices: withIndices ? new Array<Int32Array[]>(K) : [],
  };
  let verdicts: Verdicts | null = null;
  let counter: ReasonCounter | null = null;
  for (let k = 0; k < K; k++) {
    const gang = gangs[k] as CheckedGang;
    const first = call.groupFirst[k] as number;
    const nGroups = gang.groups.length;
    for (let i = 0; i < nGroups; i++) out.podsWanted += (gang.groups[i] as CheckedGroup).count;
    if (ok[k] === 0) {
      const at = k * REASON_SLOTS;
      verdicts ??= new Verdicts(call);
      counter ??= new ReasonCounter(call, ok, placedPer, podNode);
      const top = counter.top(k, record(reason, at));
      const inner =
        top.code === R.NESTED && reason[at + 5] !== 0
          ? sentence(levels, tree, record(reason, at + 5), "")
          : "";
      out.gangs[k] = {
        name: gang.name,
        placed: false,
        groups: [],
        reason: sentence(levels, tree, top, inner),
        code: verdicts.of(k, reason[at] as number),
      };
      if (withIndices) out.nodeIndices[k] = [];
      continue;
    }
    out.gangsPlaced++;
    const groups = new Array<GroupPlacement>(nGroups);
    const idx: Int32Array[] = withIndices ? new Array<Int32Array>(nGroups) : [];
    for (let i = 0; i < nGroups; i++) {
      const slot = call.groupSlot[first + i] as number;
      const n = placedPer[first + i] as number;
      const nodeNames = new Array<string>(n);
      for (let j = 0; j < n; j++) nodeNames[j] = (nodes[podNode[slot + j] as number] as CheckedNode).name;
      if (withIndices) idx[i] = podNode.slice(slot, slot + n);
      out.podsPlaced += n;
      groups[i] = { name: (gang.groups[i] as CheckedGroup).name, nodes: nodeNames };
    }
    if (withIndices) out.nodeIndices[k] = idx;
    out.gangs[k] = { name: gang.name, placed: true, groups, reason: null, code: null };
  }
  return out;
}
