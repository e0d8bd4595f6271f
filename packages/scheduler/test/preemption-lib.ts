// Helpers shared by the preemption suites (preemption.test.ts, preemption-nomination.test.ts):
// PriorityClasses, gangs with their class on the PodGang, and what a kubelet would do.
import { PodGangType } from "@grove-ts/api";
import { PodType, PriorityClassType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { expect } from "vitest";
import type { GangSchedulerOptions } from "../src/index.js";
import {
  createAll,
  eventually,
  getPod,
  type Harness,
  harness,
  type K,
  pod,
  podGang,
  priorityClass,
} from "./harness.js";

export const CLASSES: [string, number, string?][] = [
  ["low", 10],
  ["mid", 50],
  ["guarded", 150],
  ["high", 1000],
  // Above the victims' 10, below the preemptor's 50: it could preempt, were it not for Never.
  ["never", 40, "Never"],
];

/** A harness with the PriorityClasses of CLASSES. */
export async function start(options: GangSchedulerOptions = {}): Promise<Harness> {
  const h = await harness(options);
  for (const [name, value, preemptionPolicy] of CLASSES)
    await h.client.create(PriorityClassType, priorityClass(name, value, preemptionPolicy));
  return h;
}

/** A gang `name` of `n` pods of `cpu` each, all needed, its class on the PodGang (as Grove sets it). */
export function gang(name: string, n: number, cpu: string, pc?: string) {
  const pods = Array.from({ length: n }, (_, i) => `${name}-${i}`);
  return {
    gangs: [podGang(name, [{ name: `${name}-w`, pods, min: n }], pc ? { priorityClassName: pc } : {})],
    pods: pods.map((p) => pod({ name: p, gang: name, cpu })),
  };
}

/** Pods created with `priorityClassName` (the Priority admission resolves priority and preemptionPolicy). */
export function withPodClass(g: ReturnType<typeof gang>, pc: string) {
  for (const p of g.pods) (p.spec as NonNullable<Pod["spec"]>).priorityClassName = pc;
  return g;
}

export async function run(h: Harness, ...gs: ReturnType<typeof gang>[]): Promise<void> {
  for (const g of gs) await createAll(h.client, g);
  const names = gs.flatMap((g) => g.pods.map((p) => p.metadata.name ?? ""));
  await eventually(async () => {
    for (const n of names) expect((await getPod(h.client, n)).spec?.nodeName, n).toBeDefined();
  });
}

export const terminating = async (h: Harness, names: string[]) =>
  (
    await Promise.all(
      names.map(async (n) =>
        (await h.client.get<K<Pod>>(PodType, n, "default"))?.metadata.deletionTimestamp ? n : "",
      ),
    )
  ).filter((n) => n !== "");

export const condition = (p: K<Pod>, type: string) => p.status?.conditions?.find((c) => c.type === type);

/** Waits until `name`'s PodScheduled message says preemption had its say, and returns it. */
export async function refused(h: Harness, name: string): Promise<string> {
  return eventually(async () => {
    const msg = condition(await getPod(h.client, name), "PodScheduled")?.message ?? "";
    expect(msg).toContain("preemption:");
    return msg;
  });
}

/** What a kubelet does once a terminating pod's containers stopped. */
export async function kubeletDeletes(h: Harness, names: string[]): Promise<void> {
  for (const n of names) await h.client.delete(PodType, n, "default", { gracePeriodSeconds: 0 });
}

/** A PodGang's condition of `type`, as stored. */
export async function gangCondition(h: Harness, name: string, type: string) {
  const pg = await h.client.get<
    K<{ status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }>
  >(PodGangType, name, "default");
  return pg?.status?.conditions?.find((c) => c.type === type);
}
