// Priority preemption (kube-scheduler's PostFilter, for gangs): a gang the solver found
// Unschedulable (not Unresolvable, not Error) whose preemptionPolicy is not Never asks the solver
// which running gangs to evict, whole (`PlacementSnapshot.preempt`, through the placer), among the
// candidates its VictimPolicy allows (default: strictly lower priority, and below
// `nonPreemptiblePriority`, KAI's 100). The victims are evicted (evictor.ts); the gang is
// *nominated*: its pods get status.nominatedNodeName, its PodGang Scheduled=False/Preempting, and
// the room it was given is held for it in the capacity snapshot while the victims terminate: no
// gang of its priority or lower is placed there, one of strictly higher priority may be (kube's
// rule for nominated pods; the nominated gang then re-evaluates). It is not placed before every
// victim pod is gone (their room is still allocated), and it preempts nobody else meanwhile; once
// they are gone the normal placement binds it, where the room was held or anywhere else. Victims
// not gone within their longest grace period plus `nominationMarginMs` end the nomination (a
// later cycle may preempt anew).
import type { Gang, PreemptionResult, TopologyLevel } from "@grove-ts/placement";
import type { Client, Logger } from "@grove-ts/runtime";
import { PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Evictor } from "./evictor.js";
import type { WorkGang } from "./gangs.js";
import { type ClusterView, pk } from "./pending.js";
import type { Placer } from "./placer.js";
import { queueRefusal } from "./queue-boundary.js";
import { podRequests } from "./requests.js";
import { DEFAULT_SCHEDULER_NAME, type StatusWriter } from "./status-writer.js";
import {
  DEFAULT_NON_PREEMPTIBLE_PRIORITY,
  priorityVictimPolicy,
  runningGangs,
  type VictimCandidate,
  type VictimPolicy,
} from "./victims.js";

export interface PreemptionOptions {
  /** Victims of this priority or higher are never evicted (KAI); null: any lower priority is. Default 100. */
  nonPreemptiblePriority?: number | null | undefined;
  /** Which running gangs may be evicted; default `priorityVictimPolicy(nonPreemptiblePriority)`. */
  victimPolicy?: VictimPolicy | undefined;
  /**
   * Which of the victims chosen are preempted for priority; the others are reclaimed (their
   * condition and Event say so). Default: strictly lower priority than the preemptor.
   */
  priorityPolicy?: VictimPolicy | undefined;
  /**
   * A nomination whose victims are not all gone within their longest grace period plus this is
   * dropped. Default 30 000.
   */
  nominationMarginMs?: number | undefined;
  /** Asks for a cycle for gang `key` in `ms` (the scheduling queue's addAfter): the bound's check. */
  wake?: ((key: string, ms: number) => void) | undefined;
  log: Logger;
}

/** A pod's grace period when it sets none (the API server's default). */
const DEFAULT_GRACE_SECONDS = 30;

/** A gang that could not be placed now (Unschedulable), as the cycle tried it. */
export interface Unfit {
  w: WorkGang;
  gang: Gang;
  levels: TopologyLevel[];
  /** The solver's reason. */
  reason: string;
}

interface Nomination {
  victims: string[];
  /** Victim pods not yet confirmed gone: uid -> [namespace, name]. */
  pods: Map<string, [string, string]>;
  /** Room held: pod key -> node, with the pod's requests. */
  held: { key: string; node: string; pod: Pod }[];
  holding: boolean;
  /** The nominated gang's priority: only a strictly higher one may use the held room. */
  priority: number;
  /** When it was made, and Date.now() past which victims still there end it. */
  since: number;
  deadline: number;
  /** Stops the eviction's retries once the nomination ends. */
  abort: AbortController;
}

export class Preemption {
  private readonly nominations = new Map<string, Nomination>();
  private readonly policy: VictimPolicy;
  private readonly writes = new Set<Promise<void>>();
  /** Nominations whose room a higher-priority gang of the current cycle may use (see release). */
  private yielded: Nomination[] = [];
  /** Gangs the last release() deferred: they are not deferred twice in a row. */
  private deferredLast = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly view: ClusterView,
    private readonly placer: Placer,
    private readonly status: StatusWriter,
    private readonly evictor: Evictor,
    private readonly options: PreemptionOptions,
  ) {
    this.policy =
      options.victimPolicy ??
      priorityVictimPolicy(
        options.nonPreemptiblePriority === undefined
          ? DEFAULT_NON_PREEMPTIBLE_PRIORITY
          : options.nonPreemptiblePriority,
      );
  }

  /**
   * Before a cycle places `work`: nominated gangs go first, and once every victim pod is gone the
   * room held for one is given back for it to take (no gang after it in the call, equal priority
   * included, gets there first). While victims remain the room stays held, against the nominated
   * gang too, except from gangs of strictly higher priority (kube's rule): when `work` has such a
   * gang the room is lent to it, and the gangs of that nomination's priority or lower are
   * `deferred` to the next cycle, where the room is held again.
   */
  release(work: readonly WorkGang[]): { work: WorkGang[]; deferred: string[] } {
    const first: WorkGang[] = [];
    const rest: WorkGang[] = [];
    for (const w of work) {
      const n = this.nominations.get(w.key);
      if (n && !this.victimsLeft(n)) this.hold(n, false);
      (n ? first : rest).push(w);
    }
    const ordered = [...first, ...rest];
    // A cycle after one that deferred gangs places them (rooms held), so a higher gang tried again
    // and again cannot keep them waiting.
    if (ordered.some((w) => this.deferredLast.has(w.key))) {
      this.deferredLast.clear();
      return { work: ordered, deferred: [] };
    }
    const top = Math.max(...ordered.map((w) => w.priority ?? 0));
    let lent: number | undefined;
    for (const n of this.nominations.values())
      if (n.holding && n.priority < top) {
        this.hold(n, false);
        this.yielded.push(n);
        lent = Math.max(lent ?? n.priority, n.priority);
      }
    if (lent === undefined) return { work: ordered, deferred: [] };
    const low = (w: WorkGang) => (w.priority ?? 0) <= (lent as number);
    const deferred = ordered.filter(low).map((w) => w.key);
    this.deferredLast = new Set(deferred);
    return { work: ordered.filter((w) => !low(w)), deferred };
  }

  /**
   * After the cycle placed `work`: a placed gang's nomination ends; one still waiting for its
   * victims holds its room again; one whose victims are gone and still does not fit loses it and
   * may preempt afresh. Then every gang in `unfit` that may preempt tries to. Returns the gangs to
   * report unschedulable, with the solver's reason and why preemption does not help (as
   * kube-scheduler's "preemption: ..." part); nominated and waiting gangs are not among them.
   */
  async after(
    work: readonly WorkGang[],
    placed: ReadonlySet<string>,
    unfit: readonly Unfit[],
  ): Promise<{ w: WorkGang; message: string }[]> {
    /** Unplaced gangs whose nomination ended: their pods' nominatedNodeName, unless nominated anew. */
    const ended = new Map<string, Pod[]>();
    const out: { w: WorkGang; message: string }[] = [];
    /** Dropped for victims that did not go in time: reported, not preempting again this cycle. */
    const dropped = new Set<string>();
    const reasons = new Map(unfit.map((u) => [u.w.key, u.reason]));
    for (const w of work) {
      const n = this.nominations.get(w.key);
      if (!n) continue;
      const waiting = !placed.has(w.key) && this.victimsLeft(n);
      if (waiting && Date.now() >= n.deadline) {
        const left = [...n.pods.values()].map(([ns, name]) => `${ns}/${name}`).sort();
        this.options.log.info("nomination dropped: victims not gone in time", { gang: w.key, left });
        ended.set(
          w.key,
          n.held.map((h) => h.pod),
        );
        this.forget(w.key);
        dropped.add(w.key);
        const reason = reasons.get(w.key);
        const secs = Math.round((n.deadline - n.since) / 1000);
        if (reason !== undefined)
          out.push({
            w,
            message: `${reason}; preemption: victim pods ${left.join(", ")} not gone within ${secs}s of their eviction; nomination dropped`,
          });
      } else if (waiting) this.hold(n, true);
      else {
        if (!placed.has(w.key))
          ended.set(
            w.key,
            n.held.map((h) => h.pod),
          );
        this.forget(w.key);
      }
    }
    // Room lent to higher-priority gangs in this cycle is held again while its nomination lasts.
    const live = new Set(this.nominations.values());
    for (const n of this.yielded) if (live.has(n)) this.hold(n, true);
    this.yielded = [];
    // The running gangs, listed once per cycle (a pass over every pod) for all its preemptors.
    const listing: { all?: VictimCandidate[] } = {};
    for (const u of unfit) {
      if (this.nominations.has(u.w.key) || dropped.has(u.w.key)) continue;
      const why = await this.tryPreempt(u, listing);
      if (why !== undefined) out.push({ w: u.w, message: `${u.reason}; preemption: ${why}` });
    }
    // kube-scheduler clears nominatedNodeName when a pod's nomination ends without a new one.
    for (const [key, pods] of ended)
      if (!this.nominations.has(key)) for (const p of pods) this.track(this.nominate(p, null));
    return out;
  }

  /** Pods of nominated gangs, and victim pods not yet gone: queue reclaim (reclaim.ts) counts them. */
  inFlight(): { nominated: Pod[]; victims: Pod[] } {
    const out: { nominated: Pod[]; victims: Pod[] } = { nominated: [], victims: [] };
    for (const n of this.nominations.values()) {
      for (const h of n.held) out.nominated.push(h.pod);
      for (const [uid, [ns, name]] of n.pods) {
        const p = this.view.pods.get(name, ns);
        if (p?.metadata.uid === uid) out.victims.push(p);
      }
    }
    return out;
  }

  /** The gang is gone (or no longer ours to place): its held room goes back. */
  forget(key: string): void {
    const n = this.nominations.get(key);
    if (!n) return;
    this.hold(n, false);
    n.abort.abort();
    this.nominations.delete(key);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.writes]);
    await this.evictor.stop();
  }

  /** Nominates `w` and evicts its victims; else says why not. */
  private async tryPreempt(
    { w, gang, levels }: Unfit,
    listing: { all?: VictimCandidate[] },
  ): Promise<string | undefined> {
    const pods = w.groups.flatMap((g) => g.pending);
    // preemptionPolicy as the Priority admission resolved it from the class (pods), or the
    // PodGang's own class (Grove puts the PCS's class on the PodGang).
    const cls = this.view.priorityClasses?.get(w.podGang?.spec.priorityClassName ?? "") as
      | { preemptionPolicy?: string }
      | undefined;
    if (cls?.preemptionPolicy === "Never" || pods.some((p) => p.spec?.preemptionPolicy === "Never"))
      return "not eligible due to preemptionPolicy=Never.";
    // Not its own pods, nor victims another nomination already claimed.
    const skip = new Set(
      w.groups.flatMap((g) => [...g.bound, ...g.pending]).map((p) => p.metadata?.uid ?? ""),
    );
    for (const n of this.nominations.values()) for (const uid of n.pods.keys()) skip.add(uid);
    listing.all ??= runningGangs(this.view);
    const candidates = listing.all.filter(
      (c) => c.name !== w.key && !c.objects.some((p) => skip.has(p.metadata?.uid ?? "")) && this.policy(w, c),
    );
    if (candidates.length === 0) return this.noCandidates(w);
    let res: PreemptionResult;
    try {
      res = this.placer.preempt(
        levels,
        gang,
        candidates.map(({ name, priority, pods }) => ({ name, priority, pods })),
      );
    } catch (err) {
      this.options.log.error("preemption failed", { gang: w.key, error: err });
      return `failed: ${(err as Error).message}`;
    }
    if (!res.placed) return `no set of running gangs of lower priority to evict: ${res.reason}`;
    if (res.victims.length === 0) return "fits without evicting anyone; tried again";
    const chosen = new Set(res.victims);
    const victims = candidates.filter((c) => chosen.has(c.name));
    const byGroup = new Map(res.groups.map((g) => [g.name, g.nodes]));
    const objects = victims.flatMap((v) => v.objects);
    const graceSeconds = Math.max(
      0,
      ...objects.map((p) => p.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
    );
    const boundMs = 1000 * graceSeconds + (this.options.nominationMarginMs ?? 30_000);
    const since = Date.now();
    const n: Nomination = {
      victims: res.victims,
      pods: new Map(),
      held: [],
      holding: false,
      priority: w.priority ?? 0,
      since,
      deadline: since + boundMs,
      abort: new AbortController(),
    };
    for (const p of objects)
      n.pods.set(p.metadata?.uid ?? "", [p.metadata?.namespace ?? "", p.metadata?.name ?? ""]);
    for (const g of w.groups)
      (byGroup.get(g.name) ?? []).forEach((node, k) => {
        const pod = g.pending[k];
        if (pod) n.held.push({ key: `nominated:${pk(pod)}`, node, pod });
      });
    this.nominations.set(w.key, n);
    this.hold(n, true);
    const scheduler = pods[0]?.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    // kube-scheduler v1.37's strings (its preemption executor): "<scheduler>: preempting to
    // accommodate a higher priority <pod|podgroup>" and "Preempted by <pod|podgroup> <uid> on node
    // <node>"; ours name the preemptor, a PodGang or a lone pod, by <namespace>/<name>.
    const who = w.podGang ? `podgang ${w.key}` : `pod ${w.key.slice(4)}`;
    const nodes = [...new Set(n.held.map((h) => h.node))].sort();
    this.options.log.info("preempting", { gang: w.key, victims: res.victims, nodes });
    // A victim of strictly lower priority (of the preemptor's queue, with Queues: queue-boundary.ts)
    // is preempted; any other one is taken back by queue reclaim (reclaim.ts: a queue above its
    // fair share), and its condition and Event say so.
    const mine = w.priority ?? 0;
    const preempted = this.options.priorityPolicy ?? ((_: WorkGang, v: VictimCandidate) => v.priority < mine);
    const evict = (list: VictimCandidate[], reclaim: boolean) => {
      if (list.length === 0) return;
      const podGangs: [string, string][] = [];
      for (const v of list)
        if (v.podGang) podGangs.push([v.objects[0]?.metadata?.namespace ?? "", v.podGang]);
      this.track(
        this.evictor.evict({
          pods: list.flatMap((v) => v.objects),
          condition: reclaim
            ? `${scheduler}: reclaiming resources of a queue above its fair share for ${who}`
            : `${scheduler}: preempting to accommodate a higher priority ${who}`,
          event: (p) => `${reclaim ? "Reclaimed" : "Preempted"} by ${who} on node ${p.spec?.nodeName ?? ""}`,
          component: scheduler,
          podGangs,
          signal: n.abort.signal,
        }),
      );
    };
    const lower = victims.filter((v) => preempted(w, v));
    const reclaimed = victims.filter((v) => !preempted(w, v));
    evict(lower, false);
    evict(reclaimed, true);
    this.options.wake?.(w.key, boundMs);
    for (const h of n.held) this.track(this.nominate(h.pod, h.node));
    await this.status.nominated(
      w,
      `preempting ${res.victims.join(", ")} (${reclaimed.length ? "lower priority or reclaimed from queues above their fair share" : "lower priority"}) to make room on ${nodes.join(", ")}; ` +
        "binds once their pods are gone",
    );
    return undefined;
  }

  private noCandidates(w: WorkGang): string {
    const inQueue = queueRefusal(this.view, w);
    if (inQueue !== undefined) return inQueue;
    const npp = this.options.nonPreemptiblePriority;
    const rule =
      this.options.victimPolicy !== undefined || npp === null
        ? ""
        : ` (priority >= ${npp ?? DEFAULT_NON_PREEMPTIBLE_PRIORITY} is never preempted)`;
    return `no running gang of priority below ${w.priority ?? 0} may be preempted${rule}`;
  }

  /** Any victim pod still there (same uid): the gang keeps waiting. */
  private victimsLeft(n: Nomination): boolean {
    for (const [uid, [ns, name]] of n.pods) {
      if (this.view.pods.get(name, ns)?.metadata.uid === uid) return true;
      n.pods.delete(uid);
    }
    return false;
  }

  /** Holds (or gives back) the nominated room in the capacity snapshot. */
  private hold(n: Nomination, on: boolean): void {
    if (n.holding === on) return;
    n.holding = on;
    for (const h of n.held) {
      if (!on) {
        this.view.snapshot.unreserve(h.key);
        continue;
      }
      try {
        this.view.snapshot.reserve(h.key, h.node, podRequests(h.pod));
      } catch {
        // A malformed quantity: the gang cannot be built either; nothing to hold.
      }
    }
  }

  /** status.nominatedNodeName, as kube-scheduler writes it on a preemptor (null: cleared). */
  private async nominate(pod: Pod, node: string | null): Promise<void> {
    if (node !== null && pod.status?.nominatedNodeName === node) return;
    try {
      await this.client.patch(
        PodType,
        pod.metadata?.name ?? "",
        pod.metadata?.namespace,
        { type: "strategic", body: { status: { nominatedNodeName: node } } },
        { subresource: "status" },
      );
    } catch (err) {
      this.options.log.debug("nominatedNodeName not written", { pod: pk(pod), error: err });
    }
  }

  private track(p: Promise<void>): void {
    const t = p.finally(() => this.writes.delete(t));
    this.writes.add(t);
  }
}
