// TAS2-TAS16 and TAS23 on Grove's own tas-*.yaml fixtures, read from ../shared (they name
// kai-scheduler, which grove-sim's scheduler answers to). Skips visibly without the fixtures.
import { afterAll, beforeAll, describe, it } from "vitest";
import { haveFixtures, noteMissingFixtures } from "../src/shared.js";
import { runScenario } from "./lib/run.js";
import { SCENARIOS } from "./lib/scenarios.js";
import { Tas } from "./lib/tas.js";

noteMissingFixtures("tas upstream fixtures");

describe.skipIf(!haveFixtures)("topology-aware scheduling, Grove's fixtures (§18.6)", () => {
  let tas: Tas;
  beforeAll(async () => {
    tas = await Tas.start();
  });
  afterAll(async () => {
    await tas?.close();
  });
  for (const s of SCENARIOS)
    it(`${s.id}: ${s.fixture}`, async () => {
      await runScenario(tas, s, "upstream");
    });
});
