// Auto-MNNVL placement (src/mnnvl.ts): pods naming one ComputeDomain in their mnnvl-claim land in
// one NVLink domain (nodes labelled nvidia.com/gpu.clique), one group or several; pods without the
// claim are placed as before. In-process API server, both engines. No resourceclaim controller runs
// here: as it would, each pod's status.resourceClaimStatuses gets an entry for the claim (naming no
// claim: placement is under test here, the channel claims' allocation in claims-template.test.ts).
import { type Client, PodType } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  boundNodes,
  createAll,
  eventually,
  type Harness,
  harness,
  type K,
  node,
  pod,
  podGang,
} from "./harness.js";

let h: Harness | undefined;
const CLIQUE = "nvidia.com/gpu.clique";

/** 2 NVLink domains (A: a1 a2, B: b1 b2) of 4-GPU trays. */
const trays = (): K<Node>[] =>
  ["a1", "a2", "b1", "b2"].map((n) => {
    const x = node({ name: n, cpu: "16", labels: { [CLIQUE]: `uuid.${n[0]}` } });
    (x.status?.allocatable as Record<string, string>)["nvidia.com/gpu"] = "4";
    return x;
  });

function gpuPod(
  name: string,
  gang: string | undefined,
  gpus: number,
  template?: string,
  nodeName?: string,
): K<Pod> {
  const p = pod({ name, ...(gang ? { gang } : {}), cpu: "100m" });
  p.spec = {
    ...p.spec,
    ...(nodeName ? { nodeName, schedulerName: "other" } : {}),
    containers: [
      {
        name: "c",
        image: "x",
        resources: {
          requests: { cpu: "100m", "nvidia.com/gpu": String(gpus) },
          limits: { "nvidia.com/gpu": String(gpus) },
          ...(template ? { claims: [{ name: "mnnvl-claim" }] } : {}),
        },
      },
    ],
    ...(template
      ? { resourceClaims: [{ name: "mnnvl-claim", resourceClaimTemplateName: template } as never] }
      : {}),
  };
  return p;
}

/** What the resourceclaim controller would record for pods `ps` (without making claims). */
async function recordClaims(client: Client, ps: readonly string[]): Promise<void> {
  for (const name of ps)
    await client.patch(
      PodType,
      name,
      "default",
      { type: "merge", body: { status: { resourceClaimStatuses: [{ name: "mnnvl-claim" }] } } },
      { subresource: "status" },
    );
}

const domains = (nodes: string[]) => [...new Set(nodes.map((n) => n[0]))].sort();
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe.each(["wasm", "js"] as const)("MNNVL groups in one NVLink domain (%s engine)", (engine) => {
  it("a group naming one ComputeDomain lands in one NVLink domain though the other has room first", async () => {
    h = await harness({ engine });
    // a1 half full: BinPack alone would start in A (6 GPUs free) and spill into B.
    await createAll(h.client, { nodes: trays(), pods: [gpuPod("filler", undefined, 2, undefined, "a1")] });
    const ws = names("w", 4);
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 4 }])],
      pods: ws.map((w) => gpuPod(w, "g", 2, "pcs-0-train")),
    });
    await recordClaims(h.client, ws);
    const got = await eventually(() => boundNodes((h as Harness).client, ws));
    expect(domains(got)).toEqual(["b"]);
  });

  it("without the claim the same gang spills over both domains (the case above is not luck)", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: trays(), pods: [gpuPod("filler", undefined, 2, undefined, "a1")] });
    const ws = names("w", 4);
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 4 }])],
      pods: ws.map((w) => gpuPod(w, "g", 2)),
    });
    const got = await eventually(() => boundNodes((h as Harness).client, ws));
    expect(domains(got)).toEqual(["a", "b"]);
  });

  it("several groups of one ComputeDomain go together; a CPU group is free", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: trays(), pods: [gpuPod("filler", undefined, 2, undefined, "a1")] });
    const ws = names("w", 3);
    await createAll(h.client, {
      gangs: [
        podGang("g", [
          { name: "lead", pods: ["lead"], min: 1 },
          { name: "w", pods: ws, min: 3 },
        ]),
      ],
      pods: [gpuPod("lead", "g", 2, "pcs-0-train"), ...ws.map((w) => gpuPod(w, "g", 2, "pcs-0-train"))],
    });
    await recordClaims(h.client, ["lead", ...ws]);
    const got = await eventually(() => boundNodes((h as Harness).client, ["lead", ...ws]));
    expect(domains(got)).toHaveLength(1);
  });
});
