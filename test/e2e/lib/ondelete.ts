// The steps of Grove's OnDelete suite (grove-behaviour.md §18.5, §13.5) through the real kubectl:
// change a clique's pod template (upstream adds the env UPDATE_TRIGGER to its first container),
// check that no pod is replaced by the operator while the update is marked complete at once, delete
// pods as a user does and find their replacements with the new template.
import type { KubeObject } from "@grove-ts/runtime";
import { expect } from "vitest";
import { type E2E, T } from "./harness.js";
import type { PodView } from "./pods.js";
import { waitFor } from "./wait.js";

export const TRIGGER = "UPDATE_TRIGGER";
/** Upstream sleeps 10 s before it checks that nothing was deleted. */
const HOLD_MS = 10_000;
const CLIQUES = ["pc-a", "pc-b", "pc-c"] as const;
export type Clique = (typeof CLIQUES)[number];

interface PcsStatus {
  currentGenerationHash?: string;
  updatedReplicas?: number;
  updateProgress?: {
    updateStartedAt?: string;
    updateEndedAt?: string;
    currentlyUpdating?: unknown[];
    updatedPodCliquesCount?: number;
    totalPodCliquesCount?: number;
    updatedPodCliqueScalingGroupsCount?: number;
    totalPodCliqueScalingGroupsCount?: number;
  };
}
interface Pcs extends KubeObject {
  spec: { replicas?: number };
  status?: PcsStatus;
}
interface PodSpecLike {
  containers?: { name: string; env?: { name: string; value?: string }[] }[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
      };
    };
  };
}

export class OnDelete {
  private serial = 0;
  /** When the last template change was made (ms). */
  private triggeredAt = 0;
  constructor(
    private readonly e2e: E2E,
    readonly pcs: string,
  ) {}

  async getPcs(): Promise<Pcs> {
    return this.e2e.kubectl.json<Pcs>(["get", "pcs", this.pcs]);
  }

  /** pod name -> UID of every live pod. */
  async uids(): Promise<Map<string, string>> {
    return new Map((await this.e2e.pods(this.pcs)).map((p) => [p.name, p.uid]));
  }

  /** The live pods of every PodClique of template clique `clique` (e.g. pc-c: both sg-x replicas'), by name. */
  async podsOf(clique: Clique): Promise<PodView[]> {
    return (await this.e2e.pods(this.pcs))
      .filter((p) => p.pclq.endsWith(`-${clique}`))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `kubectl patch pcs --type=json`: sets UPDATE_TRIGGER on the clique's first container; returns its value. */
  async trigger(clique: Clique): Promise<string> {
    this.triggeredAt = Date.now();
    const value = `${clique}-${++this.serial}-${this.triggeredAt}`;
    await this.patchClique(clique, "containers/0/env", [{ name: TRIGGER, value }]);
    return value;
  }

  /** JSON-patch `add` of `value` at `spec.template.cliques[<clique>].spec.podSpec.<path>`. */
  async patchClique(clique: Clique, path: string, value: unknown): Promise<void> {
    const i = CLIQUES.indexOf(clique);
    const op = [{ op: "add", path: `/spec/template/cliques/${i}/spec/podSpec/${path}`, value }];
    await this.e2e.kubectl.ok(["patch", "pcs", this.pcs, "--type=json", "-p", JSON.stringify(op)]);
  }

  async setStrategy(type: "OnDelete" | "RollingRecreate"): Promise<void> {
    const body = JSON.stringify({ spec: { updateStrategy: { type } } });
    await this.e2e.kubectl.ok(["patch", "pcs", this.pcs, "--type=merge", "-p", body]);
  }

  /**
   * Waits until the PCS status took the template change (its generation hash is no longer `oldHash`)
   * and the update is marked ended; with `rolled` also until every replica is updated.
   */
  async waitUpdateEnded(oldHash: string | undefined, rolled = false, timeoutMs = 60_000): Promise<Pcs> {
    let pcs: Pcs | undefined;
    await waitFor(
      `${this.pcs}: update recorded and ended${rolled ? ", every replica updated" : ""}`,
      async () => {
        pcs = await this.e2e.client.get<Pcs>(T.pcs, this.pcs, "default");
        const st = pcs?.status;
        const up = st?.updateProgress;
        // Status times have second precision: an update started at the change's second or later.
        const started = Date.parse(up?.updateStartedAt ?? "") >= Math.floor(this.triggeredAt / 1000) * 1000;
        const ok =
          !!st?.currentGenerationHash &&
          st.currentGenerationHash !== oldHash &&
          started &&
          !!up?.updateEndedAt &&
          (!rolled || st.updatedReplicas === (pcs?.spec.replicas ?? 1));
        return { ok, state: JSON.stringify(st ?? {}) };
      },
      { timeoutMs, intervalMs: 250 },
    );
    return pcs as Pcs;
  }

  /**
   * Upstream's verifyNoAutomaticDeletionAfterUpdate: for 10 s every pod in `before` keeps its UID
   * (none deleted or terminating); then the update is marked complete with no replica being
   * updated, counts sane, and `total` pods.
   */
  async expectNoDeletion(
    before: Map<string, string>,
    oldHash: string | undefined,
    total: number,
  ): Promise<void> {
    const until = Date.now() + HOLD_MS;
    for (;;) {
      const pods = await this.e2e.pods(this.pcs);
      const uids = new Set(pods.map((p) => p.uid));
      const gone = [...before].filter(([, uid]) => !uids.has(uid)).map(([name]) => name);
      expect(gone, `${this.pcs}: pods deleted by the operator under OnDelete`).toEqual([]);
      if (Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const pcs = await this.waitUpdateEnded(oldHash);
    const up = pcs.status?.updateProgress ?? {};
    expect(up.updateStartedAt, "updateProgress.updateStartedAt").toBeTruthy();
    expect(up.updateEndedAt, "updateProgress.updateEndedAt").toBeTruthy();
    expect(up.currentlyUpdating ?? [], "updateProgress.currentlyUpdating").toEqual([]);
    expect((up.totalPodCliquesCount ?? 0) + (up.totalPodCliqueScalingGroupsCount ?? 0)).toBeGreaterThan(0);
    expect(up.updatedPodCliquesCount ?? 0).toBeLessThanOrEqual(up.totalPodCliquesCount ?? 0);
    expect(up.updatedPodCliqueScalingGroupsCount ?? 0).toBeLessThanOrEqual(
      up.totalPodCliqueScalingGroupsCount ?? 0,
    );
    expect((await this.e2e.pods(this.pcs)).length, `${this.pcs}: pods`).toBe(total);
  }

  /** `kubectl delete pod` as a user does; waits until `total` pods run again, none of them `victim`. */
  async deletePod(victim: PodView, total: number): Promise<void> {
    await this.e2e.kubectl.ok(["delete", "pod", victim.name, "--wait=false"]);
    await waitFor(
      `${victim.name} replaced, ${total} pods running`,
      async () => {
        const pods = await this.e2e.pods(this.pcs);
        const running = pods.filter((p) => p.phase === "Running").length;
        const stale = pods.some((p) => p.uid === victim.uid);
        return {
          ok: !stale && pods.length === total && running === total,
          state: `${pods.length} pods, ${running} running, victim live: ${stale}`,
        };
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  /** Pods whose UID is not in `before`. */
  async newPods(before: Map<string, string>): Promise<PodView[]> {
    const old = new Set(before.values());
    return (await this.e2e.pods(this.pcs)).filter((p) => !old.has(p.uid));
  }
}

/** The value of UPDATE_TRIGGER on the pod's first container, as kubectl shows the pod. */
export async function triggerOf(e2e: E2E, pod: string): Promise<string | undefined> {
  const p = await e2e.kubectl.json<{ spec: PodSpecLike }>(["get", "pod", pod]);
  return p.spec.containers?.[0]?.env?.find((e) => e.name === TRIGGER)?.value;
}

/** Whether the pod (as kubectl shows it) requires `kubernetes.io/hostname NotIn [node]`. */
export async function excludesNode(e2e: E2E, pod: string, node: string): Promise<boolean> {
  const p = await e2e.kubectl.json<{ spec: PodSpecLike }>(["get", "pod", pod]);
  const terms =
    p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.some((t) =>
    (t.matchExpressions ?? []).some(
      (m) => m.key === "kubernetes.io/hostname" && m.operator === "NotIn" && (m.values ?? []).includes(node),
    ),
  );
}
