// Grove's startup-ordering checks (grove-behaviour.md §18.3, §11): the order in which pods became
// Ready, read from each pod's Ready condition lastTransitionTime, and the grove-initc init
// container that holds a dependant pod in Init until its parents' pods are Ready.
//
// "A before B with min m" holds when the m-th earliest Ready time in A is no later than the earliest
// in B (Grove's rule). Status times have second precision, so with Ready within the same second
// that rule holds whatever the order; the suite therefore runs grove-sim with a ready delay above
// one second, and for every pod of B that grove-initc actually holds on A (its --podcliques
// arguments reach A's PodCliques, directly or through other parents) it asks for strictly later:
// such a pod starts only after A's pods are Ready and is Ready one delay after that.
import { expect } from "vitest";
import type { E2E } from "./harness.js";

export const GROVE_INITC = "grove-initc";

interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string };
  terminated?: { exitCode?: number; finishedAt?: string };
}

export interface StartupPod {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; initContainers?: { name: string; args?: string[] }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    initContainerStatuses?: { name: string; state?: ContainerState }[];
    containerStatuses?: { name: string; state?: ContainerState }[];
  };
}

/** The live pods of a PCS as kubectl lists them. */
export async function kubectlPods(e2e: E2E, pcs: string): Promise<StartupPod[]> {
  const list = await e2e.kubectl.json<{ items: StartupPod[] }>([
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/part-of=${pcs}`,
  ]);
  return list.items;
}

const cond = (p: StartupPod, type: string) => p.status?.conditions?.find((c) => c.type === type);
export const isReady = (p: StartupPod): boolean => cond(p, "Ready")?.status === "True";
const pclqOf = (p: StartupPod) => p.metadata.labels?.["grove.io/podclique"] ?? "";

/** When the pod became Ready (ms), from its Ready condition; throws for a pod that is not Ready. */
export function readyAt(p: StartupPod): number {
  const c = cond(p, "Ready");
  const t = Date.parse(c?.lastTransitionTime ?? "");
  if (c?.status !== "True" || Number.isNaN(t))
    throw new Error(`${p.metadata.name} is not Ready (Ready=${c?.status ?? "-"})`);
  return t;
}

/** The grove-initc `--podcliques=<pclq>:<n>` arguments of a pod, sorted ([] without the init container). */
export function initcArgs(p: StartupPod): string[] {
  const c = p.spec?.initContainers?.find((x) => x.name === GROVE_INITC);
  return [...(c?.args ?? [])].filter((a) => a.startsWith("--podcliques=")).sort();
}

/** PodClique FQN -> the parent PodClique FQNs its grove-initc waits for. */
function parentsByPclq(pods: readonly StartupPod[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of pods)
    out.set(
      pclqOf(p),
      initcArgs(p).map((a) => a.slice("--podcliques=".length).replace(/:\d+$/, "")),
    );
  return out;
}

/** Whether grove-initc holds `pod` on one of `targets` (PodClique FQNs), directly or transitively. */
function heldOn(pod: StartupPod, targets: ReadonlySet<string>, parents: Map<string, string[]>): boolean {
  const seen = new Set<string>();
  const stack = [...(parents.get(pclqOf(pod)) ?? [])];
  while (stack.length > 0) {
    const q = stack.pop() as string;
    if (targets.has(q)) return true;
    if (seen.has(q)) continue;
    seen.add(q);
    stack.push(...(parents.get(q) ?? []));
  }
  return false;
}

/**
 * The pods whose name contains every one of `parts` (Grove's getPodsByCliquePattern: a clique name
 * is matched as `-<clique>-`, a replica as e.g. `-sg-x-0-`).
 */
export function podsMatching(pods: readonly StartupPod[], ...parts: string[]): StartupPod[] {
  return pods.filter((p) => parts.every((x) => p.metadata.name.includes(x.startsWith("-") ? x : `-${x}-`)));
}

const fmt = (ms: number) => new Date(ms).toISOString();

/**
 * §18.3 "A before B with min m": the m-th earliest Ready time in A <= the earliest in B; strictly
 * earlier for each pod of B held on A by grove-initc. Returns how many pods were checked strictly.
 */
export function expectBefore(
  all: readonly StartupPod[],
  a: { label: string; pods: StartupPod[]; count: number; min: number },
  b: { label: string; pods: StartupPod[]; count: number },
): number {
  expect(a.pods.length, `${a.label}: pods`).toBe(a.count);
  expect(b.pods.length, `${b.label}: pods`).toBe(b.count);
  const times = a.pods.map(readyAt).sort((x, y) => x - y);
  const mth = times[a.min - 1] as number;
  const targets = new Set(a.pods.map(pclqOf));
  const parents = parentsByPclq(all);
  let strict = 0;
  for (const p of b.pods) {
    const t = readyAt(p);
    const what = `${a.label} (Ready #${a.min} at ${fmt(mth)}) before ${p.metadata.name} (Ready at ${fmt(t)})`;
    expect(mth, what).toBeLessThanOrEqual(t);
    if (heldOn(p, targets, parents)) {
      strict++;
      expect(mth, `${what}, which grove-initc holds on ${a.label}: strictly later`).toBeLessThan(t);
    }
  }
  return strict;
}

/** A pod held in Init by grove-initc, as its status shows it (§11.3). */
export function heldInInit(p: StartupPod): string | undefined {
  const initc = p.status?.initContainerStatuses?.find((s) => s.name === GROVE_INITC);
  const problems = [
    p.spec?.nodeName ? "" : "not bound",
    p.status?.phase === "Pending" ? "" : `phase ${p.status?.phase}`,
    cond(p, "Initialized")?.status === "False" ? "" : "Initialized is not False",
    initc?.state?.running ? "" : "grove-initc not running",
    (p.status?.containerStatuses ?? []).every((c) => c.state?.waiting?.reason === "PodInitializing")
      ? ""
      : "app containers not waiting in PodInitializing",
  ].filter((x) => x !== "");
  return problems.length === 0 ? undefined : `${p.metadata.name}: ${problems.join(", ")}`;
}

/** When grove-initc of a pod finished (ms). */
export function initcFinishedAt(p: StartupPod): number {
  const s = p.status?.initContainerStatuses?.find((x) => x.name === GROVE_INITC);
  return Date.parse(s?.state?.terminated?.finishedAt ?? "");
}
