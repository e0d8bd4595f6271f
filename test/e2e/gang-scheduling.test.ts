// GS1-GS12 (grove-behaviour.md §18.1) on our own WL1/WL2 (workloads/), operator in-process, on a
// simulated cluster of the §17.1 shape: 28 agent nodes of 4 CPU / 150Mi / 110 pods.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { GANG_SCENARIOS, runGangScenario, type Workloads } from "./lib/gang.js";
import { agentCluster, E2E } from "./lib/harness.js";

const here = import.meta.dirname;
const workloads: Workloads = {
  wl1: { path: join(here, "workloads/wl1.yaml"), pcs: "wl1" },
  wl2: { path: join(here, "workloads/wl2.yaml"), pcs: "wl2" },
};

describe("gang scheduling GS1-GS12 (our WL1/WL2, operator in-process)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: agentCluster(28), operator: "in-process" });
  });
  afterEach(async () => {
    const t0 = Date.now();
    await e2e.cleanup();
    if (process.env.GROVE_E2E_TRACE) console.log(`cleanup: ${Date.now() - t0} ms`);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  for (const s of GANG_SCENARIOS)
    it(`${s.id}: ${s.title}`, async () => {
      await runGangScenario(e2e, s, workloads);
    }, 120_000);
});
