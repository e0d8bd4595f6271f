// What the auto-MNNVL suite checks of grove-sim's ComputeDomain driver and of the resourceclaim
// controller (grove-sim's on our API server, kube-controller-manager's on the real control plane),
// read with kubectl: the ComputeDomain's ResourceClaimTemplate, owned by it; every pod's own claim
// from that template, named `<pod>-mnnvl-claim-<5>`, controlled by the pod, annotated with the pod
// claim's name and recorded in the pod's status.resourceClaimStatuses, allocated by the gang scheduler
// (a channel device of the pod's node) and reserved for the pod; the ComputeDomain's status
// Ready with the nodes its pods run on; and nothing of it left once the PodCliqueSet is gone.
import { expect } from "vitest";
import type { E2E } from "./harness.js";
import { CD } from "./mnnvl.js";
import { waitFor } from "./wait.js";

interface Meta {
  name: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  deletionTimestamp?: string;
}
interface Pod {
  metadata: Meta;
  spec: { nodeName?: string };
  status?: { phase?: string; resourceClaimStatuses?: { name: string; resourceClaimName?: string }[] };
}
interface Cd {
  metadata: Meta;
  status?: {
    status?: string;
    nodes?: { name: string; cliqueID?: string; index?: number; status?: string }[];
  };
}

interface Claim {
  metadata: Meta;
  status?: {
    allocation?: {
      devices?: { results?: { request: string; driver: string; pool: string; device: string }[] };
      nodeSelector?: { nodeSelectorTerms?: { matchFields?: unknown[] }[] };
    };
    reservedFor?: { resource: string; name: string; uid: string }[];
  };
}

/** The driver of the ComputeDomain channel devices (grove-sim's ComputeDomain driver). */
const CD_DRIVER = "compute-domain.nvidia.com";
const SLOW = { timeoutMs: 120_000 };
const one = <T>(e2e: E2E, kind: string, name: string): Promise<T> =>
  e2e.kubectl.json<T>(["get", kind, name, "-n", "default"]);
const items = async <T>(e2e: E2E, kind: string, ...args: string[]): Promise<T[]> =>
  (await e2e.kubectl.json<{ items: T[] }>(["get", kind, "-n", "default", ...args])).items;

/** Waits until the driver and the claim controller have done their part for ComputeDomain `cd` of PodCliqueSet `pcs`. */
export async function expectComputeDomainDriver(e2e: E2E, pcs: string, cd: string): Promise<void> {
  let state = "";
  await waitFor(
    `ComputeDomain ${cd} Ready with its template and one claim per pod`,
    async () => {
      const pods = (await items<Pod>(e2e, "pods", "-l", `app.kubernetes.io/part-of=${pcs}`)).filter(
        (p) => !p.metadata.deletionTimestamp,
      );
      const domain = await one<Cd>(e2e, CD, cd);
      const running = pods.filter((p) => p.status?.phase === "Running").length;
      const recorded = pods.filter((p) => p.status?.resourceClaimStatuses?.length).length;
      state = `${pods.length} pods, ${running} running, ${recorded} with claims, CD ${domain?.status?.status}`;
      return {
        ok:
          pods.length > 0 &&
          running === pods.length &&
          recorded === pods.length &&
          domain?.status?.status === "Ready",
        state,
      };
    },
    SLOW,
  );
  const domain = await one<Cd>(e2e, CD, cd);
  const template = await one<{ metadata: Meta }>(e2e, "resourceclaimtemplates", cd);
  expect(template?.metadata.ownerReferences).toEqual([
    expect.objectContaining({ kind: "ComputeDomain", name: cd, uid: domain?.metadata.uid, controller: true }),
  ]);
  const pods = (await items<Pod>(e2e, "pods", "-l", `app.kubernetes.io/part-of=${pcs}`)).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  const claims = await items<Claim>(e2e, "resourceclaims");
  for (const pod of pods) {
    const st = pod.status?.resourceClaimStatuses ?? [];
    expect(
      st.map((s) => s.name),
      pod.metadata.name,
    ).toEqual(["mnnvl-claim"]);
    const name = st[0]?.resourceClaimName ?? "";
    expect(name).toMatch(new RegExp(`^${pod.metadata.name}-mnnvl-claim-[a-z0-9]{5}$`));
    const claim = claims.find((c) => c.metadata.name === name);
    expect(claim?.metadata.ownerReferences, name).toEqual([
      expect.objectContaining({
        kind: "Pod",
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        controller: true,
      }),
    ]);
    expect(claim?.metadata.annotations?.["resource.kubernetes.io/pod-claim-name"]).toBe("mnnvl-claim");
    // Allocated by the gang scheduler before binding: a channel device of the pod's node, reserved for it.
    const node = pod.spec.nodeName ?? "";
    expect(claim?.status?.allocation?.devices?.results, name).toEqual([
      { request: "channel", driver: CD_DRIVER, pool: node, device: expect.stringMatching(/^channel-\d+$/) },
    ]);
    expect(claim?.status?.allocation?.nodeSelector?.nodeSelectorTerms?.[0]?.matchFields, name).toEqual([
      { key: "metadata.name", operator: "In", values: [node] },
    ]);
    expect(claim?.status?.reservedFor, name).toEqual([
      expect.objectContaining({ resource: "pods", name: pod.metadata.name, uid: pod.metadata.uid }),
    ]);
  }
  // No channel device is given twice.
  const devices = claims.flatMap((c) =>
    (c.status?.allocation?.devices?.results ?? []).map((r) => `${r.pool}/${r.device}`),
  );
  expect(new Set(devices).size).toBe(devices.length);
  const nodes = [...new Set(pods.map((p) => p.spec.nodeName ?? ""))].sort();
  expect(domain?.status?.nodes?.map((n) => [n.name, n.status])).toEqual(nodes.map((n) => [n, "Ready"]));
}

/** Waits until no ResourceClaimTemplate and no ResourceClaim is left in the namespace. */
export async function driverObjectsGone(e2e: E2E): Promise<void> {
  await waitFor(
    "ResourceClaimTemplates and ResourceClaims gone",
    async () => {
      const t = await items<{ metadata: Meta }>(e2e, "resourceclaimtemplates");
      const c = await items<{ metadata: Meta }>(e2e, "resourceclaims");
      return { ok: t.length === 0 && c.length === 0, state: `${t.length} templates, ${c.length} claims` };
    },
    SLOW,
  );
}
