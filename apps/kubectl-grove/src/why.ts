// `kubectl grove why <pcs|pcsg|pclq|podgang|pod> NAME`: what holds an object. Each finding comes
// from what the cluster records, never from a guess: the scheduler's verdict (the PodGang's
// Scheduled condition, each pod's PodScheduled message, FailedScheduling Events), scheduling
// gates, startup ordering (startsAfter PodCliques not ready; pods waiting in the grove-initc init
// container), and gang termination timers (MinAvailableBreached since, terminationDelay).
import { ConditionGangTerminationInProgress, LabelPartOf, LabelPodClique, LabelPodGang } from "@grove-ts/api";
import { PluginError } from "./cluster.js";
import {
  age,
  breached,
  byName,
  cond,
  type Event,
  type Obj,
  ownedBy,
  type Pod,
  podState,
  podsOf,
  podsOfGang,
  type Snapshot,
  sameNs,
} from "./model.js";

export const WHY_KINDS = ["pcs", "pcsg", "pclq", "podgang", "pod"] as const;
export type WhyKind = (typeof WHY_KINDS)[number];

const KIND_NAMES: Record<WhyKind, string> = {
  pcs: "PodCliqueSet",
  pcsg: "PodCliqueScalingGroup",
  pclq: "PodClique",
  podgang: "PodGang",
  pod: "Pod",
};

/** kubectl's names for the kinds (plural, singular, short, full) to the plugin's. */
export function whyKind(word: string): WhyKind | undefined {
  const w = word.toLowerCase().split(".")[0] ?? "";
  const aliases: Record<string, WhyKind> = {
    pcs: "pcs",
    podcliqueset: "pcs",
    podcliquesets: "pcs",
    pcsg: "pcsg",
    podcliquescalinggroup: "pcsg",
    podcliquescalinggroups: "pcsg",
    pclq: "pclq",
    podclique: "pclq",
    podcliques: "pclq",
    pg: "podgang",
    podgang: "podgang",
    podgangs: "podgang",
    pod: "pod",
    pods: "pod",
    po: "pod",
  };
  return aliases[w];
}

export type HoldKind = "scheduler" | "pod" | "gate" | "startup" | "termination" | "event";

export interface Hold {
  kind: HoldKind;
  /** What the finding is about, e.g. "PodGang big-0" or "pod big-0-w-x7k2p". */
  subject: string;
  message: string;
  /** RFC 3339 time the condition or event last changed, where known. */
  since?: string;
}

export interface WhyReport {
  kind: string;
  namespace: string;
  name: string;
  /** The object's state in a few words (phase, ready counts). */
  state: string;
  holds: Hold[];
}

/** A Go duration ("10s", "4h", "1h30m") in ms; undefined if it is not one. */
export function parseDuration(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = d;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return total;
}

function find(s: Snapshot, kind: WhyKind, name: string): Obj {
  const list = { pcs: s.pcs, pcsg: s.pcsg, pclq: s.pclq, podgang: s.podgangs, pod: s.pods }[kind];
  const o = list.find((x) => x.metadata.name === name);
  if (!o)
    throw new PluginError(
      `${KIND_NAMES[kind]} ${JSON.stringify(name)} not found in ${s.namespace ? `namespace ${JSON.stringify(s.namespace)}` : "any namespace"}`,
    );
  return o;
}

const podGroupNames = (pg: Obj): string[] =>
  ((pg.spec?.podgroups ?? []) as { name: string }[]).map((g) => g.name);

/** The PodGangs, PodCliques and pods an object stands for. */
function scope(s: Snapshot, kind: WhyKind, o: Obj): { gangs: Obj[]; cliques: Obj[]; pods: Pod[] } {
  const ns = (x: Obj) => sameNs(x, o);
  const cliquesNamed = (names: string[]) => s.pclq.filter((c) => ns(c) && names.includes(c.metadata.name));
  const gangsOf = (cliques: Obj[]) =>
    s.podgangs.filter(
      (g) => ns(g) && podGroupNames(g).some((n) => cliques.some((c) => c.metadata.name === n)),
    );
  switch (kind) {
    case "pcs": {
      const mine = (x: Obj) => ns(x) && x.metadata.labels?.[LabelPartOf] === o.metadata.name;
      const cliques = s.pclq.filter((c) => mine(c) || ownedBy(c, "PodCliqueSet", o.metadata.name));
      return { gangs: s.podgangs.filter(mine), cliques, pods: cliques.flatMap((c) => podsOf(s, c)) };
    }
    case "pcsg": {
      const cliques = s.pclq.filter((c) => ns(c) && ownedBy(c, "PodCliqueScalingGroup", o.metadata.name));
      return { gangs: gangsOf(cliques), cliques, pods: cliques.flatMap((c) => podsOf(s, c)) };
    }
    case "pclq":
      return { gangs: gangsOf([o]), cliques: [o], pods: podsOf(s, o) };
    case "podgang": {
      const cliques = cliquesNamed(podGroupNames(o));
      return { gangs: [o], cliques, pods: podsOfGang(s, o) };
    }
    case "pod": {
      const gang = o.metadata.labels?.[LabelPodGang];
      const clique = o.metadata.labels?.[LabelPodClique];
      return {
        gangs: s.podgangs.filter((g) => ns(g) && g.metadata.name === gang),
        cliques: cliquesNamed(clique ? [clique] : []),
        pods: [o as Pod],
      };
    }
  }
}

function stateOf(kind: WhyKind, o: Obj): string {
  const st = o.status ?? {};
  switch (kind) {
    case "pod":
      return podState(o as Pod);
    case "podgang":
      return String(st.phase ?? "Pending");
    case "pclq":
      return `ready ${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}, scheduled ${st.scheduledReplicas ?? 0}`;
    case "pcsg":
      return `replicas ${o.spec?.replicas ?? 0}, available ${st.availableReplicas ?? 0}`;
    case "pcs":
      return `replicas ${o.spec?.replicas ?? 0}, available ${st.availableReplicas ?? 0}`;
  }
}

/** Pods held in grove-initc: which parent PodClique each waits for, and how many of it are Ready. */
function startupHolds(s: Snapshot, pods: Pod[]): Hold[] {
  const out: Hold[] = [];
  for (const p of pods) {
    const initc = p.spec?.initContainers?.find((c) => c.name === "grove-initc");
    const st = p.status?.initContainerStatuses?.find((c) => c.name === "grove-initc");
    if (!initc || !p.spec?.nodeName || !st || st.state?.terminated) continue;
    const gang = p.metadata.labels?.[LabelPodGang];
    const waits: string[] = [];
    for (const arg of initc.args ?? []) {
      const m = /^--podcliques=(.+):(\d+)$/.exec(arg);
      if (!m) continue;
      const ready = s.pods.filter(
        (x) =>
          sameNs(x, p) &&
          x.metadata.labels?.[LabelPodGang] === gang &&
          x.metadata.name.startsWith(m[1] as string) &&
          cond(x, "Ready")?.status === "True",
      ).length;
      if (ready < Number(m[2])) waits.push(`${m[1]} (ready ${ready}/${m[2]})`);
    }
    if (waits.length)
      out.push({
        kind: "startup",
        subject: `pod ${p.metadata.name}`,
        message: `waits in init container grove-initc for ${waits.join(", ")}`,
      });
  }
  return out;
}

/** startsAfter PodCliques of the same PodCliqueSet replica that are not ready yet. */
function startsAfterHolds(s: Snapshot, cliques: Obj[]): Hold[] {
  const out: Hold[] = [];
  for (const c of cliques) {
    const deps = (c.spec?.startsAfter ?? []) as string[];
    const notReady: string[] = [];
    for (const d of deps) {
      const dep = s.pclq.find((x) => sameNs(x, c) && x.metadata.name === d);
      const ready = Number(dep?.status?.readyReplicas ?? 0);
      const need = Number(dep?.spec?.minAvailable ?? dep?.spec?.replicas ?? 1);
      if (!dep || ready < need) notReady.push(`${d} (ready ${ready}/${need}${dep ? "" : ", not created"})`);
    }
    if (notReady.length)
      out.push({
        kind: "startup",
        subject: `PodClique ${c.metadata.name}`,
        message: `starts after ${notReady.join(", ")}`,
      });
  }
  return out;
}

function terminationHolds(s: Snapshot, objs: { kind: string; o: Obj }[], pcs: Obj | undefined): Hold[] {
  const delayText = (pcs?.spec?.template as { terminationDelay?: string } | undefined)?.terminationDelay;
  const delay = parseDuration(delayText) ?? 4 * 3_600_000;
  const out: Hold[] = [];
  for (const { kind, o } of objs) {
    const c = breached(o);
    if (!c) continue;
    const at = Date.parse(c.lastTransitionTime ?? "") + delay;
    const left = Math.round((at - s.now) / 1000);
    const when = Number.isNaN(at)
      ? ""
      : left > 0
        ? `; terminationDelay ${delayText ?? "4h (default)"}: the gang is terminated in ${left}s unless it recovers`
        : `; terminationDelay ${delayText ?? "4h (default)"} passed ${-left}s ago: gang termination is due`;
    out.push({
      kind: "termination",
      subject: `${kind} ${o.metadata.name}`,
      message: `MinAvailableBreached for ${age(c.lastTransitionTime, s.now)} (${c.reason ?? ""}${c.message ? `: ${c.message}` : ""})${when}`,
      ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
    });
  }
  if (pcs) {
    const g = cond(pcs, ConditionGangTerminationInProgress);
    if (g?.status === "True")
      out.push({
        kind: "termination",
        subject: `PodCliqueSet ${pcs.metadata.name}`,
        message: `gang termination in progress${g.message ? `: ${g.message}` : ""}`,
        ...(g.lastTransitionTime ? { since: g.lastTransitionTime } : {}),
      });
  }
  return out;
}

const eventTime = (e: Event): string => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? "";

function eventHolds(s: Snapshot, subjects: Obj[]): Hold[] {
  const key = (kind: string | undefined, ns: string | undefined, name: string | undefined) =>
    `${kind}/${ns}/${name}`;
  const wanted = new Set(subjects.map((o) => key(kindOf(s, o), o.metadata.namespace, o.metadata.name)));
  const seen = new Map<string, { e: Event; subjects: string[] }>();
  const events = s.events
    .filter((e) => e.type === "Warning")
    .filter((e) => {
      const r = e.involvedObject ?? e.regarding;
      return wanted.has(key(r?.kind, r?.namespace ?? e.metadata.namespace, r?.name));
    })
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)));
  // One line per distinct message: the same verdict on every pod of a gang is said once.
  for (const e of events) {
    const r = e.involvedObject ?? e.regarding;
    const message = `${e.reason ?? ""}: ${e.message ?? e.note ?? ""}`;
    const entry = seen.get(message) ?? { e, subjects: [] };
    entry.subjects.push(`${r?.kind ?? "?"} ${r?.name ?? "?"}`);
    seen.set(message, entry);
  }
  return [...seen.entries()].slice(0, 8).map(([message, { e, subjects }]) => ({
    kind: "event",
    subject:
      subjects.length === 1 ? (subjects[0] as string) : `${subjects[0]} and ${subjects.length - 1} more`,
    message: `Warning ${message} (${age(eventTime(e), s.now)} ago${e.count && e.count > 1 ? `, x${e.count}` : ""})`,
    since: eventTime(e),
  }));
}

function kindOf(s: Snapshot, o: Obj): string {
  if (s.pods.includes(o as Pod)) return "Pod";
  if (s.podgangs.includes(o)) return "PodGang";
  if (s.pclq.includes(o)) return "PodClique";
  if (s.pcsg.includes(o)) return "PodCliqueScalingGroup";
  return "PodCliqueSet";
}

export function buildWhy(s: Snapshot, kind: WhyKind, name: string): WhyReport {
  const o = find(s, kind, name);
  const { gangs, cliques, pods } = scope(s, kind, o);
  const pcsName = kind === "pcs" ? name : o.metadata.labels?.[LabelPartOf];
  const pcs = s.pcs.find((p) => sameNs(p, o) && p.metadata.name === pcsName);
  const holds: Hold[] = [];
  for (const g of byName(gangs)) {
    const c = cond(g, "Scheduled");
    if (c?.status === "False")
      holds.push({
        kind: "scheduler",
        subject: `PodGang ${g.metadata.name}`,
        message: `Scheduled=False (${c.reason ?? ""}): ${c.message ?? ""}`,
        ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
      });
  }
  // The pods' own verdicts, one line per distinct message.
  const byMessage = new Map<string, string[]>();
  for (const p of pods) {
    if (p.spec?.nodeName || p.metadata.deletionTimestamp) continue;
    const gates = (p.spec?.schedulingGates ?? []).map((g) => g.name);
    if (gates.length) {
      holds.push({
        kind: "gate",
        subject: `pod ${p.metadata.name}`,
        message: `scheduling gates ${gates.join(", ")}: not given to the scheduler until the operator removes them (it does once the pod's PodGang exists and its gang is complete)`,
      });
      continue;
    }
    const c = cond(p, "PodScheduled");
    const msg =
      c?.status === "False"
        ? `PodScheduled=False (${c.reason ?? ""}): ${c.message ?? ""}`
        : "not scheduled yet";
    byMessage.set(msg, [...(byMessage.get(msg) ?? []), p.metadata.name]);
  }
  for (const [msg, names] of byMessage)
    holds.push({
      kind: "pod",
      subject:
        names.length === 1
          ? `pod ${names[0]}`
          : `${names.length} pods (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""})`,
      message: msg,
    });
  holds.push(...startsAfterHolds(s, cliques), ...startupHolds(s, pods));
  const groups = s.pcsg.filter(
    (g) => sameNs(g, o) && cliques.some((c) => ownedBy(c, "PodCliqueScalingGroup", g.metadata.name)),
  );
  holds.push(
    ...terminationHolds(
      s,
      [
        ...cliques.map((c) => ({ kind: "PodClique", o: c })),
        ...groups.map((g) => ({ kind: "PodCliqueScalingGroup", o: g })),
      ],
      pcs,
    ),
  );
  holds.push(...eventHolds(s, [o, ...gangs, ...cliques, ...pods, ...(pcs ? [pcs] : [])]));
  return {
    kind: KIND_NAMES[kind],
    namespace: o.metadata.namespace ?? "",
    name,
    state: stateOf(kind, o),
    holds,
  };
}

export function renderWhy(r: WhyReport): string {
  const out = [`${r.kind} ${r.namespace}/${r.name}: ${r.state}`];
  if (r.holds.length === 0)
    out.push("  nothing holds it: no pending verdict, gate, startup wait or termination timer");
  const w = Math.max(...r.holds.map((h) => h.kind.length), 0);
  for (const h of r.holds) out.push(`  ${h.kind.padEnd(w)}  ${h.subject}: ${h.message}`);
  return `${out.join("\n")}\n`;
}
