// The steps of Grove's RollingRecreate suite (grove-behaviour.md §18.4, upstream
// operator/e2e/tests/update) through the real kubectl: an update is the env var UPDATE_TRIGGER set
// on a clique's first container by a server-side apply of the whole PodCliqueSet (field manager
// e2e-rolling-update-test, conflicts forced, as upstream's client.Apply with ForceOwnership); it is
// complete when the PCS has observed its generation, status.updatedReplicas equals the replicas
// and updateProgress.updateEndedAt is set (for an episode that started after the trigger). Scaling
// goes through `kubectl scale` of the PCS, of each PCS replica's PCSG or PodClique.
import type { KubeObject } from "@grove-ts/runtime";
import { expect } from "vitest";
import { type E2E, NS, T } from "./harness.js";
import type { PodEvent } from "./pod-watch.js";
import { type PodLike, podView } from "./pods.js";
import { waitFor } from "./wait.js";

export const UPDATE_TRIGGER = "UPDATE_TRIGGER";
const FIELD_MANAGER = "e2e-rolling-update-test";

interface PcsLike extends KubeObject {
  spec: {
    replicas?: number;
    template: {
      cliques: {
        name: string;
        spec: { podSpec: { containers: { env?: { name: string; value?: string }[] }[] } };
      }[];
    };
  };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    updateProgress?: {
      updateStartedAt?: string;
      updateEndedAt?: string;
      currentlyUpdating?: { replicaIndex: number }[];
    };
  };
}

export class RollingUpdate {
  /** clique name -> the UPDATE_TRIGGER value of its last trigger. */
  readonly triggered = new Map<string, string>();
  private seq = 0;

  constructor(
    private readonly e2e: E2E,
    readonly pcs: string,
  ) {}

  /**
   * Sets UPDATE_TRIGGER on each clique's first container, one server-side apply per clique (as
   * upstream does); returns the time before the first apply.
   */
  async trigger(...cliques: string[]): Promise<number> {
    const since = Date.now();
    for (const clique of cliques) {
      const obj = await this.e2e.kubectl.json<PcsLike & { status?: unknown }>([
        "get",
        "podcliquesets.grove.io",
        this.pcs,
      ]);
      const m = obj.metadata as Record<string, unknown>;
      for (const k of ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"])
        delete m[k];
      delete obj.status;
      const c = obj.spec.template.cliques.find((x) => x.name === clique);
      const container = c?.spec.podSpec.containers[0];
      if (!container)
        throw new Error(`clique ${clique} (with a container) not found in PodCliqueSet ${this.pcs}`);
      const value = `${Date.now()}-${++this.seq}`;
      const env = (container.env ?? []).filter((e) => e.name !== UPDATE_TRIGGER);
      container.env = [...env, { name: UPDATE_TRIGGER, value }];
      await this.e2e.kubectl.ok(
        ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
        JSON.stringify(obj),
      );
      this.triggered.set(clique, value);
    }
    return since;
  }

  async get(): Promise<PcsLike> {
    const pcs = await this.e2e.client.get<PcsLike>(T.pcs, this.pcs, NS);
    if (!pcs) throw new Error(`PodCliqueSet ${this.pcs} not found`);
    return pcs;
  }

  /** Waits for completion of the episode started at or after `since` with `replicas` updated. */
  async waitComplete(replicas: number, since: number, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      `${this.pcs}: rolling update complete (updatedReplicas ${replicas}, updateEndedAt set)`,
      async () => {
        const pcs = await this.get();
        const s = pcs.status ?? {};
        const p = s.updateProgress;
        const started = Date.parse(p?.updateStartedAt ?? "");
        return {
          // updateStartedAt has second precision.
          ok:
            s.observedGeneration === pcs.metadata.generation &&
            s.updatedReplicas === replicas &&
            p?.updateEndedAt !== undefined &&
            started >= Math.floor(since / 1000) * 1000,
          state: `generation ${pcs.metadata.generation} observed ${s.observedGeneration}; updatedReplicas ${s.updatedReplicas}; updateProgress ${JSON.stringify(p)}; ${await this.children()}`,
        };
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** Each PCSG's and PodClique's replicas and update progress, for failure messages. */
  async children(): Promise<string> {
    const sel = `app.kubernetes.io/part-of=${this.pcs}`;
    type Child = KubeObject & { spec?: { replicas?: number }; status?: Record<string, unknown> };
    const out: string[] = [];
    for (const type of [T.pcsg, T.pclq])
      for (const o of await this.e2e.list<Child>(type, sel)) {
        const st = o.status ?? {};
        out.push(
          `${o.metadata.name}${o.metadata.deletionTimestamp ? " (terminating)" : ""} r=${o.spec?.replicas} ready=${st.readyReplicas ?? st.availableReplicas} updated=${st.updatedReplicas} progress=${JSON.stringify(st.updateProgress)}`,
        );
      }
    return out.join("; ");
  }

  /** Waits until PCS replica `ordinal` is status.updateProgress.currentlyUpdating. */
  async waitUpdating(ordinal: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.pcs}: replica ${ordinal} currentlyUpdating`,
      async () => {
        const p = (await this.get()).status?.updateProgress;
        return {
          ok: p?.updateEndedAt === undefined && p?.currentlyUpdating?.[0]?.replicaIndex === ordinal,
          state: JSON.stringify(p),
        };
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  async scalePcs(replicas: number): Promise<void> {
    await this.e2e.kubectl.ok(["scale", "podcliquesets.grove.io", this.pcs, `--replicas=${replicas}`]);
  }

  /** `kubectl scale` of `<pcs>-<i>-<name>` for every PCS replica i (a PCSG or a standalone PodClique). */
  async scaleEach(kind: "pcsg" | "pclq", name: string, replicas: number): Promise<void> {
    const n = (await this.get()).spec.replicas ?? 1;
    const resource = kind === "pcsg" ? "podcliquescalinggroups.grove.io" : "podcliques.grove.io";
    const names = Array.from({ length: n }, (_, i) => `${this.pcs}-${i}-${name}`);
    await this.e2e.kubectl.ok(["scale", resource, ...names, `--replicas=${replicas}`]);
  }

  /**
   * Waits until the PCS has exactly `total` pods, none terminating, all Ready, and every pod of a
   * triggered clique carries its last UPDATE_TRIGGER value (the new spec).
   */
  async waitSettled(total: number, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      `${this.pcs}: ${total} Ready pods, none terminating, every pod of [${[...this.triggered.keys()].join(", ")}] on the new spec`,
      async () => {
        const all = await this.e2e.list<PodLike>(T.pod, `app.kubernetes.io/part-of=${this.pcs}`);
        const terminating = all.filter((p) => p.metadata.deletionTimestamp).length;
        const ready = all.map((p) => podView(p)).filter((p) => p.ready).length;
        const stale = all.filter((p) => !this.onNewSpec(p)).map((p) => p.metadata.name);
        return {
          ok: all.length === total && terminating === 0 && ready === total && stale.length === 0,
          state: `${all.length} pods (${terminating} terminating, ${ready} Ready); old spec: [${stale.join(", ")}]`,
        };
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** The pod's first container has the last UPDATE_TRIGGER of its clique (pods of untriggered cliques: true). */
  onNewSpec(p: PodLike): boolean {
    const pclq = p.metadata.labels?.["grove.io/podclique"] ?? "";
    for (const [clique, value] of this.triggered)
      if (pclq.endsWith(`-${clique}`))
        return (p.spec?.containers?.[0]?.env ?? []).some(
          (e) => e.name === UPDATE_TRIGGER && e.value === value,
        );
    return true;
  }

  /**
   * Pods created on the new spec are never updated again (upstream RU11, RU18: "not updated again
   * before the rolling update ends"): no DELETED event of a pod carrying its clique's last trigger.
   * A PCSG member pod counts only when one clique was triggered: with several, a PCSG replica
   * recreated for its first clique's change is rightly recreated again for its sibling's.
   */
  expectNoNewPodReplaced(events: readonly PodEvent[]): void {
    const again = events
      .filter((e) => e.type === "DELETED")
      .filter((e) => this.triggered.size === 1 || !e.labels["grove.io/podcliquescalinggroup"])
      .filter((e) => {
        const pclq = e.labels["grove.io/podclique"] ?? "";
        const clique = [...this.triggered.keys()].find((c) => pclq.endsWith(`-${c}`));
        return clique !== undefined && e.updateTrigger === this.triggered.get(clique);
      })
      .map((e) => e.name);
    expect(again, `${this.pcs}: pods on the new spec that were deleted again`).toEqual([]);
  }

  /** The update's end state: `replicas` updated, `total` pods on the new spec, as kubectl reports it. */
  async expectDone(replicas: number, total: number): Promise<void> {
    await this.waitSettled(total);
    const pcs = await this.e2e.kubectl.json<PcsLike>(["get", "podcliquesets.grove.io", this.pcs]);
    expect(pcs.status?.updatedReplicas, `${this.pcs} status.updatedReplicas`).toBe(replicas);
    expect(
      pcs.status?.updateProgress?.updateEndedAt,
      `${this.pcs} updateProgress.updateEndedAt`,
    ).toBeDefined();
    expect(pcs.status?.updateProgress?.currentlyUpdating ?? [], "currentlyUpdating").toEqual([]);
  }
}
