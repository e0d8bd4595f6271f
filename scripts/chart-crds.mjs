#!/usr/bin/env node
// Writes the Helm chart's CRDs (charts/grove-ts/crds/<group>_<plural>.yaml) from @grove-ts/api's
// allCrds(), the same YAML as packages/api/crds, and removes files no CRD generates any more.
// Run: npm run chart:crds (builds @grove-ts/api first). test/tools/chart.test.ts fails when the
// committed files are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { allCrds, crdFileName, renderCrdYaml } from "@grove-ts/api";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../charts/grove-ts/crds");
mkdirSync(dir, { recursive: true });
const written = new Set();
for (const crd of allCrds()) {
  const file = crdFileName(crd);
  writeFileSync(join(dir, file), renderCrdYaml(crd));
  written.add(file);
  console.log(`wrote charts/grove-ts/crds/${file}`);
}
for (const file of readdirSync(dir).filter((f) => !written.has(f))) {
  rmSync(join(dir, file));
  console.log(`removed charts/grove-ts/crds/${file}`);
}
