// Writes packages/api/crds/<group>_<plural>.yaml from allCrds(). Run: npm run gen:crds -w @grove-ts/api
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { allCrds, crdFileName, renderCrdYaml } from "../src/crds.js";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../crds");
mkdirSync(dir, { recursive: true });
for (const crd of allCrds()) {
  const file = join(dir, crdFileName(crd));
  writeFileSync(file, renderCrdYaml(crd));
  console.log(`wrote ${file}`);
}
