// Every Grove manifest of ../shared/grove-fixtures/{samples,e2e} through default + validate, as Grove's
// admission chain would see it. Skips visibly when the fixtures are absent (a user's clone).
//
// Options: the upstream e2e cluster (grove-behaviour.md §17.1) runs with KAI enabled and TAS enabled;
// its ClusterTopologyBindings (§18.6) are supplied so T4-T6 run too. `defaultScheduler` stays
// `default-scheduler`: every KAI workload names `kai-scheduler` explicitly, and the fixtures without a
// schedulerName (upgrade.yaml, auto-mnnvl/*) run on clusters without KAI as the default profile.
// The auto-mnnvl fixtures run on the "supported + enabled" MNNVL cluster, so autoMNNVLEnabled is on.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { defaultPodCliqueSet } from "../../src/defaulting/index.js";
import { formatFieldError } from "../../src/field-errors.js";
import type { PodCliqueSet } from "../../src/types.js";
import { type ValidationOptions, validatePodCliqueSet } from "../../src/validation/index.js";
import { ctb, lookup } from "./builders.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const fixturesDir = join(process.env.GROVE_SHARED_DIR ?? resolve(repoRoot, "../shared"), "grove-fixtures");
const have = existsSync(fixturesDir);
if (!have)
  console.warn(`[api fixtures] skipped: Grove fixtures not found at ${fixturesDir} (set GROVE_SHARED_DIR)`);

/** Manifests upstream rejects, with the error that rejects them (grove-api.md §19.2, §9.3 M1). */
const rejected: Record<string, string> = {
  "samples/user-guide/03_environment-variables-for-pod-discovery/standalone-env-vars.yaml":
    "spec.template.cliques[0].spec.roleName: Required value",
  "samples/user-guide/02_pod-and-resource-naming-conventions/multinode-disaggregated-with-frontend.yaml":
    "spec.template.cliques[0].spec.roleName: Required value",
  "e2e/auto-mnnvl/mnnvl-gpu-invalid.yaml":
    'metadata.annotations[grove.io/mnnvl-group]: Invalid value: "invalid value with spaces"',
};

const e2eOptions: ValidationOptions = {
  enabledSchedulers: ["default-scheduler", "kai-scheduler"],
  defaultScheduler: "default-scheduler",
  topologyAwareScheduling: true,
  getClusterTopologyBinding: lookup(
    ctb("grove-topology", ["zone", "block", "rack", "host"]),
    ctb("h100-topology", ["block", "host"]),
    ctb("gb200-topology", ["block", "rack", "host"]),
    ctb("tas20-topology", ["zone", "rack", "host"]),
  ),
};

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
  );
}

const files = have
  ? [...yamlFiles(join(fixturesDir, "samples")), ...yamlFiles(join(fixturesDir, "e2e"))]
  : [];

describe.skipIf(!have)("Grove fixtures through defaultPodCliqueSet + validatePodCliqueSet", () => {
  it("finds the fixture files", () => expect(files.length).toBeGreaterThan(50));

  it.each(files.map((f) => ({ file: relative(fixturesDir, f), path: f })))("$file", ({ file, path }) => {
    const docs = parseAllDocuments(readFileSync(path, "utf8")).map(
      (d) => d.toJSON() as Record<string, unknown>,
    );
    const pcss = docs.filter((d) => d?.kind === "PodCliqueSet");
    const lines: string[] = [];
    for (const pcs of pcss) {
      const options = { ...e2eOptions, autoMNNVLEnabled: file.includes("auto-mnnvl") };
      lines.push(
        ...validatePodCliqueSet(defaultPodCliqueSet(pcs as PodCliqueSet), undefined, options).map(
          formatFieldError,
        ),
      );
    }
    const want = rejected[file];
    if (want === undefined) expect(lines).toEqual([]);
    else expect(lines.join("\n")).toContain(want);
  });

  it("with MNNVL disabled, the fixtures that name a group are rejected (M2)", () => {
    const path = join(fixturesDir, "e2e/auto-mnnvl/mnnvl-gpu-default.yaml");
    const pcs = parseAllDocuments(readFileSync(path, "utf8"))
      .map((d) => d.toJSON())
      .find((d) => d?.kind === "PodCliqueSet");
    const errs = validatePodCliqueSet(defaultPodCliqueSet(pcs), undefined, {
      ...e2eOptions,
      autoMNNVLEnabled: false,
    });
    expect(errs.map((e) => e.message).join()).toContain("MNNVL is not enabled");
  });
});
