// The memory layout both engines read: two arenas of flat typed arrays, each starting with an Int32
// header whose slots hold either a count or the byte offset (from the arena's start) of one array.
// assembly/assembly/layout.ts repeats these numbers for the AssemblyScript kernel; the parity suite
// fails if the two ever disagree.

/** The cluster arena: nodes, domains, labels, taints. Kept across calls by a snapshot. */
export const C = {
  N: 0,
  R: 1,
  L: 2,
  D: 3,
  FREE: 4, // f64 N*R thousandths still free (allocatable - allocated)
  ALLOC: 5, // f64 N*R allocatable
  FLAGS: 6, // i32 N: 1 cordoned, 2 removed
  RANK: 7, // i32 N: position in name order
  NODEDOM: 8, // i32 N*L: domain id at each level, -1 when the node lacks the label
  DOMSTART: 9, // i32 D: first node (nodes are ordered by domain path, then name)
  DOMEND: 10, // i32 D: one past the last node
  DOMLEVEL: 11, // i32 D
  LEVELDOM: 12, // i32 L+1: first domain id of each level
  // Labels are read only for nodeSelector and node affinity: an encoding made for calls without
  // either leaves them empty (every LABOFF 0), see ClusterEncoding's `labels`.
  LABOFF: 13, // i32 N+1
  LABKEY: 14, // i32
  LABVAL: 15, // i32
  LABNUM: 16, // f64: the value as an integer, NaN when it is not one
  TAINTOFF: 17, // i32 N+1
  TAINTKEY: 18,
  TAINTVAL: 19,
  TAINTEFF: 20, // 1 NoSchedule, 2 NoExecute
  HEADER: 24,
} as const;

/** The call arena: gangs, group shapes, scratch and results of one place() call. */
export const P = {
  K: 0,
  G: 1,
  T: 2,
  S: 3,
  PODS: 4,
  SPREAD: 5,
  NPREF: 6, // group shapes with node preferences (rows of PSCORE)
  NCAP: 7, // domain caps (domain-caps.ts)
  GANGORDER: 8, // i32 K: priority first, then input order
  GANGROOT: 9, // i32 K: tree node of the gang
  GANGGRP: 10, // i32 K+1: first group of each gang
  GCOUNT: 11,
  GMIN: 12,
  GSHAPE: 13,
  GTREE: 14, // i32 G: the group's leaf tree node
  GSLOT: 15, // i32 G: first pod slot
  GREQ: 16, // f64 G*R; resource 0 is `pods` (1000 per pod)
  TREQ: 17, // i32 T: required level or -1
  TPREF: 18, // i32 T: preferred level or -1
  TPARENT: 19,
  TCHOFF: 20, // i32 T+1
  TCHILD: 21, // i32 T
  TGROUP: 22, // i32 T: group of a leaf, -1 for gang and sub-group nodes
  TOLOFF: 23, // i32 S+1
  TOLKEY: 24, // -1: empty key (matches every key)
  TOLOP: 25, // 0 Equal, 1 Exists
  TOLVAL: 26,
  TOLEFF: 27, // 0 any, 1 NoSchedule, 2 NoExecute, 3 PreferNoSchedule
  SELOFF: 28, // i32 S+1
  SELKEY: 29,
  SELVAL: 30,
  TERMOFF: 31, // i32 S+1
  SAFF: 32, // i32 S: 1 when the shape has required node affinity
  EXPROFF: 33, // i32 terms+1
  EXPRKEY: 34,
  EXPROP: 35, // 0 In, 1 NotIn, 2 Exists, 3 DoesNotExist, 4 Gt, 5 Lt
  EXPRVOFF: 36, // i32 exprs+1
  EXPRVAL: 37,
  EXPRNUM: 38, // f64 exprs
  WFREE: 39, // f64 N*R scratch
  WDOM: 40, // f64 D*R scratch: free capacity per domain
  ELIG: 41, // u8 S*N scratch: node passes the shape's filters
  UNDO: 42, // i32 2*PODS
  TDEMAND: 43, // f64 T*R
  TNEED: 44, // i32 T
  TDOM: 45, // i32 T: chosen domain, -1 the whole cluster
  CID: 46, // i32 DEPTH*(D+1) candidate heaps per depth
  CKEY: 47, // f64 DEPTH*(D+1)
  HID: 48, // i32 N node heap
  HKEY: 49, // f64 N
  CAPT: 50, // f64 R cluster capacity per resource
  GPLACED: 51, // i32 2G out: pods placed per group (second half: the kernel's scratch, below)
  ELIGCOUNT: 52, // i32 S
  PODNODE: 53, // i32 2*PODS out: node of each pod slot, -1
  GANGOK: 54, // i32 2K out
  REASON: 55, // i32 2*K*REASON_SLOTS out
  // (The second half of GPLACED, PODNODE, GANGOK and REASON keeps the locality pass's answer while
  // the kernel runs the packing pass: see the engines' run()/solve().)
  STATS: 56, // i32 8 out: [0] attempts
  TFULL: 57, // f64 T*R: like TDEMAND for every wanted pod (count, not minCount)
  // Scratch of the repair steps (rip-up of earlier gangs, re-placing a gang for its full count).
  SAVE: 58, // i32 PODS: node of each pod slot of a gang taken out
  GSAVE: 59, // i32 G: pods placed per group of a gang taken out
  TSAVE: 60, // i32 T: chosen domains of a gang taken out
  RCAND: 61, // i32 D+1: candidate domains of a rip-up
  RKEY: 62, // f64 D+1
  VICTIM: 63, // i32 K: gangs taken out by a rip-up
  RSAVE: 64, // i32 REASON_SLOTS: the failed gang's reason, kept across rip-up attempts
  MSAVE: 65, // i32 G: minCounts while a gang is re-placed for its full count
  DCAP: 66, // f64 D: pods of the group being placed each domain holds (fill)
  PREF: 67, // i32 S: the shape's row of PSCORE, -1 when it prefers nothing
  PSCORE: 68, // f64 NPREF*N: each node's preference score (higher first); ELIG then has a scratch row S
  CAPGRP: 69, // i32 NCAP+1 offsets into itself, then each cap's groups
  CAPDOM: 70, // i32 NCAP*N: node's domain slot per cap, -1 no limit, -2 no pod; ELIG then has rows S and S+1
  CAPMAX: 71, // i32 2*slots: [2j] cap of slot j, [2j+1] pods counted (scratch)
  HEADER: 72,
} as const;

/** Depth of the gang tree: gang, sub-group, group. */
export const DEPTH = 3;
export const REASON_SLOTS = 10;

/** Reason codes written by the engines; the TS side turns them into text. */
export const R = {
  NONE: 0,
  /** [t, level, best fit, need]: no domain of the level holds the covered minimum. */
  SHORTFALL: 1,
  /** [t, level, domains that hold it, need] + an inner reason: nested constraints fail in each. */
  NESTED: 2,
  /** [t, scope level, placed, need]: a group's minimum does not fit its chosen domain. */
  LEAF: 3,
  /** [t, -1, 0, need]: no node passes the group's taints, selectors, affinity and cordon. */
  NO_NODE: 4,
} as const;

export const FLAG_CORDONED = 1;
export const FLAG_REMOVED = 2;

export type Kind = "i32" | "f64" | "u8";
export interface Section {
  slot: number;
  kind: Kind;
  length: number;
}

export interface Plan {
  headerSlots: number;
  sections: Section[];
  offsets: Map<number, number>;
  bytes: number;
}

const WIDTH: Record<Kind, number> = { i32: 4, f64: 8, u8: 1 };
const align8 = (n: number) => (n + 7) & ~7;

export function plan(headerSlots: number, sections: Section[]): Plan {
  let at = align8(headerSlots * 4);
  const offsets = new Map<number, number>();
  for (const s of sections) {
    offsets.set(s.slot, at);
    at = align8(at + Math.max(1, s.length) * WIDTH[s.kind]);
  }
  return { headerSlots, sections, offsets, bytes: at };
}

/** Typed views over one arena. Rebuild after anything that can grow wasm memory. */
export class ArenaViews {
  readonly hdr: Int32Array;
  constructor(
    readonly buffer: ArrayBuffer,
    readonly base: number,
    headerSlots: number,
  ) {
    this.hdr = new Int32Array(buffer, base, headerSlots);
  }
  i32(slot: number, length: number): Int32Array {
    return new Int32Array(this.buffer, this.base + (this.hdr[slot] as number), length);
  }
  f64(slot: number, length: number): Float64Array {
    return new Float64Array(this.buffer, this.base + (this.hdr[slot] as number), length);
  }
  u8(slot: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.base + (this.hdr[slot] as number), length);
  }
}

/** Writes the offsets of `p` into a fresh arena's header. */
export function writeHeader(v: ArenaViews, p: Plan): void {
  for (const [slot, off] of p.offsets) v.hdr[slot] = off;
}
