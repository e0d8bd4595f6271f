// The scheduler's incremental view of capacity: nodes as they are, and what every bound pod (or
// pod this scheduler has bound but not yet seen bound: "assumed", as kube-scheduler's cache does)
// takes from its node. Updated per informer event, so a scheduling cycle does no pass over pods.
import type { PlacementNode } from "@grove-ts/placement";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { podRequests, type Requests, toQuantities } from "./requests.js";

interface Usage {
  node: string;
  requests: Requests;
}

export const podKey = (namespace: string | undefined, name: string | undefined): string =>
  `${namespace ?? ""}/${name ?? ""}`;

/** A pod holds node capacity while bound and not finished. */
export function holdsCapacity(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== "Succeeded" && phase !== "Failed";
}

export class Snapshot {
  private readonly nodes = new Map<string, Node>();
  private readonly usage = new Map<string, Usage>();
  private readonly assumed = new Map<string, Usage>();
  /** Room held for a nominated pod (preemption.ts) while its victims terminate; not a binding. */
  private readonly reserved = new Map<string, Usage>();
  /** node -> resource -> milli-units in use (bound and assumed pods; "pods" counts pods x1000). */
  private readonly used = new Map<string, Requests>();
  private readonly listeners: ((node: string, requests: Requests, sign: 1 | -1) => void)[] = [];

  /** Called on every change of a node's usage: one pod with `requests` added (+1) or removed (-1). */
  onUsage(fn: (node: string, requests: Requests, sign: 1 | -1) => void): void {
    this.listeners.push(fn);
  }

  setNode(node: Node): void {
    this.nodes.set(node.metadata?.name ?? "", node);
  }

  deleteNode(name: string): void {
    this.nodes.delete(name);
  }

  node(name: string): Node | undefined {
    return this.nodes.get(name);
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  /** Records what a pod takes now (nothing when unbound or finished). */
  setPod(pod: Pod): void {
    const key = podKey(pod.metadata?.namespace, pod.metadata?.name);
    if (holdsCapacity(pod)) {
      // The informer caught up with our binding: the pod's own entry replaces the assumption.
      this.unassume(key);
      this.put(this.usage, key, { node: pod.spec?.nodeName ?? "", requests: safeRequests(pod) });
    } else {
      this.drop(this.usage, key);
      if (pod.spec?.nodeName) this.unassume(key);
    }
  }

  deletePod(namespace: string | undefined, name: string | undefined): void {
    const key = podKey(namespace, name);
    this.drop(this.usage, key);
    this.unassume(key);
  }

  /** A binding was sent; count the pod on `node` until the informer shows it bound (or gone). */
  assume(pod: Pod, node: string): void {
    const key = podKey(pod.metadata?.namespace, pod.metadata?.name);
    this.put(this.assumed, key, { node, requests: safeRequests(pod) });
  }

  unassume(key: string): void {
    this.drop(this.assumed, key);
  }

  /** Holds `requests` on `node` for a pod nominated there (counted as used; `boundNode` ignores it). */
  reserve(key: string, node: string, requests: Requests): void {
    this.put(this.reserved, key, { node, requests });
  }

  unreserve(key: string): void {
    this.drop(this.reserved, key);
  }

  /** The node a pod is bound or assumed to, if any. */
  boundNode(pod: Pod): string | undefined {
    if (pod.spec?.nodeName) return pod.spec.nodeName;
    return this.assumed.get(podKey(pod.metadata?.namespace, pod.metadata?.name))?.node;
  }

  /**
   * The placement contract's nodes, with `allocated` from bound and assumed pods. Nodes being
   * deleted are left out.
   */
  placementNodes(): PlacementNode[] {
    const out: PlacementNode[] = [];
    for (const [name, node] of this.nodes) {
      if (node.metadata?.deletionTimestamp) continue;
      const used = this.used.get(name) ?? new Map<string, number>();
      const allocatable = node.status?.allocatable ?? node.status?.capacity ?? {};
      out.push({
        name,
        labels: { ...(node.metadata?.labels ?? {}) },
        allocatable: { ...allocatable },
        allocated: toQuantities(used),
        unschedulable: node.spec?.unschedulable === true,
        taints: (node.spec?.taints ?? []).map((t) => ({
          key: t.key,
          ...(t.value !== undefined ? { value: t.value } : {}),
          effect: t.effect,
        })),
      });
    }
    return out;
  }

  private put(map: Map<string, Usage>, key: string, u: Usage): void {
    this.drop(map, key);
    map.set(key, u);
    this.adjust(u, +1);
  }

  private drop(map: Map<string, Usage>, key: string): void {
    const old = map.get(key);
    if (!old) return;
    map.delete(key);
    this.adjust(old, -1);
  }

  private adjust(u: Usage, sign: 1 | -1): void {
    let used = this.used.get(u.node);
    if (!used) {
      used = new Map();
      this.used.set(u.node, used);
    }
    for (const [k, v] of u.requests) used.set(k, (used.get(k) ?? 0) + sign * v);
    used.set("pods", (used.get("pods") ?? 0) + sign * 1000);
    for (const fn of this.listeners) fn(u.node, u.requests, sign);
  }
}

/** A malformed quantity must not break accounting; such a pod is refused at placement time instead. */
function safeRequests(pod: Pod): Requests {
  try {
    return podRequests(pod);
  } catch {
    return new Map();
  }
}
