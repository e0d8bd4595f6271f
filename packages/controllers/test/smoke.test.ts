import { PodCliqueType } from "@grove-ts/api";
import { createLogger } from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GroveControllers } from "../src/index.js";
import { singleNodeAggregated } from "./fixtures.js";
import { createPcs, fastControllers, type Harness, listPods, NS, startHarness, waitFor } from "./harness.js";

describe("smoke", () => {
  let h: Harness;
  let ctl: GroveControllers;
  beforeEach(async () => {
    h = await startHarness();
    ctl = fastControllers(h.client, {
      logger: createLogger({ level: "warn", sink: (r) => console.log(JSON.stringify(r)) }),
    });
    await ctl.start();
  });
  afterEach(async () => {
    await ctl.stop();
    await h.close();
  });
  it("creates pods", async () => {
    await createPcs(h.client, singleNodeAggregated());
    const pods = await waitFor("2 pods", async () => {
      const ps = await listPods(h.client);
      return ps.length === 2 && ps.every((p) => (p.spec?.schedulingGates?.length ?? 0) === 0) && ps;
    });
    expect(pods.map((p) => p.spec?.hostname).sort()).toEqual([
      "single-node-aggregated-0-model-worker-0",
      "single-node-aggregated-0-model-worker-1",
    ]);
    const pclq = await h.client.get(PodCliqueType, "single-node-aggregated-0-model-worker", NS);
    expect(pclq).toBeDefined();
  });
});
