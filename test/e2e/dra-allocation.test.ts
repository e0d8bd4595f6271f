// DRA allocation by the gang scheduler (issue 14 item 3), with the real kubectl on grove-sim and on
// the real control plane: grove-sim publishes a ResourceSlice per GPU node; a gang whose two pods
// share a PodCliqueSet-level (AllReplicas) claim of 2 GPUs lands on the one node with 2 free GPUs,
// the claim gets status.allocation (results naming that node's devices, a nodeSelector naming the
// node) and status.reservedFor both pods, and the pods become Ready; scaling the clique in drops the
// gone pod from reservedFor; a claim of more GPUs than any node has leaves its gang pending with a
// reason naming the claim.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const workload = (f: string) => new URL(`./workloads/dra/${f}`, import.meta.url).pathname;
const SLOW = { timeoutMs: 90_000 };

interface ClaimJson {
  metadata: { name: string };
  status?: {
    allocation?: {
      devices: { results: { request: string; driver: string; pool: string; device: string }[] };
      nodeSelector?: {
        nodeSelectorTerms: { matchFields?: { key: string; operator: string; values: string[] }[] }[];
      };
    };
    reservedFor?: { resource: string; name: string; uid: string }[];
  };
}
interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; resourceClaims?: { name: string; resourceClaimName?: string }[] };
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

describe("DRA: the gang scheduler allocates ResourceClaims (kubectl)", { timeout: 180_000 }, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({
      cluster: {
        name: "dra-e2e",
        pools: [
          {
            name: "one-gpu",
            count: 2,
            namePrefix: "one-gpu-",
            allocatable: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1", pods: "110" },
          },
          {
            name: "two-gpu",
            count: 1,
            namePrefix: "two-gpu-",
            allocatable: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "2", pods: "110" },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const claim = (name: string) =>
    e2e.kubectl.json<ClaimJson>(["get", "resourceclaim", name, "-n", "default"]);
  const pods = async (pcs: string) =>
    (
      await e2e.kubectl.json<{ items: PodJson[] }>([
        "get",
        "pods",
        "-n",
        "default",
        "-l",
        `app.kubernetes.io/part-of=${pcs}`,
      ])
    ).items.filter((p) => !p.metadata.deletionTimestamp);
  const ready = (p: PodJson) =>
    p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

  it("allocates a shared claim on the node with its devices, reserves it for the gang's pods, pods Ready; scale-in unreserves", async () => {
    // The simulated GPU driver's slices: one per GPU node.
    await waitFor(
      "3 ResourceSlices",
      async () => {
        const out = await e2e.kubectl.ok(["get", "resourceslices", "-o", "name"]);
        const n = out.trim().split("\n").filter(Boolean).length;
        return { ok: n === 3, state: `${n} slices` };
      },
      SLOW,
    );
    await e2e.apply(workload("shared-gpus.yaml"));
    let ps: PodJson[] = [];
    await waitFor(
      "2 Ready pods of dra-shared",
      async () => {
        ps = await pods("dra-shared");
        return {
          ok: ps.length === 2 && ps.every(ready),
          state: ps.map((p) => `${p.metadata.name}@${p.spec.nodeName}:${ready(p)}`).join(" "),
        };
      },
      SLOW,
    );
    expect(ps.map((p) => p.spec.nodeName)).toEqual(["two-gpu-0", "two-gpu-0"]);
    for (const p of ps)
      expect(p.spec.resourceClaims?.map((r) => r.resourceClaimName)).toEqual(["dra-shared-all-gpu-pair"]);

    const c = await claim("dra-shared-all-gpu-pair");
    expect(c.status?.allocation?.devices.results).toEqual([
      { request: "gpus", driver: "gpu.sim.grove-ts.dev", pool: "two-gpu-0", device: "gpu-0" },
      { request: "gpus", driver: "gpu.sim.grove-ts.dev", pool: "two-gpu-0", device: "gpu-1" },
    ]);
    expect(c.status?.allocation?.nodeSelector?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: "metadata.name", operator: "In", values: ["two-gpu-0"] }] },
    ]);
    const byUid = (xs: { name: string; uid: string }[]) => xs.map((x) => `${x.name}/${x.uid}`).sort();
    expect(c.status?.reservedFor?.every((r) => r.resource === "pods")).toBe(true);
    expect(byUid(c.status?.reservedFor ?? [])).toEqual(byUid(ps.map((p) => p.metadata)));

    // Scale in: the gone pod leaves reservedFor, the claim stays allocated for the other.
    await e2e.kubectl.ok(["scale", "podcliques.grove.io", "dra-shared-0-worker", "--replicas=1"]);
    await waitFor(
      "dra-shared-all-gpu-pair reserved for the one pod left",
      async () => {
        const left = await pods("dra-shared");
        const now = await claim("dra-shared-all-gpu-pair");
        const want = byUid(left.map((p) => p.metadata));
        const have = byUid(now.status?.reservedFor ?? []);
        return {
          ok:
            left.length === 1 &&
            JSON.stringify(have) === JSON.stringify(want) &&
            Boolean(now.status?.allocation),
          state: `pods ${want.join(" ")}; reservedFor ${have.join(" ")}`,
        };
      },
      SLOW,
    );
  });

  it("leaves a gang whose claim wants more devices than any node has pending, naming the claim", async () => {
    await e2e.apply(workload("too-many-gpus.yaml"));
    let why = "";
    await waitFor(
      "dra-huge's pod pending with a reason",
      async () => {
        const [p] = await pods("dra-huge");
        const cond = p?.status?.conditions?.find((x) => x.type === "PodScheduled");
        why = cond?.message ?? "";
        return {
          ok: cond?.status === "False" && why.includes("dra-huge-all-gpus16"),
          state: why || "no condition",
        };
      },
      SLOW,
    );
    expect(why).toMatch(/ResourceClaim default\/dra-huge-all-gpus16: request "gpus" wants 16 device\(s\)/);
    const [p] = await pods("dra-huge");
    expect(p?.spec.nodeName).toBeUndefined();
    expect((await claim("dra-huge-all-gpus16")).status?.allocation).toBeUndefined();
  });
});
