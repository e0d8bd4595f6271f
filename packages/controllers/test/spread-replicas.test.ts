// grove-ts.dev/spread-replicas (packages/scheduler README "Policies"): the operator carries the PCS's
// annotation to every PodGang it creates, where the gang scheduler reads it.
import { AnnotationSpreadReplicas, PodCliqueSetType, PodGangType } from "@grove-ts/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GroveControllers } from "../src/index.js";
import type { PodCliqueSet, PodGang } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import { createPcs, fastControllers, type Harness, NS, startHarness, waitFor } from "./harness.js";

describe("spread-replicas annotation", () => {
  let h: Harness;
  let ctl: GroveControllers;
  beforeEach(async () => {
    h = await startHarness();
    ctl = fastControllers(h.client);
    await ctl.start();
  });
  afterEach(async () => {
    await ctl.stop();
    await h.close();
  });

  it("is on every replica's PodGang", async () => {
    const pcs = pcsOf("ha", [{ name: "w", replicas: 1 }], [], 3);
    pcs.metadata.annotations = { [AnnotationSpreadReplicas]: "zone" };
    await createPcs(h.client, pcs);
    const gangs = await waitFor("three PodGangs", async () => {
      const list = await h.client.list<PodGang>(PodGangType, { namespace: NS });
      return list.items.length === 3 && list.items;
    });
    expect(gangs.map((g) => g.metadata.annotations?.[AnnotationSpreadReplicas])).toEqual([
      "zone",
      "zone",
      "zone",
    ]);
  });

  it("follows a change of the PCS's annotation", async () => {
    const pcs = pcsOf("ha2", [{ name: "w", replicas: 1 }], [], 2);
    pcs.metadata.annotations = { [AnnotationSpreadReplicas]: "zone" };
    await createPcs(h.client, pcs);
    await waitFor("two PodGangs", async () => {
      const list = await h.client.list<PodGang>(PodGangType, { namespace: NS });
      return list.items.length === 2;
    });
    const cur = await h.client.get<PodCliqueSet>(PodCliqueSetType, "ha2", NS);
    if (!cur) throw new Error("no PCS");
    cur.metadata.annotations = { [AnnotationSpreadReplicas]: "block" };
    await h.client.update(PodCliqueSetType, cur);
    await waitFor("PodGangs say block", async () => {
      const list = await h.client.list<PodGang>(PodGangType, { namespace: NS });
      return list.items.every((g) => g.metadata.annotations?.[AnnotationSpreadReplicas] === "block");
    });
  });
});
