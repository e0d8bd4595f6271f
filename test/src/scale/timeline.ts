// A TimelineTracker as Grove's e2e measurement framework has it (grove-behaviour.md §19.1): ordered
// phases, each runs its action and then polls its milestones in order (100 ms for the scale tests),
// recording when each held, in seconds from the phase's start. The scale suite's pod milestones poll
// the bench's watch of the test's pods (pod-view.ts), not the API server.
import { PodCliqueSetType } from "@grove-ts/api";
import { type Client, type KubeObject, PodType } from "@grove-ts/runtime";
import { type PodView, partOf } from "./pod-view.js";

export interface Condition {
  name: string;
  /** True once the milestone holds. `detail` is the progress shown while waiting. */
  check(): Promise<{ met: boolean; detail: string }>;
}

export interface Phase {
  name: string;
  action?: () => Promise<void>;
  milestones: Condition[];
}

export interface MilestoneResult {
  name: string;
  durationFromPhaseStartSeconds: number;
}

export interface PhaseResult {
  name: string;
  startTime: string;
  endTime: string;
  durationSeconds: number;
  durationFromTestStartSeconds: number;
  milestones: MilestoneResult[];
}

export interface TimelineOptions {
  pollMs?: number;
  /** Per milestone. */
  timeoutMs?: number;
  /** Progress line sink; every `progressEveryMs` while a milestone is awaited, and on each milestone. */
  progress?: (line: string) => void;
  progressEveryMs?: number;
}

export class MilestoneTimeoutError extends Error {
  readonly code = "MilestoneTimeout";
  constructor(
    readonly phase: string,
    readonly milestone: string,
    readonly detail: string,
    timeoutMs: number,
  ) {
    super(`phase ${phase}: milestone ${milestone} not reached in ${timeoutMs / 1000} s (last: ${detail})`);
  }
}

const secs = (ms: number) => Math.round(ms) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TimelineTracker {
  readonly phases: PhaseResult[] = [];
  /** `performance.now()` at construction: the clock of `durationFromTestStartSeconds`. */
  readonly testStart = performance.now();

  constructor(
    readonly testName: string,
    private readonly options: TimelineOptions = {},
  ) {}

  async run(phase: Phase): Promise<PhaseResult> {
    const pollMs = this.options.pollMs ?? 100;
    const timeoutMs = this.options.timeoutMs ?? 15 * 60_000;
    const everyMs = this.options.progressEveryMs ?? 5000;
    const say = this.options.progress ?? (() => {});
    const startWall = new Date();
    const start = performance.now();
    const result: PhaseResult = {
      name: phase.name,
      startTime: startWall.toISOString(),
      endTime: "",
      durationSeconds: 0,
      durationFromTestStartSeconds: secs(start - this.testStart),
      milestones: [],
    };
    say(`${this.testName} ▸ ${phase.name}`);
    if (phase.action) await phase.action();
    for (const m of phase.milestones) {
      let lastSaid = performance.now();
      for (;;) {
        const { met, detail } = await m.check();
        const now = performance.now();
        if (met) {
          const d = secs(now - start);
          result.milestones.push({ name: m.name, durationFromPhaseStartSeconds: d });
          say(`${this.testName} ▸ ${phase.name} ▸ ${m.name} ${d.toFixed(1)} s (${detail})`);
          break;
        }
        if (now - start > timeoutMs) throw new MilestoneTimeoutError(phase.name, m.name, detail, timeoutMs);
        if (now - lastSaid >= everyMs) {
          say(
            `${this.testName} ▸ ${phase.name} ▸ waiting for ${m.name}: ${detail} (${secs(now - start).toFixed(0)} s)`,
          );
          lastSaid = now;
        }
        await sleep(pollMs);
      }
    }
    const end = performance.now();
    result.endTime = new Date().toISOString();
    result.durationSeconds = secs(end - start);
    this.phases.push(result);
    return result;
  }

  totalSeconds(): number {
    return secs(performance.now() - this.testStart);
  }
}

/** Condition Ready=True (the pods-ready milestones and the sampled timeline count these). */
export const isReady = (p: KubeObject) =>
  ((p as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

/**
 * Conditions over the pods of one PodCliqueSet (`app.kubernetes.io/part-of=<pcs>`, as upstream). With
 * `view` (pod-view.ts) they read the bench's watch of those pods; without, each check lists them.
 */
export function conditions(client: Client, namespace: string, pcs: string, view?: PodView) {
  const pods = async (): Promise<KubeObject[]> =>
    view ? view.pods() : (await client.list(PodType, { namespace, labelSelector: partOf(pcs) })).items;
  return {
    podsCreated: (name: string, n: number): Condition => ({
      name,
      check: async () => {
        const have = (await pods()).length;
        return { met: have >= n, detail: `${have}/${n} pods exist` };
      },
    }),
    podsReady: (name: string, n: number): Condition => ({
      name,
      check: async () => {
        const have = (await pods()).filter(isReady).length;
        return { met: have >= n, detail: `${have}/${n} pods ready` };
      },
    }),
    podsAtCount: (name: string, n: number): Condition => ({
      name,
      check: async () => {
        const have = (await pods()).length;
        return { met: have === n, detail: `${have} pods, target ${n}` };
      },
    }),
    pcsAvailable: (name: string, n: number): Condition => ({
      name,
      check: async () => {
        const o = await client.get<KubeObject & { status?: { availableReplicas?: number } }>(
          PodCliqueSetType,
          pcs,
          namespace,
        );
        const have = o?.status?.availableReplicas ?? 0;
        return { met: have >= n, detail: `availableReplicas ${have}/${n}` };
      },
    }),
    pcsDeleted: (name: string): Condition => ({
      name,
      check: async () => {
        const o = await client.get(PodCliqueSetType, pcs, namespace);
        return { met: o === undefined, detail: o ? "PodCliqueSet still exists" : "gone" };
      },
    }),
  };
}

/** A fixed wait (upstream's TimerCondition). */
export function timer(name: string, ms: number): Condition {
  let until: number | undefined;
  return {
    name,
    check: async () => {
      until ??= performance.now() + ms;
      const left = until - performance.now();
      return { met: left <= 0, detail: `${Math.max(0, left / 1000).toFixed(0)} s left` };
    },
  };
}
