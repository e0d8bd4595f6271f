// One scheduling cycle (kube-scheduler's scheduling cycle, for gangs): look at the pending gangs
// (ClusterView), take the ones the queue handed out, place them with one solver call per distinct
// topology (gangs without constraints join the first), and assume every placed pod on its node in
// the capacity snapshot, so the next pass, batch and cycle see the room taken before the binder's
// requests land. It decides; it binds nothing and writes no PodGang status itself.
//
// Surplus and waiting gangs (README): while node changes have not settled and some gang waits for
// its minimum, a cycle places minimums only; the surplus is tried again once the burst settles,
// together with the waiting gangs, where the solver puts every minimum first.
import { AnnotationTopologyName, LabelKaiQueue } from "@grove-ts/api";
import {
  type Gang,
  type GangPlacement,
  PlacementProblemError,
  type PlacementResult,
  type TopologyLevel,
} from "@grove-ts/placement";
import type { Logger } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Binding } from "./binder.js";
import { GangBuildError, type WorkGang } from "./gangs.js";
import type { GangSchedulerMetrics } from "./metrics.js";
import { NVLINK_DOMAIN_KEY, withNvlinkKey } from "./mnnvl.js";
import type { ClusterView } from "./pending.js";
import type { Placer } from "./placer.js";
import { CyclePodConstraints, type NamespaceLabels } from "./pod-cycle.js";
import { gangPolicy, type PolicyOptions } from "./policies.js";
import type { Preemption, Unfit } from "./preemption.js";
import type { FailureCode, Outcome } from "./queue.js";
import { QueueShares } from "./queue-share.js";
import { spreadReplicas } from "./replica-spread.js";
import type { StatusWriter } from "./status-writer.js";
import { levelsFor } from "./topology.js";

export interface CycleOptions extends PolicyOptions {
  /** Quiet time after a node change before surplus is placed while a gang waits. Default 500. */
  surplusSettleMs?: number | undefined;
  /** Cap on one burst's surplus hold, from its first node change. Default 3000. */
  surplusSettleMaxMs?: number | undefined;
  metrics?: GangSchedulerMetrics | undefined;
  /** The solver engine, for calls that carry pod constraints (pod-cycle.ts). */
  engine?: "wasm" | "js" | undefined;
  /** Namespace labels, for pod affinity terms with a namespaceSelector. */
  namespaceLabels?: NamespaceLabels | undefined;
  /** Priority preemption for gangs that do not fit (preemption.ts); none: no preemption. */
  preemption?: Preemption | undefined;
  log: Logger;
}

export interface CycleResult {
  /** Per gang key tried: how it went (gangs not ready to place have none). */
  outcomes: Map<string, Outcome>;
  /** Placed and assumed pods, for the binder. */
  bindings: Binding[];
  /** Gangs to try again without waiting for an event: scaled gangs whose base was just placed. */
  next: string[];
  /** Surplus was held back: try these keys again in `afterMs`. */
  hold?: { keys: string[]; afterMs: number };
}

type Item = { w: WorkGang; gang: Gang };

/** The solver's per-gang code; a result without one (another producer) counts as Unschedulable. */
const codeOf = (res: GangPlacement): FailureCode => res.code ?? "Unschedulable";

export class Cycle {
  /** First and last node change of the current burst (see `surplusSettleMs`). */
  private nodeBurstStart: number | undefined;
  private lastNodeChange: number | undefined;
  /** The current cycle's pod constraints (pod-cycle.ts). */
  private pc!: CyclePodConstraints;
  /** This cycle's gangs that did not fit now (Unschedulable): preemption's candidates. */
  private unfit: Unfit[] = [];
  /**
   * What the nodes' labels say, kept until a node changes (nodeChanged): distinct values per key
   * (topology.ts) and whether any node has an NVLink domain (mnnvl.ts). A cycle then reads the
   * nodes only when they changed, not once per gang.
   */
  private readonly distinctValues = new Map<string, number>();
  private nvlinkNodes: boolean | undefined;

  constructor(
    private readonly view: ClusterView,
    private readonly placer: Placer,
    private readonly status: StatusWriter,
    private readonly options: CycleOptions,
  ) {}

  /** A node was added, deleted, uncordoned, re-tainted, relabelled or resized. */
  nodeChanged(now = Date.now()): void {
    this.distinctValues.clear();
    this.nvlinkNodes = undefined;
    const quiet = this.options.surplusSettleMs ?? 500;
    if (this.lastNodeChange === undefined || now - this.lastNodeChange >= quiet) this.nodeBurstStart = now;
    this.lastNodeChange = now;
  }

  /** When the current node burst counts as settled (0: no burst seen). */
  settledAt(): number {
    if (this.lastNodeChange === undefined || this.nodeBurstStart === undefined) return 0;
    return Math.min(
      this.lastNodeChange + (this.options.surplusSettleMs ?? 500),
      this.nodeBurstStart + (this.options.surplusSettleMaxMs ?? 3000),
    );
  }

  /** Places the gangs among `keys` that are ready (lone pods' keys of pods in a PodGang count for it). */
  async run(keys: readonly string[]): Promise<CycleResult> {
    const pending = this.view.collect();
    const active = new Set<string>();
    for (const k of keys) {
      active.add(k);
      const gang = k.startsWith("pod:") ? pending.gangOf.get(k.slice(4)) : undefined;
      if (gang) active.add(gang);
    }
    const out: CycleResult = { outcomes: new Map(), bindings: [], next: [] };
    let work: WorkGang[] = [];
    // KAI's Queues served: their order across queues and their limits (queue-share.ts).
    const shares = QueueShares.of(this.view);
    for (const w of shares ? shares.order(pending.ready) : pending.ready) {
      if (!active.has(w.key)) continue;
      // KAI's Queue served: a gang whose pods name a queue that does not exist waits for it.
      const queue = this.view.missingQueue(w);
      const admitted = queue === undefined ? (shares?.admit(w) ?? { gang: w }) : undefined;
      if (admitted && "gang" in admitted) work.push(admitted.gang);
      else
        await this.failed(
          w,
          admitted?.refused.message ?? `queue "${queue}" (label ${LabelKaiQueue}) does not exist`,
          "Unschedulable",
          out,
        );
    }
    // One spreading replica of a PCS per cycle, kept off the domains the others took (first try).
    const spread = spreadReplicas(this.view, work);
    work = spread.work;
    out.next.push(...spread.deferred);
    if (work.length === 0) return out;
    this.pc = new CyclePodConstraints(this.view, this.options.engine, this.options.namespaceLabels);
    // Room held for a nominated gang (preemption.ts) is its own to place into, and it goes first.
    this.unfit = [];
    if (this.options.preemption) {
      // Room held for a lower-priority nomination is lent to a higher gang; the rest waits a cycle.
      const r = this.options.preemption.release(work);
      work = r.work;
      out.next.push(...r.deferred);
    }
    // "Waits" is over every ready gang, not only this batch's: one parked or backing off still
    // keeps its claim on new nodes before anyone's surplus.
    const settled = this.settledAt();
    const now = Date.now();
    if (now < settled && pending.ready.some((w) => w.groups.some((g) => g.neededMin > 0))) {
      // Only the gangs whose surplus waits come back for it; the waiting gangs go by their outcome.
      const held = work.filter((w) => w.groups.some((g) => g.pending.length > g.neededMin));
      if (held.length > 0) out.hold = { keys: held.map((w) => w.key), afterMs: settled - now };
      work = work.flatMap((w) => {
        const groups = w.groups.map((g) => ({ ...g, pending: g.pending.slice(0, g.neededMin) }));
        return groups.some((g) => g.pending.length > 0) ? [{ ...w, groups }] : [];
      });
    }
    for (const b of await this.batches(work, out)) {
      // Keep the gang order inside a batch (base before scaled, older first).
      b.items.sort((x, y) => work.indexOf(x.w) - work.indexOf(y.w));
      let items: Item[] = b.items;
      // Pass 1: every gang, scaled gangs within their base's domains, a base gang together with its
      // waiting scaled gangs; pass 2: what pass 1 left of those scaled gangs, anywhere their own
      // constraints allow (scale-out is best-effort, §15.8), and those base gangs alone; pass 3: a
      // spreading replica that found no unused domain, in a used one.
      for (let pass = 1; pass <= 3 && items.length > 0; pass++) {
        let result: PlacementResult;
        try {
          result = this.pc.wrap(this.placer).place(
            b.levels,
            items.map((i) => i.gang),
            b.spread,
          );
        } catch (err) {
          this.options.log.error("placement failed", { error: err, gangs: items.length });
          for (const i of items) {
            this.options.metrics?.scheduleAttempt("error");
            out.outcomes.set(i.w.key, "Error");
          }
          this.placer.drop(b.levels);
          break;
        }
        const before = out.bindings.length;
        const again = await this.take(items, result, out, b.levels);
        // Assumed at once: the next pass, batch and cycle count these pods before their bindings
        // land (the usage hook also binds them into every placement snapshot).
        for (const bd of out.bindings.slice(before)) this.view.snapshot.assume(bd.pod, bd.node);
        items = [];
        for (const w of again) {
          try {
            const c = this.pc.apply(w, this.placer.toGang(w, b.levels), b.levels);
            if (c.unplaceable) await this.failed(w, c.unplaceable, "Unschedulable", out);
            else items.push({ w, gang: c.gang });
          } catch (err) {
            await this.failed(w, `invalid gang: ${(err as Error).message}`, "Error", out);
          }
        }
      }
    }
    // Gangs waiting on what was just placed (scaled gangs on their base) get their turn next.
    const placed = new Set(out.bindings.map((b) => b.gang));
    for (const f of (await this.options.preemption?.after(work, placed, this.unfit)) ?? [])
      await this.failed(f.w, f.message, "Unschedulable", out, false);
    for (const k of placed) out.next.push(...(pending.waitingFor.get(k) ?? []));
    return out;
  }

  /**
   * One placement call per distinct topology, in gang order. Group names must be unique in a call:
   * PodGangs that share a PodGroup name (made by hand) are refused one by one rather than failing
   * the call.
   */
  private async batches(
    work: WorkGang[],
    out: CycleResult,
  ): Promise<{ levels: TopologyLevel[]; spread: boolean; items: Item[] }[]> {
    const bindingList = this.view.bindings.list();
    let listed: Node[] | undefined;
    const nodeList = () => {
      listed ??= this.view.nodes.list();
      return listed;
    };
    this.nvlinkNodes ??= nodeList().some((n) => n.metadata?.labels?.[NVLINK_DOMAIN_KEY] !== undefined);
    const nvlinkNodes = this.nvlinkNodes ? nodeList() : [];
    const batches: { levels: TopologyLevel[]; spread: boolean; items: Item[] }[] = [];
    const bySig = new Map<string, (typeof batches)[number]>();
    const free: (Item & { spread: boolean })[] = [];
    const groupNames = new Set<string>();
    for (const w of work) {
      const clash = w.groups.find((g) => groupNames.has(g.name));
      if (clash) {
        await this.failed(
          w,
          `invalid gang: PodGroup ${clash.podGroup} is also in another PodGang`,
          "Error",
          out,
        );
        continue;
      }
      for (const g of w.groups) groupNames.add(g.name);
      const keys = withNvlinkKey(this.pc.keysFor(w), w, nvlinkNodes);
      const levels = levelsFor(
        this.view.claims?.withKeys(keys, w) ?? keys,
        w.podGang?.metadata?.annotations?.[AnnotationTopologyName],
        bindingList,
        nodeList,
        this.distinctValues,
      );
      let gang: Gang;
      try {
        const c = this.pc.apply(w, this.placer.toGang(w, levels), levels);
        if (c.unplaceable) {
          await this.failed(w, c.unplaceable, "Unschedulable", out);
          continue;
        }
        gang = c.gang;
      } catch (err) {
        const msg =
          err instanceof PlacementProblemError || err instanceof GangBuildError ? err.message : String(err);
        await this.failed(w, `invalid gang: ${msg}`, "Error", out);
        continue;
      }
      // The profile's policy: a Spread gang and a BinPack gang never share a call.
      const spread = gangPolicy(w, this.options) === "Spread";
      if (levels.length === 0) {
        free.push({ w, gang, spread });
        continue;
      }
      const sig = JSON.stringify([levels, spread]);
      let b = bySig.get(sig);
      if (!b) {
        b = { levels, spread, items: [] };
        bySig.set(sig, b);
        batches.push(b);
      }
      b.items.push({ w, gang });
    }
    // Gangs without constraints ride along with the first call of their policy.
    for (const { w, gang, spread } of free) {
      let b = batches.find((x) => x.spread === spread);
      if (!b) {
        b = { levels: [], spread, items: [] };
        batches.push(b);
      }
      b.items.push({ w, gang });
    }
    return batches;
  }

  /**
   * The bindings of one result; a gang tried `within` its base's domains that did not place whole
   * comes back as the gang still to place (its placed pods now bound), to be tried again
   * unrestricted, and so does a base gang whose try with its scaled gangs failed.
   */
  private async take(
    items: Item[],
    result: PlacementResult,
    out: CycleResult,
    levels: TopologyLevel[],
  ): Promise<WorkGang[]> {
    const again: WorkGang[] = [];
    const bind = (w: WorkGang, pod: Pod | undefined, node: string | undefined) => {
      if (pod && node) out.bindings.push({ pod, node, gang: w.key });
    };
    for (const [i, res] of result.gangs.entries()) {
      const item = items[i];
      if (!item) continue;
      const w = item.w;
      if (w.companions?.length && !res.placed) {
        again.push({ ...w, companions: undefined });
        continue;
      }
      // Replica spreading is a preference: no unused domain holds it, so a used one may.
      if (w.avoid && !res.placed) {
        again.push({ ...w, avoid: undefined });
        continue;
      }
      const byName = new Map(res.placed ? res.groups.map((g) => [g.name, g.nodes]) : []);
      const short = w.groups.some((gr) => (byName.get(gr.name)?.length ?? 0) < gr.pending.length);
      // The safety net: a placement breaking a pod constraint is not bound (pod-filters.ts).
      const unsafe = res.placed ? this.pc.checkGang(w, byName) : undefined;
      if (unsafe) {
        await this.failed(w, unsafe, "Unschedulable", out);
        continue;
      }
      // DRA: devices for the pods' claims on the chosen nodes, written before binding (claims.ts).
      const unclaimed = res.placed ? this.view.claims?.reserve(w, byName) : undefined;
      if (unclaimed) {
        await this.failed(w, unclaimed, "Unschedulable", out);
        continue;
      }
      if (w.within && short) {
        for (const gr of w.groups)
          (byName.get(gr.name) ?? []).forEach((node, k) => {
            bind(w, gr.pending[k], node);
          });
        again.push(rest(w, byName));
        continue;
      }
      if (!res.placed) {
        const reason = res.reason ?? "no placement";
        // Does not fit now: preemption may help; it is reported once preemption had its say.
        if (codeOf(res) === "Unschedulable" && this.options.preemption) {
          out.outcomes.set(w.key, "Unschedulable");
          this.unfit.push({ w, gang: item.gang, levels, reason });
        } else await this.failed(w, reason, codeOf(res), out, false);
        continue;
      }
      this.status.placed(w);
      out.outcomes.set(w.key, "Scheduled");
      for (const gr of w.groups) {
        const nodesFor = byName.get(gr.name) ?? [];
        gr.pending.forEach((pod, k) => {
          bind(w, pod, nodesFor[k]);
        });
        const surplus = gr.pending.slice(nodesFor.length);
        if (surplus.length === 0) continue;
        // Placed, but not all of it: tried again like a gang that did not fit.
        out.outcomes.set(w.key, "Unschedulable");
        for (const pod of surplus)
          await this.status.markPod(
            pod,
            `gang ${w.key} is placed; this pod is above its minimum and no node has room for it`,
          );
      }
    }
    return again;
  }

  /** `w` is not placed: why, on its pods; an invalid gang (`Error` here) counts as an "error" attempt. */
  private async failed(
    w: WorkGang,
    reason: string,
    code: FailureCode,
    out: CycleResult,
    invalid = code === "Error",
  ): Promise<void> {
    out.outcomes.set(w.key, code);
    await this.status.unplaced(w, reason, invalid ? "error" : "unschedulable");
  }
}

/** What is left of `w` once `placed` (nodes per group name) are bound: unrestricted, minimum reduced. */
function rest(w: WorkGang, placed: Map<string, string[]>): WorkGang {
  return {
    ...w,
    within: undefined,
    groups: w.groups.map((gr) => {
      const n = placed.get(gr.name)?.length ?? 0;
      return {
        ...gr,
        bound: [...gr.bound, ...gr.pending.slice(0, n)],
        pending: gr.pending.slice(n),
        neededMin: Math.max(0, gr.neededMin - n),
      };
    }),
  };
}
