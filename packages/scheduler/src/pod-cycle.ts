// Pod constraints in one scheduling cycle (README "Pod constraints"): the cycle's view of placed
// pods (read once from the informer caches, then grown by the cycle's own bindings), each gang's
// translation for the solver (pod-constraints.ts), the placement call with the counted resources
// that translation adds, and the safety net before binding (pod-filters.ts).
import {
  type DomainCap,
  type Gang,
  type PlacementResult,
  solve,
  type TopologyLevel,
} from "@grove-ts/placement";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { mergeExtra } from "./claims-count.js";
import type { WorkGang } from "./gangs.js";
import type { ClusterView } from "./pending.js";
import { type Constrained, constrainGang, type ExtraCapacity } from "./pod-constraints.js";
import { checkPod, needsCheck, type PlacedPod, type PodWorld } from "./pod-filters.js";
import { anyPreferNoSchedule, withPreferences } from "./pod-preferences.js";
import { selfSoft, solveSoft } from "./pod-self-soft.js";
import { withSoftPreferences } from "./pod-soft.js";
import { compileTerm, type NamespaceLabels, podTerms, termMatches } from "./pod-terms.js";

export type { NamespaceLabels };

import type { Placer } from "./placer.js";

/** The placed pods and nodes as one cycle sees them. */
export class CycleWorld implements PodWorld {
  private list: PlacedPod[] | undefined;
  /** Placed by this cycle, maybe not yet assumed in the snapshot. */
  private readonly added: PlacedPod[] = [];
  private nodeList: Node[] | undefined;
  private pns: boolean | undefined;
  private anti: boolean | undefined;

  constructor(
    private readonly view: ClusterView,
    readonly namespaceLabels?: NamespaceLabels | undefined,
  ) {}

  node(name: string): Node | undefined {
    return this.view.snapshot.node(name);
  }

  nodes(): readonly Node[] {
    this.nodeList ??= this.view.nodes
      .list()
      .filter((n) => !n.metadata.deletionTimestamp && this.view.snapshot.node(n.metadata.name ?? ""));
    return this.nodeList;
  }

  placed(): readonly PlacedPod[] {
    if (!this.list) {
      const mine = new Set(this.added.map((b) => b.pod.metadata?.uid ?? b.pod));
      this.list = [];
      for (const pod of this.view.pods.list()) {
        const phase = pod.status?.phase;
        if (phase === "Succeeded" || phase === "Failed" || mine.has(pod.metadata.uid ?? "")) continue;
        const node = this.view.snapshot.boundNode(pod);
        if (node) this.list.push({ pod, node });
      }
      this.list.push(...this.added);
    }
    return this.list;
  }

  /** Some node has a PreferNoSchedule taint: groups then prefer the nodes whose taints they tolerate. */
  preferNoSchedule(): boolean {
    // Kept across cycles until a node changes once pod and node events are tracked (pod-tracker.ts).
    const facts = this.view.tracker.tracked ? this.view.tracker.nodeFacts : {};
    facts.preferNoSchedule ??= anyPreferNoSchedule(this.nodes());
    this.pns ??= facts.preferNoSchedule;
    return this.pns;
  }

  placedAntiAffinity(): boolean {
    // No pod with required anti-affinity exists: no pass over every placed pod.
    this.anti ??=
      this.view.tracker.mayHaveAntiAffinity() &&
      this.placed().some((e) => podTerms(e.pod).antiAffinity.length > 0);
    return this.anti;
  }

  /** Pods the cycle just placed (bound from now on as far as later gangs are concerned). */
  add(bindings: readonly PlacedPod[]): void {
    this.added.push(...bindings);
    this.list?.push(...bindings);
    if (this.anti === false && bindings.some((b) => podTerms(b.pod).antiAffinity.length > 0))
      this.anti = true;
  }
}

export class CyclePodConstraints {
  readonly world: CycleWorld;
  private readonly extras = new Map<string, ExtraCapacity>();
  private readonly notes = new Map<string, string[]>();
  /** Soft domain caps per gang name, tried first (pod-self-soft.ts). */
  private readonly soft = new Map<string, DomainCap[]>();
  private readonly touched = new Set<string>();
  private seq = 0;

  constructor(
    private readonly view: ClusterView,
    private readonly engine: "wasm" | "js" | undefined,
    namespaceLabels?: NamespaceLabels,
  ) {
    this.world = new CycleWorld(view, namespaceLabels);
  }

  /**
   * The node-label keys `w` is placed under: its constraints' keys; for a gang without any, the
   * keys of required (or preferred) pod affinity its own pods satisfy (no placed pod matches the
   * term, one of the gang's does), so that affinity can become a `required` (`preferred`)
   * constraint at that level.
   */
  keysFor(w: WorkGang): ReadonlySet<string> {
    if (w.keys.size > 0) return w.keys;
    const pods = w.groups.flatMap((g) => g.pending);
    const keys = new Set<string>();
    for (const g of w.groups) {
      const first = g.pending[0];
      if (!first) continue;
      const preferred =
        first.spec?.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      for (const t of [
        ...podTerms(first).affinity,
        ...preferred.map((w) => compileTerm(w.podAffinityTerm, first)),
      ]) {
        if (keys.has(t.topologyKey)) continue;
        const ns = this.world.namespaceLabels;
        if (!pods.some((p) => termMatches(t, p, ns))) continue;
        if (this.world.placed().some((e) => termMatches(t, e.pod, ns))) continue;
        keys.add(t.topologyKey);
      }
    }
    return keys.size > 0 ? keys : w.keys;
  }

  /** `gang` (of `w`) restricted by its pods' constraints, or why it cannot be placed now. */
  apply(w: WorkGang, gang: Gang, levels: readonly TopologyLevel[]): Constrained {
    // Where its pods' ResourceClaims can be used (claims.ts).
    const dra = this.view.claims?.constrain(w, gang, levels);
    if (dra?.unplaceable) return { gang, unplaceable: dra.unplaceable };
    const c = constrainGang(w, dra?.gang ?? gang, this.world, levels, this.seq++);
    if (dra?.extra) c.extra = mergeExtra(c.extra, dra.extra);
    if (c.gang !== gang) this.touched.add(gang.name);
    if (!c.unplaceable) {
      const firsts = new Map<string, Pod | undefined>();
      for (const x of [w, ...(w.companions ?? [])])
        for (const g of x.groups) firsts.set(g.name, g.pending[0]);
      c.gang = withPreferences(c.gang, (name) => firsts.get(name), this.world.preferNoSchedule());
      c.gang = withSoftPreferences(c.gang, (name) => firsts.get(name), this.world);
      const s = selfSoft(c.gang, (name) => firsts.get(name), this.world, levels);
      c.gang = s.gang;
      if (s.caps) this.soft.set(gang.name, s.caps);
      else this.soft.delete(gang.name);
    } else this.soft.delete(gang.name);
    if (c.extra) this.extras.set(gang.name, c.extra);
    else this.extras.delete(gang.name);
    if (c.notes) this.notes.set(gang.name, c.notes);
    else this.notes.delete(gang.name);
    return c;
  }

  /**
   * `placer` for this cycle: its own (incremental) call unless a gang of the call carries counted
   * resources, then one call from scratch on nodes that also offer them. "Unresolvable" is judged
   * on node allocatable alone; a gang whose nodes placed pods restricted can fit once they go, so
   * it comes back "Unschedulable" (retried on any cluster event).
   */
  wrap(placer: Placer): Pick<Placer, "place"> {
    return {
      place: (...args: Parameters<Placer["place"]>) => {
        const [levels, gangs, spread] = args;
        const extra = gangs.flatMap((g) => {
          const e = this.extras.get(g.name);
          return e ? [e] : [];
        });
        // Soft caps (the gang's pods' preferences about each other) first, never costing pods.
        const result = solveSoft(gangs, this.soft, (gs) =>
          extra.length === 0 ? placer.place(levels, gs, spread) : this.solveWith(levels, gs, extra, args),
        );
        for (const g of result.gangs) {
          if (g.placed) continue;
          if (g.code === "Unresolvable" && this.touched.has(g.name)) g.code = "Unschedulable";
          const notes = this.notes.get(g.name);
          if (notes) g.reason = `${g.reason ?? "not placed"}; pod constraints: ${notes.join("; ")}`;
        }
        return result;
      },
    };
  }

  private solveWith(
    levels: TopologyLevel[],
    gangs: Gang[],
    extra: ExtraCapacity[],
    args: readonly unknown[],
  ): PlacementResult {
    const nodes = this.view.snapshot.placementNodes().map((n) => {
      const add: Record<string, number> = {};
      for (const e of extra) Object.assign(add, e.get(n.name) ?? {});
      return { ...n, allocatable: { ...n.allocatable, ...add } };
    });
    // A third argument, when the placer takes one, is the Spread policy flag.
    const spread = args[2] === true;
    return solve(
      { ...(levels.length > 0 ? { topology: { levels } } : {}), nodes, gangs },
      { engine: this.engine ?? "wasm", ...(spread ? { spread } : {}) },
    );
  }

  /**
   * The safety net for `w` placed as `byName` (group name -> one node per pending pod). Pods of a
   * group are interchangeable, so the nodes of a group are handed to its pods in an order
   * kube-scheduler would accept one pod at a time (groups in turn, each pod taking the first of
   * its group's nodes that passes), and `byName` is rewritten in that order. Undefined when every
   * pod finds one; else why the first pod that finds none is refused.
   */
  checkGang(w: WorkGang, byName: Map<string, string[]>): string | undefined {
    const pods = w.groups.flatMap((gr) => gr.pending.slice(0, byName.get(gr.name)?.length ?? 0));
    if (!needsCheck(pods, this.world)) {
      // Unchecked, but later gangs of the cycle see them placed.
      for (const gr of w.groups)
        for (const [k, node] of (byName.get(gr.name) ?? []).entries()) {
          const pod = gr.pending[k];
          if (pod) this.world.add([{ pod, node }]);
        }
      return undefined;
    }
    const placed = [...this.world.placed()];
    const left = w.groups.map((gr) => [...(byName.get(gr.name) ?? [])]);
    const given: string[][] = w.groups.map(() => []);
    const added: PlacedPod[] = [];
    for (let progress = true; progress; ) {
      progress = false;
      w.groups.forEach((gr, i) => {
        const nodes = left[i] as string[];
        const got = given[i] as string[];
        const pod = gr.pending[got.length];
        if (nodes.length === 0 || !pod) return;
        const tried = new Set<string>();
        const j = nodes.findIndex((n) => {
          if (tried.has(n)) return false;
          tried.add(n);
          return checkPod(pod, n, placed, this.world) === undefined;
        });
        if (j < 0) return;
        const [node] = nodes.splice(j, 1) as [string];
        got.push(node);
        placed.push({ pod, node });
        added.push({ pod, node });
        progress = true;
      });
    }
    for (const [i, gr] of w.groups.entries()) {
      const nodes = left[i] as string[];
      const pod = gr.pending[(given[i] as string[]).length];
      if (nodes.length > 0 && pod)
        return `pod constraints: pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodes[0]}: ${checkPod(pod, nodes[0] as string, placed, this.world)}`;
    }
    w.groups.forEach((gr, i) => {
      if (byName.has(gr.name)) byName.set(gr.name, given[i] as string[]);
    });
    this.world.add(added);
    return undefined;
  }
}
