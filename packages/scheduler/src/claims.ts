// Dynamic Resource Allocation in the gang scheduler (README "Dynamic resource allocation"), as
// kube-scheduler's DynamicResources plugin does it, per gang: a pod's ResourceClaims (named by
// `pod.spec.resourceClaims[].resourceClaimName`) limit where it goes: an allocated claim to the
// nodes of its allocation.nodeSelector, an unallocated one to the nodes where its devices can be
// allocated now (claims-alloc.ts); both become a node-affinity `metadata.name In` requirement on the
// pod's group. An unallocated claim whose devices are node-local and that several pods of a gang
// share keeps them on one node (a required constraint at the kubernetes.io/hostname level). Once
// placed, `reserve` chooses the devices on the chosen nodes (never devices another claim holds, nor
// one chosen earlier in the cycle) and the pods to add to status.reservedFor; claims-writer.ts
// writes that before any pod of the gang is bound, all or nothing. Claims made from a
// ResourceClaimTemplate are found through pod.status.resourceClaimStatuses (claims-refs.ts).
import type { Gang, PodGroup, TopologyLevel } from "@grove-ts/placement";
import type { Cache, KubeObject } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import {
  type Allocation,
  allocate,
  type Claim,
  claimKey,
  type Device,
  type DeviceClass,
  deviceKey,
  devicesOf,
  type NodeInfo,
  newer,
  type ReservedFor,
  type Slice,
  selectsNode,
  UnsupportedClaimError,
} from "./claims-alloc.js";
import { deviceDemand, deviceOffers, restrict } from "./claims-count.js";
import { claimNotCreated, claimRefs, notForPod, usesClaims } from "./claims-refs.js";
import type { WorkGang, WorkGroup } from "./gangs.js";
import { CAP_RESOURCE_PREFIX, type ExtraCapacity } from "./pod-constraints.js";

export const HOSTNAME_KEY = "kubernetes.io/hostname";
/** At most this many consumers per claim (resource.k8s.io/v1 ResourceClaimReservedForMaxSize). */
export const MAX_RESERVED_FOR = 256;
export const EventReasonUnsupportedClaim = "UnsupportedResourceClaim";

export { claimRefs };

const podName = (p: Pod): string => `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;
const hasClaims = (w: WorkGang): boolean => w.groups.some((g) => g.pending.some(usesClaims));

/** What the cycle decided for one claim, not yet written. */
export interface Plan {
  key: string;
  /** Set when this cycle allocates the claim. */
  allocation?: Allocation | undefined;
  /** Pods to add to status.reservedFor, with the gang (queue key) each came with. */
  add: { ref: ReservedFor; gang: string }[];
}

type Feasible = { nodes: Set<string> | "all"; reason?: string | undefined };

export interface ClaimCaches {
  claims: Cache<Claim>;
  slices: Cache<Slice>;
  classes: Cache<DeviceClass>;
  nodes: Cache<Node & KubeObject>;
}

export class Claims {
  /** Claims as we last wrote them, until the informer shows that version or a later one. */
  private readonly written = new Map<string, Claim>();
  /** This cycle's decisions (claimKey -> plan) and the devices they take. */
  planned = new Map<string, Plan>();
  private plannedTaken = new Set<string>();
  private cycleTaken: Set<string> | undefined;
  private cycleDevices: Device[] | undefined;
  private byNode: Map<string, Device[]> | undefined;
  private floatingDevices: Device[] | undefined;
  /** cycleTaken and plannedTaken together. */
  private takenAll: Set<string> | undefined;
  private cycleNodes: NodeInfo[] | undefined;
  private readonly feasible = new Map<string, Feasible>();
  private readonly warned = new Set<string>();
  /** Makes each call's counted resource name unique. */
  private seq = 0;

  constructor(
    readonly caches: ClaimCaches,
    private readonly warn: (pod: Pod, message: string) => void,
  ) {}

  /** A new cycle: forget the last one's decisions and views. */
  begin(): void {
    this.planned = new Map();
    this.plannedTaken = new Set();
    this.cycleTaken = undefined;
    this.cycleDevices = undefined;
    this.byNode = undefined;
    this.floatingDevices = undefined;
    this.takenAll = undefined;
    this.cycleNodes = undefined;
    this.feasible.clear();
  }

  /** The freshest claim we know: our own write until the informer caught up with it. */
  claim(namespace: string, name: string): Claim | undefined {
    const cached = this.caches.claims.get(name, namespace);
    const mine = this.written.get(`${namespace}/${name}`);
    if (!mine) return cached;
    if (cached && newer(cached, mine)) {
      this.written.delete(`${namespace}/${name}`);
      return cached;
    }
    return cached?.metadata.uid === mine.metadata.uid ? mine : cached;
  }

  /** Records what we wrote (claims-writer.ts). */
  wrote(c: Claim): void {
    this.written.set(claimKey(c), c);
  }

  /** The informer's view changed: drop our copy when it is no newer. */
  seen(c: Claim): void {
    const mine = this.written.get(claimKey(c));
    if (mine && newer(c, mine)) this.written.delete(claimKey(c));
  }

  private devices(): Device[] {
    this.cycleDevices ??= devicesOf(this.caches.slices.list());
    return this.cycleDevices;
  }

  /** The devices `node` may reach: its own and those of slices not bound to one node. */
  private devicesFor(node: string): Device[] {
    if (!this.byNode) {
      this.byNode = new Map();
      const floating: Device[] = [];
      for (const d of this.devices())
        if (d.nodeName === undefined) floating.push(d);
        else this.byNode.set(d.nodeName, [...(this.byNode.get(d.nodeName) ?? []), d]);
      this.floatingDevices = floating;
    }
    return [...(this.byNode.get(node) ?? []), ...(this.floatingDevices ?? [])];
  }

  private nodes(): NodeInfo[] {
    this.cycleNodes ??= this.caches.nodes
      .list()
      .filter((n) => !n.metadata.deletionTimestamp)
      .map((n) => ({ name: n.metadata.name ?? "", labels: n.metadata.labels ?? {} }));
    return this.cycleNodes;
  }

  private nodeInfo(name: string): NodeInfo {
    const n = this.caches.nodes.get(name);
    return { name, labels: n?.metadata.labels ?? {} };
  }

  /** Devices allocated to claims (the informer's view and our writes) and chosen this cycle. */
  private taken(): Set<string> {
    if (!this.cycleTaken) {
      this.cycleTaken = new Set();
      for (const c of this.caches.claims.list()) {
        const cur = this.claim(c.metadata.namespace ?? "", c.metadata.name ?? "");
        for (const r of cur?.status?.allocation?.devices.results ?? []) this.cycleTaken.add(deviceKey(r));
      }
      for (const c of this.written.values())
        if (!this.caches.claims.get(c.metadata.name ?? "", c.metadata.namespace))
          for (const r of c.status?.allocation?.devices.results ?? []) this.cycleTaken.add(deviceKey(r));
    }
    this.takenAll ??= new Set([...this.cycleTaken, ...this.plannedTaken]);
    return this.takenAll;
  }

  private allocation(c: Claim): Allocation | undefined {
    return this.planned.get(claimKey(c))?.allocation ?? c.status?.allocation;
  }

  /** Where `c` can be used now; its reason when nowhere. */
  private where(c: Claim, pod: Pod): Feasible {
    const key = claimKey(c);
    const hit = this.feasible.get(key);
    if (hit) return hit;
    let f: Feasible;
    const alloc = this.allocation(c);
    if (alloc) {
      const sel = alloc.nodeSelector?.nodeSelectorTerms;
      f = {
        nodes: sel
          ? new Set(
              this.nodes()
                .filter((n) => selectsNode(sel, n))
                .map((n) => n.name),
            )
          : "all",
      };
      if (f.nodes !== "all" && f.nodes.size === 0)
        f.reason = `ResourceClaim ${key} is allocated on a node that does not exist`;
    } else {
      const nodes = new Set<string>();
      let reason: string | undefined;
      const classes = (n: string) => this.caches.classes.get(n);
      const taken = this.taken();
      try {
        for (const n of this.nodes()) {
          const r = allocate(c, n, { devices: this.devicesFor(n.name), classes, taken });
          if (typeof r === "string") reason ??= r;
          else nodes.add(n.name);
        }
      } catch (err) {
        if (!(err instanceof UnsupportedClaimError)) throw err;
        reason = err.message;
        if (!this.warned.has(`${key}:${reason}`)) {
          this.warned.add(`${key}:${reason}`);
          this.warn(pod, reason);
        }
      }
      f = {
        nodes,
        reason:
          nodes.size === 0 ? `cannot allocate ${reason ?? `ResourceClaim ${key}: no nodes`}` : undefined,
      };
    }
    this.feasible.set(key, f);
    return f;
  }

  /**
   * Unallocated claims of `w` shared by several of its pending pods whose devices would be
   * node-local: claim key -> the group names using it.
   */
  private shared(w: WorkGang): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const [k, u] of this.users(w)) if (u.pods > 1 && !this.floating(u.claim)) out.set(k, u.groups);
    return out;
  }

  /** The unallocated claims of `w`'s pending pods: how many pods and which groups use each. */
  private users(w: WorkGang): Map<string, { groups: Set<string>; pods: number; claim: Claim }> {
    const users = new Map<string, { groups: Set<string>; pods: number; claim: Claim }>();
    for (const x of [w, ...(w.companions ?? [])])
      for (const g of x.groups)
        for (const p of g.pending)
          for (const name of claimRefs(p)) {
            const c = this.claim(x.namespace, name);
            if (!c || this.allocation(c)) continue;
            const u = users.get(claimKey(c)) ?? { groups: new Set(), pods: 0, claim: c };
            u.groups.add(g.name);
            u.pods++;
            users.set(claimKey(c), u);
          }
    return users;
  }

  /** Can `c` be allocated with devices reachable from every node only (then it pins nothing)? */
  private floating(c: Claim): boolean {
    const any = this.nodes()[0];
    if (!any) return false;
    try {
      const a = {
        devices: this.devicesFor(any.name),
        classes: (n: string) => this.caches.classes.get(n),
        taken: this.taken(),
      };
      return typeof allocate(c, any, { ...a, floatingOnly: true }) !== "string";
    } catch {
      return false;
    }
  }

  /** The gang's level keys with kubernetes.io/hostname added when a shared claim pins pods to one node. */
  withKeys(keys: ReadonlySet<string>, w: WorkGang): ReadonlySet<string> {
    if (keys.has(HOSTNAME_KEY) || !hasClaims(w) || this.shared(w).size === 0) return keys;
    return new Set([...keys, HOSTNAME_KEY]);
  }

  /** `gang` (of `w`) restricted to where its pods' claims can be used, or why it cannot be placed now. */
  constrain(
    w: WorkGang,
    gang: Gang,
    levels: readonly TopologyLevel[],
  ): { gang: Gang; unplaceable?: string; extra?: ExtraCapacity } {
    if (!hasClaims(w) && !w.companions?.some(hasClaims)) return { gang };
    // Claims of one pod each: their devices counted by the solver (claims-count.ts).
    const users = this.users(w);
    const own = new Map<string, Claim>();
    const classes = (n: string) => this.caches.classes.get(n);
    const resource = `${CAP_RESOURCE_PREFIX}dra${this.seq++}`;
    const work = new Map<string, { g: WorkGroup; ns: string }>();
    for (const x of [w, ...(w.companions ?? [])])
      for (const g of x.groups) work.set(g.name, { g, ns: x.namespace });
    const groups: PodGroup[] = [];
    for (const pg of gang.groups) {
      const wg = work.get(pg.name);
      let allowed: Set<string> | undefined;
      let demand = 0;
      for (const pod of wg?.g.pending ?? []) {
        let d = 0;
        const waiting = claimNotCreated(pod);
        if (waiting) return { gang, unplaceable: `pod ${podName(pod)}: ${waiting}` };
        for (const name of claimRefs(pod)) {
          const c = this.claim(wg?.ns ?? "", name);
          if (!c)
            return {
              gang,
              unplaceable: `pod ${podName(pod)}: ResourceClaim ${wg?.ns}/${name} does not exist`,
            };
          const other = notForPod(pod, name, c);
          if (other) return { gang, unplaceable: `pod ${podName(pod)}: ${other}` };
          if (c.metadata.deletionTimestamp)
            return {
              gang,
              unplaceable: `pod ${podName(pod)}: ResourceClaim ${claimKey(c)} is being deleted`,
            };
          const reserved = c.status?.reservedFor ?? [];
          if (reserved.length >= MAX_RESERVED_FOR && !reserved.some((r) => r.uid === pod.metadata?.uid))
            return {
              gang,
              unplaceable: `pod ${podName(pod)}: ResourceClaim ${claimKey(c)} is reserved for ${MAX_RESERVED_FOR} consumers already`,
            };
          const f = this.where(c, pod);
          if (f.reason) return { gang, unplaceable: `pod ${podName(pod)}: ${f.reason}` };
          if (users.get(claimKey(c))?.pods === 1) {
            own.set(claimKey(c), c);
            d += deviceDemand(c, classes);
          }
          if (f.nodes === "all") continue;
          const fn = f.nodes;
          allowed = allowed ? new Set([...allowed].filter((n) => fn.has(n))) : new Set(fn);
          if (allowed.size === 0)
            return {
              gang,
              unplaceable: `pod ${podName(pod)}: no node can use all of its ResourceClaims (last: ${claimKey(c)})`,
            };
        }
        demand = Math.max(demand, d);
      }
      const out = allowed ? restrict(pg, [...allowed].sort()) : pg;
      groups.push(demand > 0 ? { ...out, requests: { ...(out.requests ?? {}), [resource]: demand } } : out);
    }
    const pinned = this.pin({ ...gang, groups }, w, levels);
    if (own.size === 0) return { gang: pinned };
    const offers = deviceOffers(
      resource,
      [...own.values()],
      this.devices(),
      this.taken(),
      this.nodes(),
      classes,
    );
    return { gang: pinned, extra: offers };
  }

  /** Groups sharing an unallocated node-local claim: required together on one node. */
  private pin(gang: Gang, w: WorkGang, levels: readonly TopologyLevel[]): Gang {
    const level = levels.find((l) => l.key === HOSTNAME_KEY);
    const shared = this.shared(w);
    if (!level || shared.size === 0) return gang;
    const one = { required: level.domain };
    const together = new Set<string>();
    for (const gs of shared.values()) for (const g of gs) together.add(g);
    if (together.size === 1)
      return {
        ...gang,
        groups: gang.groups.map((g) =>
          together.has(g.name) ? { ...g, constraint: { ...g.constraint, ...one } } : g,
        ),
      };
    const inSub = (gang.subGroups ?? []).some((s) => s.groups.some((g) => together.has(g)));
    if (inSub) return { ...gang, constraint: { ...gang.constraint, ...one } };
    return {
      ...gang,
      subGroups: [
        ...(gang.subGroups ?? []),
        { name: `${w.namespace}/claims:${w.key}`, groups: [...together], constraint: one },
      ],
    };
  }

  /**
   * Devices and reservations for `w` placed as `byName` (group name -> node per pending pod), added
   * to this cycle's plans; or why not (nothing planned then).
   */
  reserve(w: WorkGang, byName: ReadonlyMap<string, readonly string[]>): string | undefined {
    if (!hasClaims(w)) return undefined;
    const local = new Map<string, Plan>();
    const localTaken = new Set<string>();
    for (const gr of w.groups)
      for (const [k, node] of (byName.get(gr.name) ?? []).entries()) {
        const pod = gr.pending[k];
        if (!pod) continue;
        for (const name of claimRefs(pod)) {
          const c = this.claim(w.namespace, name);
          const key = `${w.namespace}/${name}`;
          if (!c) return `pod ${podName(pod)}: ResourceClaim ${key} does not exist`;
          const base = this.planned.get(key);
          const plan = local.get(key) ?? { key, allocation: base?.allocation, add: [] };
          local.set(key, plan);
          const alloc = plan.allocation ?? c.status?.allocation;
          if (alloc) {
            const sel = alloc.nodeSelector?.nodeSelectorTerms;
            if (sel && !selectsNode(sel, this.nodeInfo(node)))
              return `pod ${podName(pod)}: ResourceClaim ${key} is allocated on other nodes than ${node}`;
          } else {
            let r: Allocation | string;
            try {
              const base = this.taken();
              const taken = { has: (k: string) => base.has(k) || localTaken.has(k) };
              r = allocate(c, this.nodeInfo(node), {
                devices: this.devicesFor(node),
                classes: (n) => this.caches.classes.get(n),
                taken,
              });
            } catch (err) {
              r = (err as Error).message;
            }
            if (typeof r === "string") return `pod ${podName(pod)} on node ${node}: cannot allocate ${r}`;
            plan.allocation = r;
            for (const d of r.devices.results) localTaken.add(deviceKey(d));
          }
          const uid = pod.metadata?.uid ?? "";
          const reserved = [
            ...(c.status?.reservedFor ?? []),
            ...(base?.add ?? []).map((a) => a.ref),
            ...plan.add.map((a) => a.ref),
          ];
          if (reserved.some((r) => r.uid === uid)) continue;
          if (reserved.length >= MAX_RESERVED_FOR)
            return `pod ${podName(pod)}: ResourceClaim ${key} is reserved for ${MAX_RESERVED_FOR} consumers already`;
          plan.add.push({ ref: { resource: "pods", name: pod.metadata?.name ?? "", uid }, gang: w.key });
        }
      }
    for (const [key, p] of local) {
      const base = this.planned.get(key);
      this.planned.set(key, { key, allocation: p.allocation, add: [...(base?.add ?? []), ...p.add] });
      if (!base?.allocation)
        for (const d of p.allocation?.devices.results ?? []) {
          this.plannedTaken.add(deviceKey(d));
          this.takenAll?.add(deviceKey(d));
        }
      this.feasible.delete(key);
    }
    // Other claims' feasible nodes were computed before these devices were taken.
    if (localTaken.size > 0) this.feasible.clear();
    return undefined;
  }
}
