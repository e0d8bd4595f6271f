// One scenario on one simulator: PrepareTest(n), kubectl apply (our shape or Grove's fixture), wait
// for the pods (Running, or settled Pending for TAS13), the scenario's checks, then CleanupWorkloads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../../e2e/lib/wait.js";
import { fixturesDir } from "../../src/shared.js";
import { toYaml } from "../workloads/shapes.js";
import type { Scenario } from "./scenarios.js";
import type { Tas } from "./tas.js";

export type Source = "ours" | "upstream";

export async function runScenario(tas: Tas, s: Scenario, source: Source): Promise<void> {
  const e2e = tas.e2e;
  await e2e.prepareTest(s.nodes);
  try {
    const pcs = source === "ours" ? s.ours.name : s.upstreamName;
    const text =
      source === "ours" ? toYaml(s.ours) : readFileSync(join(fixturesDir, "e2e", s.fixture), "utf8");
    await e2e.apply(e2e.file(`${s.id}-${source}.yaml`, text));
    let pods = await e2e.waitPods(
      pcs,
      s.pending ? { total: s.pods, pending: s.pods } : { total: s.pods, running: s.pods },
    );
    // "Settled" pending includes pods Grove has not ungated yet; a gang that must stay pending is
    // judged on the scheduler's verdict, which comes only after the gates are gone.
    if (s.pending)
      await waitFor(`${pcs}: every pod marked Unschedulable by the scheduler`, async () => {
        pods = await e2e.pods(pcs);
        const marked = pods.filter((p) => !p.gated && p.unschedulable).length;
        return { ok: marked === s.pods, state: `${marked} of ${pods.length} marked` };
      });
    const ctx = { tas, pcs, pods, labels: await tas.nodeLabels() };
    await s.check(ctx);
    s.acrossGangs?.(ctx);
  } finally {
    await e2e.cleanup();
  }
}
