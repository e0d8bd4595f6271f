// GS1-GS12 (grove-behaviour.md §18.1) on Grove's own e2e fixtures workload1.yaml / workload2.yaml,
// read unchanged from ../shared/grove-fixtures; skipped with a message when they are absent.
import { join } from "node:path";
import { describe, it } from "vitest";
import { fixturesDir, noteMissingFixtures } from "../src/shared.js";
import { gangSuite } from "./lib/gang-suite.js";

if (noteMissingFixtures("e2e gang scheduling on upstream workload1/2"))
  describe.skip("gang scheduling GS1-GS12 (upstream workload1/2)", () => {
    it("needs ../shared/grove-fixtures", () => {});
  });
else
  gangSuite(
    "gang scheduling GS1-GS12 (upstream workload1.yaml/workload2.yaml, operator in-process)",
    {
      wl1: { path: join(fixturesDir, "e2e/workload1.yaml"), pcs: "workload1" },
      wl2: { path: join(fixturesDir, "e2e/workload2.yaml"), pcs: "workload2" },
    },
    "in-process",
  );
