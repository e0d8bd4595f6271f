// One grove-sim per test file, the real kubectl against it, and Grove's e2e harness semantics
// (grove-behaviour.md §17.2): PrepareTest(n) cordons all but n worker nodes, cordon/uncordon go
// through kubectl, and cleanup deletes every PodCliqueSet, waits until every Grove-managed object
// and pod is gone and uncordons all nodes.
//
// Actions (apply, scale, cordon, delete) and the names the tests assert go through kubectl. The
// many small polls of a wait read through a Client instead (the simulator's in-process one, or
// @grove-ts/kube over HTTP when grove-sim runs as its own process), so a wait costs no process spawn.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@grove-ts/kube";
import type { Client, KubeObject, ResourceType } from "@grove-ts/runtime";
import {
  type ClusterSpec,
  type OperatorMode,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "@grove-ts/simulator";
import { target } from "../../src/target.js";
import { Kubectl } from "./kubectl.js";
import { type ChildHandle, startOperator, startSimCli } from "./operator.js";
import { type PodView, podView, summarize } from "./pods.js";
import { type Probe, type WaitOptions, waitFor } from "./wait.js";

export const AGENT_LABEL = "node_role.e2e.grove.nvidia.com";
export const MANAGED = "app.kubernetes.io/managed-by=grove-operator";
export const NS = "default";

const core = (kind: string, plural: string, namespaced = true): ResourceType => ({
  apiVersion: "v1",
  kind,
  plural,
  namespaced,
});
const grove = (kind: string, plural: string): ResourceType => ({
  apiVersion: "grove.io/v1alpha1",
  kind,
  plural,
  namespaced: true,
});
export const T = {
  node: core("Node", "nodes", false),
  pod: core("Pod", "pods"),
  event: core("Event", "events"),
  service: core("Service", "services"),
  serviceAccount: core("ServiceAccount", "serviceaccounts"),
  secret: core("Secret", "secrets"),
  role: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", plural: "roles", namespaced: true },
  roleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    namespaced: true,
  },
  hpa: {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    namespaced: true,
  },
  pcs: grove("PodCliqueSet", "podcliquesets"),
  pclq: grove("PodClique", "podcliques"),
  pcsg: grove("PodCliqueScalingGroup", "podcliquescalinggroups"),
  podgang: {
    apiVersion: "scheduler.grove.io/v1alpha1",
    kind: "PodGang",
    plural: "podgangs",
    namespaced: true,
  },
} satisfies Record<string, ResourceType>;

/** Every kind the operator creates for a PCS (the §18.7 cascade-delete list), with kubectl's name for it. */
export const MANAGED_KINDS: { type: ResourceType; kubectl: string }[] = [
  { type: T.pcsg, kubectl: "podcliquescalinggroups.grove.io" },
  { type: T.pclq, kubectl: "podcliques.grove.io" },
  { type: T.podgang, kubectl: "podgangs.scheduler.grove.io" },
  { type: T.pod, kubectl: "pods" },
  { type: T.service, kubectl: "services" },
  { type: T.serviceAccount, kubectl: "serviceaccounts" },
  { type: T.secret, kubectl: "secrets" },
  { type: T.role, kubectl: "roles.rbac.authorization.k8s.io" },
  { type: T.roleBinding, kubectl: "rolebindings.rbac.authorization.k8s.io" },
  { type: T.hpa, kubectl: "horizontalpodautoscalers.autoscaling" },
];

/**
 * The §17.1 e2e node pool: `count` nodes of 4 CPU / 150Mi / 110 pods carrying the agent label and
 * NoSchedule taint, so that one 80Mi pod fits per node.
 */
export function agentCluster(count: number): ClusterSpec {
  return {
    name: "grove-e2e",
    pools: [
      {
        name: "agent",
        count,
        namePrefix: "kwok-node-",
        allocatable: { cpu: "4", memory: "150Mi", pods: "110" },
        labels: { [AGENT_LABEL]: "agent" },
        taints: [{ key: AGENT_LABEL, value: "agent", effect: "NoSchedule" }],
      },
    ],
  };
}

/** Plain CPU nodes for the user-guide shapes (no taints): `count` nodes of 16 CPU / 64Gi. */
export function cpuCluster(count: number): ClusterSpec {
  return {
    name: "grove-e2e-cpu",
    pools: [
      {
        name: "cpu",
        count,
        namePrefix: "cpu-node-",
        allocatable: { cpu: "16", memory: "64Gi", pods: "110" },
      },
    ],
  };
}

export interface E2EOptions {
  cluster: ClusterSpec;
  /** in-process: controllers and scheduler inside grove-sim; external: grove-operator as a child process. */
  operator?: OperatorMode;
  /** Running -> Ready delay of simulated pods. */
  readyDelayMs?: number;
  /** With "external": start grove-operator with the admin kubeconfig (default true). */
  startOperator?: boolean;
  /** grove-sim serves Grove's webhooks on the real control plane (default true). */
  webhooks?: boolean;
  /** The in-process gang scheduler's placement policy per scheduler name (default BinPack). */
  placementPolicies?: Record<string, "BinPack" | "Spread">;
  /** Shorter fault back-offs and node lifecycle graces (README "Faults"). */
  faults?: SimulatorOptions["faults"];
  nodeLifecycle?: SimulatorOptions["nodeLifecycle"];
  /** network.autoMNNVLEnabled (default: on where the cluster has computeDomains: true). */
  autoMNNVL?: boolean;
  /** The HPA controller's timing (grove-sim's own, or kube-controller-manager's flags). */
  hpa?: SimulatorOptions["hpa"];
}

const natural = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });

export class E2E {
  /** Nodes cordoned by a test step (not by PrepareTest) and not uncordoned yet, in cordon order. */
  cordoned: string[] = [];
  operatorProc: ChildHandle | undefined;

  private constructor(
    readonly dir: string,
    readonly kubeconfig: string,
    readonly kubectl: Kubectl,
    readonly client: Client,
    readonly mode: OperatorMode,
    private readonly shutdown: () => Promise<void>,
  ) {}

  /** grove-sim in this process (startSimulator); with operator "external" also grove-operator as a child. */
  static async start(options: E2EOptions): Promise<E2E> {
    const dir = mkdtempSync(join(tmpdir(), "grove-e2e-"));
    const mode = options.operator ?? "in-process";
    const sim: Simulator = await startSimulator({
      controlPlane: target,
      cluster: options.cluster,
      operator: mode,
      readyDelayMs: options.readyDelayMs ?? 20,
      kubeconfigPath: join(dir, "kubeconfig"),
      ...(options.webhooks !== undefined ? { webhooks: options.webhooks } : {}),
      ...(options.placementPolicies ? { placementPolicies: options.placementPolicies } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.nodeLifecycle ? { nodeLifecycle: options.nodeLifecycle } : {}),
      ...(options.autoMNNVL !== undefined ? { autoMNNVL: options.autoMNNVL } : {}),
      ...(options.hpa ? { hpa: options.hpa } : {}),
    });
    const e2e = new E2E(
      dir,
      sim.kubeconfigPath,
      new Kubectl(sim.kubeconfigPath, dir),
      sim.client,
      mode,
      async () => {
        await sim.close();
      },
    );
    if (mode === "external" && (options.startOperator ?? true)) e2e.startOperator();
    return e2e;
  }

  /** `grove-sim up` as its own process (the CLI); reads go through @grove-ts/kube over HTTP. */
  static async startCli(clusterFile: string, operator: OperatorMode, readyDelayMs = 20): Promise<E2E> {
    const dir = mkdtempSync(join(tmpdir(), "grove-e2e-"));
    const kubeconfig = join(dir, "kubeconfig");
    const sim = await startSimCli([
      "--cluster",
      clusterFile,
      "--kubeconfig",
      kubeconfig,
      "--operator",
      operator,
      "--ready-delay",
      String(readyDelayMs),
      "--control-plane",
      target,
    ]);
    const client = createKubeClient({ kubeconfigPath: kubeconfig });
    return new E2E(dir, kubeconfig, new Kubectl(kubeconfig, dir), client, operator, async () => {
      await sim.stop("SIGTERM");
    });
  }

  /** Starts grove-operator against this cluster (external mode); replaces the handle. */
  startOperator(extra: readonly string[] = []): ChildHandle {
    this.operatorProc = startOperator(this.kubeconfig, extra);
    return this.operatorProc;
  }

  async close(): Promise<void> {
    try {
      await this.operatorProc?.stop("SIGTERM");
      await this.shutdown();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Writes `text` to a file in this harness's temp dir; returns the path. */
  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  async apply(path: string): Promise<string> {
    return this.kubectl.ok(["apply", "-f", path]);
  }

  async list<O extends KubeObject>(type: ResourceType, labelSelector?: string): Promise<O[]> {
    const res = await this.client.list<O>(type, {
      ...(type.namespaced ? { namespace: NS } : {}),
      ...(labelSelector ? { labelSelector } : {}),
    });
    return res.items;
  }

  // ---- nodes (§17.2) ----------------------------------------------------------------------------

  /** Ready worker nodes (the agent label), in natural name order, as kubectl lists them. */
  async workerNodes(): Promise<{ name: string; cordoned: boolean }[]> {
    const list = await this.kubectl.json<{
      items: {
        metadata: { name: string };
        spec?: { unschedulable?: boolean };
        status?: { conditions?: { type: string; status: string }[] };
      }[];
    }>(["get", "nodes", "-l", AGENT_LABEL]);
    return list.items
      .filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      .map((n) => ({ name: n.metadata.name, cordoned: n.spec?.unschedulable === true }))
      .sort((a, b) => natural(a.name, b.name));
  }

  /**
   * `kubectl cordon|uncordon` over `nodes`. kubectl handles its arguments one after the other
   * (a GET and a PATCH each), so a long list is split over a few kubectl processes.
   */
  private async nodeVerb(verb: "cordon" | "uncordon", nodes: readonly string[]): Promise<void> {
    const chunks: string[][] = [];
    const per = Math.max(3, Math.ceil(nodes.length / 4));
    for (let i = 0; i < nodes.length; i += per) chunks.push(nodes.slice(i, i + per));
    await Promise.all(chunks.map((c) => this.kubectl.ok([verb, ...c])));
  }

  async cordon(nodes: readonly string[]): Promise<void> {
    await this.nodeVerb("cordon", nodes);
    this.cordoned.push(...nodes);
  }

  async uncordonNodes(nodes: readonly string[]): Promise<void> {
    await this.nodeVerb("uncordon", nodes);
    this.cordoned = this.cordoned.filter((n) => !nodes.includes(n));
  }

  /** Uncordons the first `k` nodes this harness cordoned. */
  async uncordon(k: number): Promise<string[]> {
    if (k > this.cordoned.length)
      throw new Error(`uncordon ${k}: only ${this.cordoned.length} nodes are cordoned`);
    const nodes = this.cordoned.slice(0, k);
    await this.uncordonNodes(nodes);
    return nodes;
  }

  /**
   * PrepareTest(n) followed by the scenario's "cordon k": every Ready worker node but the first `n`
   * is cordoned, then `k` of those `n` (the highest names) are cordoned as uncordon candidates for
   * the test's steps. Only nodes whose state differs are touched, so a cleanup that left nodes
   * cordoned (`cleanup({ uncordon: "next-prepare" })`) ends in exactly the state CleanupWorkloads'
   * uncordon-all followed by this call would give.
   */
  async prepareTest(n: number, k = 0): Promise<{ schedulable: string[]; cordoned: string[] }> {
    const workers = await this.workerNodes();
    if (workers.length < n)
      throw new Error(`PrepareTest(${n}): the cluster has only ${workers.length} worker nodes`);
    const schedulable = workers.slice(0, n - k).map((w) => w.name);
    const stepCordoned = workers.slice(n - k, n).map((w) => w.name);
    const rest = workers.slice(n).map((w) => w.name);
    const want = new Set([...stepCordoned, ...rest]);
    await Promise.all([
      this.nodeVerb(
        "uncordon",
        workers.filter((w) => w.cordoned && !want.has(w.name)).map((w) => w.name),
      ),
      this.nodeVerb(
        "cordon",
        workers.filter((w) => !w.cordoned && want.has(w.name)).map((w) => w.name),
      ),
    ]);
    this.cordoned = stepCordoned;
    return { schedulable, cordoned: rest };
  }

  /**
   * CleanupWorkloads: deletes every PodCliqueSet, waits until every Grove-managed object and pod is
   * gone, and uncordons every node (also ones cordoned outside the harness). With
   * `uncordon: "next-prepare"` the uncordon is left to the next prepareTest, which only touches the
   * nodes whose state must change (the GS scenarios run back to back).
   */
  async cleanup(options: WaitOptions & { uncordon?: "now" | "next-prepare" } = {}): Promise<void> {
    await this.kubectl.ok(["delete", "podcliquesets.grove.io", "--all", "--wait=false"]);
    await waitFor(
      "every PodCliqueSet and Grove-managed object to be deleted",
      async () => {
        const left: string[] = [];
        for (const pcs of await this.list(T.pcs)) left.push(`PodCliqueSet/${pcs.metadata.name}`);
        for (const k of MANAGED_KINDS)
          for (const o of await this.list(k.type, MANAGED)) left.push(`${k.type.kind}/${o.metadata.name}`);
        return { ok: left.length === 0, state: `left: ${left.slice(0, 20).join(", ")}` };
      },
      options,
    );
    this.cordoned = [];
    if (options.uncordon === "next-prepare") return;
    const nodes = await this.kubectl.json<{
      items: { metadata: { name: string }; spec?: { unschedulable?: boolean } }[];
    }>(["get", "nodes"]);
    const cordoned = nodes.items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
    await this.nodeVerb("uncordon", cordoned);
  }

  /** Polls `get` (kubectl, typically) until it returns exactly `want`. */
  async waitNames(
    what: string,
    get: () => Promise<string[]>,
    want: readonly string[],
    options: WaitOptions = {},
  ): Promise<void> {
    await waitFor(
      what,
      async () => {
        const have = await get();
        return {
          ok: JSON.stringify(have) === JSON.stringify(want),
          state: `have [${have.join(", ")}], want [${want.join(", ")}]`,
        };
      },
      { intervalMs: 200, ...options },
    );
  }

  // ---- pods ---------------------------------------------------------------------------------------

  /** The live (not terminating) pods of a PodCliqueSet, selected by `part-of` as Grove's harness does. */
  async pods(pcs: string): Promise<PodView[]> {
    const pods = await this.list(T.pod, `app.kubernetes.io/part-of=${pcs}`);
    return pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => podView(p));
  }

  /**
   * Waits until the PCS has exactly `total` live pods with the given counts. `pending` counts only
   * settled pending pods: still gated by Grove, or marked PodScheduled=False/Unschedulable by the
   * scheduler, so that "pending" means the scheduler had its say, not that it has not looked yet.
   */
  async waitPods(
    pcs: string,
    want: { total: number; running?: number; ready?: number; pending?: number },
    options: WaitOptions = {},
  ): Promise<PodView[]> {
    let last: PodView[] = [];
    const parts = Object.entries(want)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    await waitFor(
      `${pcs}: pods ${parts}`,
      async (): Promise<Probe> => {
        last = await this.pods(pcs);
        const s = summarize(last);
        const ok =
          s.total === want.total &&
          (want.running === undefined || s.running === want.running) &&
          (want.ready === undefined || s.ready === want.ready) &&
          (want.pending === undefined || (s.pending === want.pending && s.settledPending === want.pending));
        return { ok, state: s.describe() };
      },
      options,
    );
    return last;
  }
}
