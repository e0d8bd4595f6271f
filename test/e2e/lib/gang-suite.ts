// One describe block per (workloads, operator mode): a grove-sim of the §17.1 shape (28 agent
// nodes), the chosen GS scenarios in order, CleanupWorkloads after each.

import type { OperatorMode } from "@grove-ts/simulator";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { GANG_SCENARIOS, runGangScenario, type Workloads } from "./gang.js";
import { agentCluster, E2E } from "./harness.js";

export function gangSuite(
  title: string,
  workloads: Workloads,
  operator: OperatorMode,
  ids: readonly string[] = GANG_SCENARIOS.map((s) => s.id),
): void {
  describe(title, () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await E2E.start({ cluster: agentCluster(28), operator });
    });
    afterEach(async () => {
      await e2e.cleanup({ uncordon: "next-prepare" });
    });
    afterAll(async () => {
      await e2e?.close();
    });
    for (const s of GANG_SCENARIOS.filter((x) => ids.includes(x.id)))
      it(`${s.id}: ${s.title}`, async () => {
        await runGangScenario(e2e, s, workloads);
      }, 120_000);
  });
}
