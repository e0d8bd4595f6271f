// The PodGang status is shared with the gang scheduler (statusPatchOps in @grove-ts/runtime): the
// controller's Initialized writes must keep the scheduler's Scheduled condition even when the
// scheduler wrote between the controller's read and its write. The scheduler is played by a client wrapper that,
// just before each of the controllers' first PodGang status writes per PodGang and condition
// status, writes Scheduled the way packages/scheduler does (JSON patch: list-guarded append or
// in-place replace) from a fresh read.
import { PodGangType } from "@grove-ts/api";
import type { Client, Condition, KubeObject, ResourceType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import type { PodGang } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import { createPcs, harnessPerTest, NS, waitFor, waitIdle } from "./harness.js";

const scheduled = (status: "True" | "False"): Condition => ({
  type: "Scheduled",
  status,
  reason: status === "True" ? "Scheduled" : "Unschedulable",
  message: status,
  lastTransitionTime: "2026-11-29T00:00:00Z",
});

/** The scheduler's write of Scheduled=`status` onto the PodGang as the server has it now. */
async function schedulerWrite(client: Client, name: string, status: "True" | "False"): Promise<void> {
  const g = await client.get<PodGang & KubeObject>(PodGangType, name, NS);
  const list = g?.status?.conditions;
  const i = list?.findIndex((c) => c.type === "Scheduled") ?? -1;
  const ops = !list
    ? [
        { op: "test", path: "/metadata/resourceVersion", value: g?.metadata.resourceVersion },
        { op: "add", path: "/status", value: { phase: "Pending", conditions: [scheduled(status)] } },
      ]
    : i < 0
      ? [
          { op: "test", path: "/status/conditions", value: list },
          { op: "add", path: "/status/conditions/-", value: scheduled(status) },
        ]
      : [
          { op: "test", path: `/status/conditions/${i}/type`, value: "Scheduled" },
          { op: "replace", path: `/status/conditions/${i}`, value: scheduled(status) },
        ];
  await client.patch(PodGangType, name, NS, { type: "json", body: ops }, { subresource: "status" });
}

/** `inner`, with the scheduler writing just before the controllers' PodGang status writes. */
function interleaved(inner: Client, injected: string[]): Client {
  return new Proxy(inner, {
    get: (target, prop, recv) => {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== "function") return v;
      if (prop === "patch")
        return async (...args: unknown[]) => {
          const [type, name, , , opts] = args as [
            ResourceType,
            string,
            string,
            unknown,
            { subresource?: string },
          ];
          if (type.kind === PodGangType.kind && opts?.subresource === "status") {
            // Scheduled=False before the controller's first write, True before its second.
            const n = injected.filter((x) => x.startsWith(`${name}/`)).length;
            if (n < 2) {
              const status = n === 0 ? "False" : "True";
              injected.push(`${name}/${status}`);
              await schedulerWrite(target, name, status);
            }
          }
          return v.apply(target, args);
        };
      return v.bind(target);
    },
  });
}

describe("PodGang status shared with the scheduler", () => {
  const t = harnessPerTest();

  it("Initialized written after the scheduler's write keeps its Scheduled condition", async () => {
    const injected: string[] = [];
    const { h } = t;
    const ctl = await t.start(interleaved(h.client, injected));
    await createPcs(h.client, pcsOf("shared", [{ name: "w", replicas: 2 }], [], 3));
    await waitFor("3 PodGangs Initialized=True", async () => {
      const items = (await h.client.list<PodGang & KubeObject>(PodGangType, { namespace: NS })).items;
      const init = items.filter((g) =>
        g.status?.conditions?.some((c) => c.type === "Initialized" && c.status === "True"),
      );
      return init.length === 3;
    });
    await waitIdle(ctl, 300);
    // The interleaving happened: the scheduler wrote twice before the controllers' writes of each gang.
    expect(injected.filter((x) => x.endsWith("/True"))).toHaveLength(3);
    const gangs = (await h.client.list<PodGang & KubeObject>(PodGangType, { namespace: NS })).items;
    expect(gangs).toHaveLength(3);
    for (const g of gangs) {
      const types = (g.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();
      expect(types, g.metadata.name).toEqual(["Initialized=True", "Scheduled=True"]);
      expect(g.status?.phase).toBe("Pending");
    }
  });
});
