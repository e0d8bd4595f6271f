// TAS2-TAS16 and TAS23 (grove-behaviour.md §18.6) on grove-ts's own workloads of the fixtures' shapes,
// with the real kubectl against one grove-sim of the §17.1 topology pool.
import { afterAll, beforeAll, describe, it } from "vitest";
import { runScenario } from "./lib/run.js";
import { SCENARIOS } from "./lib/scenarios.js";
import { Tas } from "./lib/tas.js";

describe("topology-aware scheduling, our workloads (§18.6)", () => {
  let tas: Tas;
  beforeAll(async () => {
    tas = await Tas.start();
  });
  afterAll(async () => {
    await tas?.close();
  });
  for (const s of SCENARIOS)
    it(`${s.id}: ${s.ours.name}`, async () => {
      await runScenario(tas, s, "ours");
    });
});
