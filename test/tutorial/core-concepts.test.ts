// The core-concepts tutorial (./core-concepts.ts) on both targets (test/src/target.ts).
import { afterAll, beforeAll, describe, it } from "vitest";
import { cpuCluster, E2E } from "../e2e/lib/harness.js";
import { target } from "../src/target.js";
import { walkCoreConcepts } from "./core-concepts.js";

describe(`core-concepts tutorial: the three scaling levels (${target})`, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: cpuCluster(4) });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("scale pcs, pcsg and pclq up and down; delete pcs leaves nothing", async () => {
    await walkCoreConcepts(e2e);
  }, 240_000);
});
