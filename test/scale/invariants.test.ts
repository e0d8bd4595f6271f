// The scale suite's final invariants (grove-behaviour.md §19.2; test/src/scale/invariants.ts) at a
// size CI can afford: a few dozen pods churned up and down in-process must end consistent, and
// each kind of damage the checks exist for is caught when injected into a converged cluster.
import { PodCliqueSetType, PodCliqueType, PodGangType } from "@grove-ts/api";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { type ScaleEnv, startScaleEnv } from "../src/scale/env.js";
import { awaitInvariants, checkInvariants, type InvariantTarget } from "../src/scale/invariants.js";
import { PODS_PER_REPLICA, scaleWorkload } from "../src/scale/manifests.js";
import { partOf, watchPods } from "../src/scale/pod-view.js";
import { conditions, TimelineTracker } from "../src/scale/timeline.js";

const NS = "default";

const target = (pcs: string, replicas: number): InvariantTarget => ({
  namespace: NS,
  pcs,
  replicas,
  podsPerReplica: PODS_PER_REPLICA,
  cliquesPerReplica: 1,
});

let env: ScaleEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function converged(
  pcs: string,
  replicas: number,
  opts: { podGangEmptyReplicasPerPass?: number } = {},
): Promise<ScaleEnv> {
  env = await startScaleEnv({ mode: "in-process", activeNodes: 3, ...opts });
  await env.client.create(
    PodCliqueSetType,
    scaleWorkload({ name: pcs, namespace: NS, replicas, memory: "10Mi" }) as KubeObject,
  );
  // The milestones read a watch of the pods here (as the bench's do), and list them in the soak below.
  const view = await watchPods(env.client, NS, pcs);
  const c = conditions(env.client, NS, pcs, view);
  try {
    await new TimelineTracker(pcs, { timeoutMs: 30_000 }).run({
      name: "deploy",
      milestones: [c.podsReady("ready", replicas * PODS_PER_REPLICA), c.pcsAvailable("available", replicas)],
    });
    // The watch ends up with exactly the pods a list returns.
    const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name).sort();
    const listed = names(
      (await env.client.list(PodType, { namespace: NS, labelSelector: partOf(pcs) })).items,
    );
    expect(listed).toHaveLength(replicas * PODS_PER_REPLICA);
    await expect.poll(() => names(view.pods())).toEqual(listed);
  } finally {
    await view.stop();
  }
  expect(await awaitInvariants(env.client, target(pcs, replicas), 20_000, 200)).toEqual([]);
  return env;
}

describe("SoakChurn final invariants, in-process", () => {
  it("hold after churning 6 -> 15 -> 6 -> 12 -> 4 replicas", async () => {
    const e = await converged("soak-ci", 6);
    const c = conditions(e.client, NS, "soak-ci");
    const t = new TimelineTracker("soak-ci", { timeoutMs: 30_000 });
    for (const replicas of [15, 6, 12, 4]) {
      await t.run({
        name: `to-${replicas}`,
        action: async () => {
          await e.client.patch(PodCliqueSetType, "soak-ci", NS, {
            type: "merge",
            body: { spec: { replicas } },
          });
        },
        milestones: [
          c.podsAtCount("count", replicas * PODS_PER_REPLICA),
          c.podsReady("ready", replicas * PODS_PER_REPLICA),
        ],
      });
    }
    expect(await awaitInvariants(e.client, target("soak-ci", 4), 20_000, 200)).toEqual([]);
    // Each milestone was reached in order within its phase.
    expect(t.phases.map((p) => p.milestones.map((m) => m.name))).toEqual(Array(4).fill(["count", "ready"]));
    const counts = e.requests.snapshot();
    expect(counts.podsCreated).toBeGreaterThanOrEqual((15 - 6 + 12 - 6) * PODS_PER_REPLICA);
    // A replica scaled away goes by deleting its PodClique (its pods follow by owner), or its pods.
    const deletes = Object.values(counts.byVerb.delete ?? {}).reduce((a, b) => a + b, 0);
    expect(deletes).toBeGreaterThanOrEqual(15 - 6 + 12 - 4);
  });
});

type Damage = {
  name: string;
  /** Applied with the operator stopped, so nothing repairs it. */
  apply(e: ScaleEnv, pods: KubeObject[]): Promise<void>;
  expect: RegExp;
};

const podTemplate = (p: KubeObject, name: string, extra: Record<string, unknown> = {}) => {
  const { metadata, spec } = p as KubeObject & { spec: Record<string, unknown> };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      labels: metadata.labels ?? {},
      ...(metadata.ownerReferences ? { ownerReferences: metadata.ownerReferences } : {}),
    },
    spec: { ...spec, nodeName: undefined, ...extra },
  } as KubeObject;
};

const DAMAGE: Damage[] = [
  {
    name: "a pod deleted behind the operator's back",
    apply: async (e, pods) => {
      await e.client.delete(PodType, pods[0]?.metadata.name ?? "", NS, { gracePeriodSeconds: 0 });
    },
    expect: /^pods: 5 live, want 6$/m,
  },
  {
    name: "an orphan pod of the workload",
    apply: async (e, pods) => {
      const p = podTemplate(pods[0] as KubeObject, "stray-pod");
      p.metadata.ownerReferences = undefined;
      await e.client.create(PodType, p);
    },
    expect: /^Pod stray-pod: no live owning PodClique \(orphan\)$/m,
  },
  {
    name: "two pods with one hostname",
    apply: async (e, pods) => {
      const host = String((pods[0] as KubeObject & { spec: { hostname?: string } }).spec.hostname ?? "h");
      await e.client.create(PodType, podTemplate(pods[1] as KubeObject, "twin-pod", { hostname: host }));
    },
    expect: /same hostname/,
  },
  {
    name: "a PodClique counter that disagrees with its pods",
    apply: async (e) => {
      const q = (await e.client.list(PodCliqueType, { namespace: NS })).items[0] as KubeObject;
      await e.client.patch(
        PodCliqueType,
        q.metadata.name ?? "",
        NS,
        { type: "merge", body: { status: { readyReplicas: 7 } } },
        { subresource: "status" },
      );
    },
    expect: /status\.readyReplicas 7, want 2/,
  },
  {
    name: "a pod in two PodGangs",
    apply: async (e, pods) => {
      const gangs = (await e.client.list(PodGangType, { namespace: NS })).items as (KubeObject & {
        spec: { podgroups: { podReferences: { name: string; namespace: string }[] }[] };
      })[];
      const victim = pods.find((p) => !JSON.stringify(gangs[0]?.spec).includes(`"${p.metadata.name}"`));
      const g = gangs[0];
      if (!g || !victim) throw new Error("fixture: need two gangs");
      g.spec.podgroups[0]?.podReferences.push({ name: victim.metadata.name ?? "", namespace: NS });
      await e.client.update(PodGangType, g);
    },
    expect: /: in PodGangs .* and /,
  },
  {
    name: "a PodCliqueSet status behind its spec",
    apply: async (e) => {
      await e.client.patch(PodCliqueSetType, "inv", NS, { type: "merge", body: { spec: { replicas: 4 } } });
    },
    expect: /PodCliqueSet status\.replicas 3, want 4|observedGeneration/,
  },
];

describe("PodGangs created as their pods appear, in-process", () => {
  // A PodCliqueSet reconcile's PodGang pass writes at most podGangEmptyReplicasPerPass replicas
  // that have neither a gang nor all their pods, the rest on later passes (packages/controllers
  // pcs/podgangs.ts); over a rate-limited client that is most of a large PodCliqueSet's first
  // passes. With 0 every such replica waits for its pods (the path taken at its most): a replica
  // whose readiness were misjudged would never get its gang, and the test would time out.
  it("with podGangEmptyReplicasPerPass 0, every gang is created and Initialized, and every invariant holds", async () => {
    const e = await converged("lazy-gangs", 40, { podGangEmptyReplicasPerPass: 0 });
    const { items } = await e.client.list<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >(PodGangType, { namespace: NS });
    expect(items).toHaveLength(40);
    const initialized = items.filter((g) =>
      g.status?.conditions?.some((c) => c.type === "Initialized" && c.status === "True"),
    );
    expect(initialized).toHaveLength(40);
  }, 90_000);
});

describe("final invariants catch damage", () => {
  it.each(DAMAGE)("$name", async (d) => {
    const e = await converged("inv", 3);
    await e.stopOperator();
    const pods = (
      await e.client.list(PodType, { namespace: NS, labelSelector: "app.kubernetes.io/part-of=inv" })
    ).items;
    await d.apply(e, pods);
    const t = d.name.startsWith("a PodCliqueSet status") ? target("inv", 4) : target("inv", 3);
    const v = await checkInvariants(e.client, t);
    expect(v.join("\n")).toMatch(d.expect);
  });
});
