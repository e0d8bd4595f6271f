// The Helm chart's CRDs (charts/grove-ts/crds) are what @grove-ts/api generates: a schema change
// without `npm run chart:crds` fails here, as packages/api/test/crds.test.ts fails for packages/api/crds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crdFileName, groveCrds, renderCrdYaml } from "@grove-ts/api";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../src/shared.js";

const dir = join(repoRoot, "charts/grove-ts/crds");
const crds = groveCrds();

describe("charts/grove-ts/crds (run `npm run chart:crds` after a schema change)", () => {
  it("holds one file per Grove CRD and nothing else", () => {
    expect(readdirSync(dir).sort()).toEqual(crds.map(crdFileName).sort());
  });

  it.each(crds.map((c) => [crdFileName(c), c] as const))("%s is current", (file, crd) => {
    const committed = readFileSync(join(dir, file), "utf8");
    expect(committed === renderCrdYaml(crd), `charts/grove-ts/crds/${file} is stale`).toBe(true);
  });
});
