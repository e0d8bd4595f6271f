// Grove's Test_CascadeDeletePodCliqueSet (grove-behaviour.md §18.7) with the real kubectl on
// 10 agent nodes: after deploy the PodCliqueSet's children exist; `kubectl delete pcs` then leaves
// no PodCliqueScalingGroup, PodClique, PodGang, Pod, Service, ServiceAccount, Secret, Role,
// RoleBinding or HorizontalPodAutoscaler labelled part-of=<pcs>. Upstream's WL1 has no HPA, so a
// second case adds one for pc-a and one for sg-x (workloads/wl-cascade.yaml). On the real control
// plane the children go through ownerReferences and kube-controller-manager's garbage collector,
// which grove-sim runs there (apps/simulator: KUBE_CONTROLLERS); on ours, through its own.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E, MANAGED_KINDS } from "./lib/harness.js";

const wl = (name: string) => join(import.meta.dirname, "workloads", `${name}.yaml`);

describe("cascade delete (Test_CascadeDeletePodCliqueSet), 10 agent nodes", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: agentCluster(10) });
  });
  afterEach(async () => {
    await e2e.cleanup({ uncordon: "now" });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** kubectl's names of one kind labelled part-of=<pcs>. */
  const names = (kind: string, pcs: string) =>
    e2e.kubectl.names(kind, "-l", `app.kubernetes.io/part-of=${pcs}`);

  /** Every object of the §18.7 list labelled part-of=<pcs>, in one kubectl get. */
  async function everything(pcs: string): Promise<string[]> {
    const out = await e2e.kubectl.ok([
      "get",
      MANAGED_KINDS.map((k) => k.kubectl).join(","),
      "-l",
      `app.kubernetes.io/part-of=${pcs}`,
      "-o",
      "name",
    ]);
    return out.split("\n").filter((l) => l !== "");
  }

  /** Deploy, wait for 10 Ready pods, check the children `want`, delete the PCS, wait until nothing is left. */
  async function cascade(pcs: string, want: Record<string, string[]>): Promise<void> {
    await e2e.prepareTest(10);
    await e2e.apply(wl(pcs));
    await e2e.waitPods(pcs, { total: 10, running: 10, ready: 10, pending: 0 });
    for (const [kind, list] of Object.entries(want))
      await e2e.waitNames(`${pcs}: ${kind}`, () => names(kind, pcs), list, { timeoutMs: 30_000 });
    expect((await names("pods", pcs)).length).toBe(10);
    const before = await everything(pcs);
    expect(before.length).toBe(Object.values(want).flat().length + 10);

    await e2e.kubectl.ok(["delete", "pcs", pcs, "--wait=false"]);
    await e2e.waitNames(`${pcs}: every child deleted (left of ${before.length})`, () => everything(pcs), [], {
      timeoutMs: 90_000,
    });
    await e2e.waitNames(`${pcs}: PodCliqueSet deleted`, () => e2e.kubectl.names("pcs"), []);
  }

  it("WL1: PCSG, 5 PCLQs, PodGang, 10 pods, Service, ServiceAccount, Secret, Role, RoleBinding -> delete pcs -> none left", async () => {
    await cascade("wl1", {
      "podcliquescalinggroups.grove.io": ["wl1-0-sg-x"],
      "podcliques.grove.io": [
        "wl1-0-pc-a",
        "wl1-0-sg-x-0-pc-b",
        "wl1-0-sg-x-0-pc-c",
        "wl1-0-sg-x-1-pc-b",
        "wl1-0-sg-x-1-pc-c",
      ],
      "podgangs.scheduler.grove.io": ["wl1-0"],
      services: ["wl1-0"],
      serviceaccounts: ["wl1"],
      secrets: ["wl1-ic-sat"],
      "roles.rbac.authorization.k8s.io": ["grove.io:pcs:wl1"],
      "rolebindings.rbac.authorization.k8s.io": ["grove.io:pcs:wl1"],
    });
  }, 150_000);

  it("WL1 with HPAs for pc-a and sg-x: the HPAs go with the rest", async () => {
    const p = "wl-cascade";
    await cascade(p, {
      "podcliquescalinggroups.grove.io": [`${p}-0-sg-x`],
      "podcliques.grove.io": [
        `${p}-0-pc-a`,
        `${p}-0-sg-x-0-pc-b`,
        `${p}-0-sg-x-0-pc-c`,
        `${p}-0-sg-x-1-pc-b`,
        `${p}-0-sg-x-1-pc-c`,
      ],
      "podgangs.scheduler.grove.io": [`${p}-0`],
      services: [`${p}-0`],
      serviceaccounts: [p],
      secrets: [`${p}-ic-sat`],
      "roles.rbac.authorization.k8s.io": [`grove.io:pcs:${p}`],
      "rolebindings.rbac.authorization.k8s.io": [`grove.io:pcs:${p}`],
      "horizontalpodautoscalers.autoscaling": [`${p}-0-pc-a`, `${p}-0-sg-x`],
    });
  }, 150_000);
});
