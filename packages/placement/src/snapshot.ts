// An incremental cluster for the scheduler: encoded once, then kept in step with small in-place
// updates (bind/free pods, cordon, remove) so each place() call only encodes its gangs. Adding a
// node, or asking for a resource the encoding lacks, re-encodes the cluster once, at the next place().
import type { WasmBuild } from "@grove-ts/placement-wasm";
import {
  amountOf,
  type CheckedGang,
  type CheckedLevel,
  type CheckedNode,
  checkGangs,
  checkNode,
  checkNodes,
  checkOptions,
  checkTopology,
  type Quantities,
} from "./check.js";
import { ClusterEncoding, FLAG_CORDONED, FLAG_REMOVED } from "./encode.js";
import { type Engine, type EngineName, engine } from "./engines.js";
import { PlacementProblemError } from "./errors.js";
import { releaseDomain } from "./preempt-attempt.js";
import { preemptGang } from "./preempt-js.js";
import { cachedQuantity, parseQuantity } from "./quantity.js";
import { needsLabels, placeEncoded, resourceNames } from "./solve.js";
import type {
  Gang,
  PlacementNode,
  PlacementOptions,
  PlacementResult,
  PreemptionResult,
  Quantity,
  RunningGang,
  Topology,
} from "./types.js";

export interface SnapshotOptions {
  /** "wasm" (default) or "js". */
  engine?: EngineName;
  wasmBuild?: WasmBuild;
}

export interface PlaceOptions extends PlacementOptions {
  /** Bind the placed pods into the snapshot, so the next place() sees them as allocated. Default false. */
  commit?: boolean;
}

export class PlacementSnapshot {
  private readonly levels: CheckedLevel[];
  private readonly nodes = new Map<string, CheckedNode>();
  private readonly eng: Engine;
  private encoding: ClusterEncoding | null = null;
  private dirty = true;
  private disposed = false;

  constructor(topology: Topology | undefined, nodes: PlacementNode[], options: SnapshotOptions = {}) {
    this.levels = checkTopology(topology);
    for (const n of checkNodes(nodes)) this.nodes.set(n.name, n);
    this.eng = engine(options.engine ?? "wasm", options.wasmBuild ?? "release");
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Adds a node (re-encodes the cluster at the next place()). */
  addNode(node: PlacementNode): void {
    const n = checkNode(node, "node");
    if (this.nodes.has(n.name))
      throw new PlacementProblemError("FieldValueDuplicate", "node.name", `node ${n.name} already exists`);
    this.nodes.set(n.name, n);
    this.dirty = true;
  }

  removeNode(name: string): void {
    this.node(name);
    this.nodes.delete(name);
    const x = this.encodedIndex(name);
    if (x !== undefined) this.encoding?.setFlag(x, FLAG_REMOVED, true);
  }

  /** Cordons (or uncordons) a node: a cordoned node gets no pod. */
  cordon(name: string, unschedulable = true): void {
    this.node(name).unschedulable = unschedulable;
    const x = this.encodedIndex(name);
    if (x !== undefined) this.encoding?.setFlag(x, FLAG_CORDONED, unschedulable);
  }

  /** Marks `pods` pods with these requests each as running on the node (allocated capacity). */
  bind(name: string, requests: Record<string, Quantity> = {}, pods = 1): void {
    this.adjust(name, requests, pods, 1);
  }

  /** The reverse of bind: the pods left the node. */
  free(name: string, requests: Record<string, Quantity> = {}, pods = 1): void {
    this.adjust(name, requests, pods, -1);
  }

  /**
   * Places gangs on the snapshot as it is now (same semantics and result as solve()). Only the gangs
   * are encoded. With `commit`, the placed pods are bound into the snapshot.
   */
  place(gangs: Gang[], options: PlaceOptions = {}): PlacementResult {
    if (this.disposed) throw new Error("the snapshot was disposed");
    const t0 = performance.now();
    const checked = checkGangs(gangs, this.levels);
    const spread = checkOptions(options).spread;
    const cluster = this.ensure(resourceNames([], checked), needsLabels(checked));
    const { result, decoded } = placeEncoded(
      this.eng,
      cluster,
      this.levels,
      checked,
      spread,
      t0,
      options.commit === true,
    );
    if (options.commit) {
      // Pods per node, group by group, nodes in order of first use (the order of the sums).
      const counts = this.counts(cluster.nodes.length);
      const touched: number[] = [];
      for (let k = 0; k < checked.length; k++) {
        const groups = (checked[k] as CheckedGang).groups;
        const perGroup = decoded.nodeIndices[k];
        if (perGroup === undefined) continue;
        for (let gi = 0; gi < groups.length; gi++) {
          const idx = perGroup[gi];
          if (idx === undefined || idx.length === 0) continue;
          touched.length = 0;
          for (let j = 0; j < idx.length; j++) {
            const x = idx[j] as number;
            if (counts[x] === 0) touched.push(x);
            counts[x] = (counts[x] as number) + 1;
          }
          const requests = (groups[gi] as CheckedGang["groups"][number]).requests;
          for (const x of touched) {
            const n = cluster.nodes[x] as CheckedNode;
            n.allocated = withAdded(n.allocated, requests, counts[x] as number, 1);
            cluster.adjustFree(x, requests, counts[x] as number, -1);
            counts[x] = 0;
          }
        }
      }
    }
    return result;
  }

  /**
   * Dry run: which candidates to evict, whole, so `gang` fits (all-or-nothing on its minimums,
   * constraints honoured); the snapshot is not changed. README, "Preemption".
   */
  preempt(gang: Gang, candidates: RunningGang[], options: PlacementOptions = {}): PreemptionResult {
    if (this.disposed) throw new Error("the snapshot was disposed");
    const checked = checkGangs([gang], this.levels, "gang");
    const spread = checkOptions(options).spread;
    const labels = needsLabels(checked);
    const cluster = this.ensure(resourceNames([], checked), labels);
    const ctx = { eng: this.eng, cluster, levels: this.levels, spread, labels };
    return preemptGang(ctx, checked[0] as CheckedGang, candidates);
  }

  /** Frees the engine memory held by the snapshot. */
  dispose(): void {
    if (this.encoding) {
      releaseDomain(this.encoding, this.eng);
      this.eng.release(this.encoding.region);
    }
    this.encoding = null;
    this.disposed = true;
  }

  private node(name: string): CheckedNode {
    const n = this.nodes.get(name);
    if (!n)
      throw new PlacementProblemError("FieldValueNotFound", "name", `unknown node ${JSON.stringify(name)}`);
    return n;
  }

  private encodedIndex(name: string): number | undefined {
    return this.dirty || !this.encoding ? undefined : this.encoding.indexOf(name);
  }

  private adjust(name: string, requests: Record<string, Quantity>, pods: number, sign: number): void {
    if (!Number.isInteger(pods) || pods < 0)
      throw new PlacementProblemError("FieldValueInvalid", "pods", `${pods} is not a pod count`);
    const names: string[] = [];
    const values: number[] = [];
    for (const r of Object.keys(requests))
      if (r !== "pods") {
        const q = requests[r];
        names.push(r);
        // The field path is built only when the quantity was never parsed (bind and free are hot).
        values.push(cachedQuantity(q) ?? parseQuantity(q, `requests[${r}]`));
      }
    this.adjustChecked(name, { names, values }, pods, sign);
  }

  private countScratch = new Int32Array(0);

  /** A zeroed count per node, reused from call to call (left zeroed after use). */
  private counts(n: number): Int32Array {
    if (this.countScratch.length < n) this.countScratch = new Int32Array(n);
    return this.countScratch;
  }

  /** `amounts`: per pod, without `pods`. */
  private adjustChecked(name: string, amounts: Quantities, pods: number, sign: number): void {
    const n = this.node(name);
    if (sign < 0)
      for (let j = 0; j <= amounts.names.length; j++) {
        const last = j === amounts.names.length;
        const r = last ? "pods" : (amounts.names[j] as string);
        const v = last ? 1000 : (amounts.values[j] as number);
        if ((amountOf(n.allocated, r) ?? 0) < v * pods)
          throw new PlacementProblemError(
            "FieldValueInvalid",
            `requests[${r}]`,
            `node ${name} has less ${r} allocated than freed`,
          );
      }
    n.allocated = withAdded(n.allocated, amounts, pods, sign);
    const x = this.encodedIndex(name);
    if (x !== undefined) this.encoding?.adjustFree(x, amounts, pods, -sign);
  }

  /** The encoded cluster, re-encoded when a node was added, a resource is new, or the call
   * filters by labels and the encoding has none (it then keeps them). */
  private ensure(needed: Set<string>, labels: boolean): ClusterEncoding {
    const have = this.encoding;
    if (have && !this.dirty && (have.labels || !labels)) {
      let all = true;
      for (const r of needed) if (!have.resourceIndex.has(r)) all = false;
      if (all) return have;
    }
    const nodes = [...this.nodes.values()];
    const resources = resourceNames(nodes, []);
    for (const r of needed) resources.add(r);
    if (have) for (const r of have.resources) resources.add(r);
    if (have) {
      releaseDomain(have, this.eng);
      this.eng.release(have.region);
    }
    this.encoding = null;
    this.encoding = new ClusterEncoding(
      this.levels,
      nodes,
      resources,
      this.eng,
      labels || have?.labels === true,
    );
    this.dirty = false;
    return this.encoding;
  }
}

/**
 * `q` plus `sign * pods` times the amounts and `pods` pod units, as a new object: quantities are
 * shared between nodes. Sums in the order amounts, then pods.
 */
function withAdded(q: Quantities, amounts: Quantities, pods: number, sign: number): Quantities {
  const names = q.names.slice();
  const values = q.values.slice();
  const add = (r: string, v: number) => {
    let i = names.indexOf(r);
    if (i < 0) i = names.push(r) - 1;
    values[i] = (values[i] ?? 0) + sign * v * pods;
  };
  for (let j = 0; j < amounts.names.length; j++) add(amounts.names[j] as string, amounts.values[j] as number);
  add("pods", 1000);
  return { names, values };
}

/** A snapshot of the cluster for repeated placement (see PlacementSnapshot). */
export function createSnapshot(
  topology: Topology | undefined,
  nodes: PlacementNode[],
  options: SnapshotOptions = {},
): PlacementSnapshot {
  return new PlacementSnapshot(topology, nodes, options);
}
