// grove-validate as a user runs it: the committed bin shim over the built dist/, as a child process, on
// files written to a temp dir, and on Grove's own fixtures (skipped visibly when absent).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { main } from "../../src/cli/main.js";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = join(pkgDir, "bin/grove-validate.js");
const repoRoot = resolve(pkgDir, "../..");
const fixturesDir = join(process.env.GROVE_SHARED_DIR ?? resolve(repoRoot, "../shared"), "grove-fixtures");
const haveFixtures = existsSync(fixturesDir);
if (!haveFixtures)
  console.warn(
    `[grove-validate fixtures] skipped: no Grove fixtures at ${fixturesDir} (set GROVE_SHARED_DIR)`,
  );

let dir: string;

beforeAll(() => {
  // The test task depends on the build; when run by hand without dist/, build once.
  if (!existsSync(join(pkgDir, "dist/cli/grove-validate.js"))) {
    const b = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: pkgDir, encoding: "utf8" });
    if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), "grove-validate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

function run(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", input, timeout: 60_000 });
  const lines = (s: string) => s.split("\n").filter((l) => l !== "");
  return { code: r.status, stdout: lines(r.stdout), stderr: lines(r.stderr) };
}

/** The same command in-process (for option handling, where a child process per case is too slow). */
function runIn(args: string[], input?: string): Run {
  const out: string[] = [];
  const err: string[] = [];
  const split = (sink: string[]) => (l: string) => sink.push(...l.split("\n").filter((x) => x !== ""));
  const io = { out: split(out), err: split(err), readStdin: () => input ?? "" };
  return { code: main(args, io), stdout: out, stderr: err };
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const validPcs = `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata:
  name: good
spec:
  replicas: 1
  template:
    cliques:
      - name: a
        spec:
          roleName: a
          replicas: 2
          podSpec:
            containers: [{name: c, image: busybox}]
`;

const invalidPcs = `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: {name: bad}
spec:
  replicas: 1
  template:
    cliqueStartupType: CliqueStartupTypeExplicit
    cliques:
      - name: a
        spec: {roleName: a, replicas: 2, minAvailable: 3, startsAfter: [b], podSpec: {containers: [{name: c, image: i}]}}
      - name: b
        spec: {roleName: a, replicas: 1, startsAfter: [a], podSpec: {containers: [{name: c, image: i}]}}
`;

describe("grove-validate (child process) on written files", { timeout: 120_000 }, () => {
  it("valid file: exit 0, no error lines, no warning for the restartPolicy it never set", () => {
    const f = write("good.yaml", validPcs);
    const r = run([f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toEqual([]);
  });

  it("valid file that sets restartPolicy: exit 0, the warning on stderr", () => {
    const f = write("never.yaml", validPcs.replace("podSpec:", "podSpec:\n            restartPolicy: Never"));
    const r = run([f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toEqual([
      `warning: ${f}: PodCliqueSet/good: restartPolicy will be ignored, it will be set to Always`,
    ]);
  });

  it("invalid document after a valid one: exit 1 and exactly one line per error", () => {
    const f = write("bad.yaml", `${validPcs}---\n${invalidPcs}`);
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `${f}: PodCliqueSet/bad: spec.template.cliques[0].spec.minAvailable: Invalid value: 3: minAvailable must not be greater than replicas`,
      `${f}: PodCliqueSet/bad: spec.template.cliques[1].spec.roleName: Duplicate value: "a": cliqueTemplateSpec.Spec roleNames must be unique`,
      `${f}: PodCliqueSet/bad: spec.template.cliques: Invalid value: [["a","b"]]: clique must not have circular dependencies`,
    ]);
  });

  it("unreadable YAML: exit 2, one line with the file and the line number", () => {
    const f = write("broken.yaml", `${validPcs}---\nkind: PodCliqueSet\nmetadata: {name: [x\n`);
    const r = run([f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1[78]:\\d+: YAML syntax error: `),
    );
  });

  it("missing file: exit 2 with one clear line", () => {
    const r = run([join(dir, "nope.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([`${join(dir, "nope.yaml")}: cannot read: no such file`]);
  });

  it("non-Grove object: exit 1 with one line; --ignore-non-grove skips it", () => {
    const f = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n");
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `${f}: ConfigMap/cfg: no matches for kind "ConfigMap" in version "v1": not a Grove object (grove.io/v1alpha1 PodCliqueSet, PodClique, PodCliqueScalingGroup, ClusterTopologyBinding; scheduler.grove.io/v1alpha1 PodGang)`,
    ]);
    const skipped = run(["--ignore-non-grove", f]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toEqual([`${f}: ConfigMap/cfg: skipped: not a Grove object`]);
  });

  it("unknown field: exit 1 naming the field path", () => {
    const f = write(
      "unknown.yaml",
      validPcs.replace("      - name: a\n", "      - name: a\n        colour: blue\n"),
    );
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`${f}: PodCliqueSet/good: unknown field "spec.template.cliques[0].colour"`]);
  });

  it("a typo (replica: for replicas:) is one error, the unknown field, worded as kube's strict validation", () => {
    const f = write("typo.yaml", validPcs.replace("replicas: 2", "replica: 2"));
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `${f}: PodCliqueSet/good: unknown field "spec.template.cliques[0].spec.replica"`,
    ]);
  });

  it("a duplicate clique name is one error, as kube-apiserver reports it", () => {
    const second =
      "      - name: a\n        spec:\n          roleName: b\n          replicas: 1\n          podSpec:\n            containers: [{name: c, image: busybox}]\n";
    const f = write("dup.yaml", validPcs + second);
    const r = run([f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `${f}: PodCliqueSet/good: spec.template.cliques[1]: Duplicate value: {"name":"a"}`,
    ]);
  });
});

describe("grove-validate options (in-process main)", { timeout: 60_000 }, () => {
  it("JSON input and stdin", () => {
    const json = JSON.stringify({
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      metadata: { name: "t" },
      spec: {
        levels: [
          { domain: "zone", key: "z" },
          { domain: "zone", key: "y" },
        ],
      },
    });
    const r = runIn(["-"], json);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `<stdin>: ClusterTopologyBinding/t: spec.levels[1].domain: Duplicate value: "zone"`,
    ]);
    const f = write("good.json", JSON.stringify(parseAllDocuments(validPcs)[0]?.toJSON()));
    expect(runIn([f]).code).toBe(0);
  });

  it("--print-defaulted prints the defaulted objects as YAML on stdout", () => {
    const f = write("good2.yaml", `${validPcs}---\n${validPcs.replace("name: good", "name: good2")}`);
    const r = runIn(["--print-defaulted", f]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout.join("\n")).map((d) => d.toJSON());
    expect(docs).toHaveLength(2);
    expect(docs[0].metadata).toEqual({ name: "good", namespace: "default" });
    expect(docs[0].spec.template.terminationDelay).toBe("4h");
    expect(docs[0].spec.template.cliques[0].spec.minAvailable).toBe(2);
    expect(docs[1].metadata.name).toBe("good2");
  });

  it("--topology and ClusterTopologyBindings in the input drive T4-T6", () => {
    const topo = write(
      "ctb.yaml",
      "apiVersion: grove.io/v1alpha1\nkind: ClusterTopologyBinding\nmetadata: {name: fabric}\nspec:\n  levels:\n  - {domain: rack, key: topology.kubernetes.io/rack}\n  - {domain: host, key: kubernetes.io/hostname}\n",
    );
    const pcs = validPcs.replace(
      "  template:\n",
      "  template:\n    topologyConstraint: {topologyName: fabric, pack: {required: zone}}\n",
    );
    const f = write("tas.yaml", pcs);
    const r = runIn(["--topology", topo, f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      `${f}: PodCliqueSet/good: spec.template.topologyConstraint.pack.required: Invalid value: "zone": topology domain 'zone' does not exist in ClusterTopologyBinding 'fabric' (levels: rack, host)`,
    ]);
    // The same CTB given as an input document.
    const together = write(
      "tas-with-ctb.yaml",
      `${pcs.replace("required: zone", "required: rack")}---\n${runIn(["--print-defaulted", topo]).stdout.join("\n")}\n`,
    );
    expect(runIn([together]).code).toBe(0);
    // Without any CTB the lookup is skipped; with TAS off every constraint is rejected.
    expect(runIn([f]).code).toBe(0);
    expect(runIn(["--no-topology-aware", f]).stdout[0]).toContain("Topology Aware Scheduling is disabled");
  });

  it("--scheduler and --mnnvl set the operator configuration", () => {
    const kai = validPcs.replace(
      "            containers:",
      "            schedulerName: kai-scheduler\n            containers:",
    );
    const f = write("kai.yaml", kai);
    expect(runIn([f]).stdout[0]).toContain("no KAI queue is configured");
    expect(runIn(["--schedulers", "default-scheduler", f]).stdout.join("\n")).toContain(
      "must be an enabled scheduler backend",
    );
    const volcano = write("volcano.yaml", kai.replace("kai-scheduler", "volcano"));
    expect(runIn([volcano]).stdout.join("\n")).toContain("must be an enabled scheduler backend");
    expect(runIn(["--scheduler", "volcano", volcano]).code).toBe(0);
    const g = write(
      "mnnvl.yaml",
      validPcs.replace("  name: good\n", "  name: good\n  annotations: {grove.io/mnnvl-group: g1}\n"),
    );
    expect(runIn([g]).code).toBe(1);
    expect(runIn(["--mnnvl", g]).code).toBe(0);
  });

  it("--help exits 0; bad usage exits 2", () => {
    const h = runIn(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout[0]).toBe("Usage: grove-validate [options] FILE...");
    expect(runIn([]).code).toBe(2);
    expect(runIn(["--frobnicate", "x"]).code).toBe(2);
  });
});

/**
 * Expected exit status per fixture, as upstream would decide: the samples without `roleName`
 * (grove-api.md §19.2) and the invalid MNNVL group are rejected; the files that carry non-Grove objects
 * (a KAI Queue, a ResourceClaimTemplate) exit 1 unless --ignore-non-grove. The auto-mnnvl files run with
 * --mnnvl, as on the MNNVL-enabled e2e cluster; the others with the defaults (KAI enabled, TAS enabled).
 */
const rejected = new Set([
  "samples/user-guide/03_environment-variables-for-pod-discovery/standalone-env-vars.yaml",
  "samples/user-guide/02_pod-and-resource-naming-conventions/multinode-disaggregated-with-frontend.yaml",
  "e2e/auto-mnnvl/mnnvl-gpu-invalid.yaml",
]);
const nonGrove = new Set(["e2e/queues.yaml", "e2e/workload-resource-sharing.yaml"]);

function yamlFiles(sub: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".yaml") ? [join(d, e.name)] : [],
    );
  return existsSync(join(fixturesDir, sub))
    ? walk(join(fixturesDir, sub)).map((p) => p.slice(fixturesDir.length + 1))
    : [];
}

describe.skipIf(!haveFixtures)(
  "grove-validate (child process) on Grove's fixtures",
  { timeout: 120_000 },
  () => {
    const all = [...yamlFiles("samples"), ...yamlFiles("e2e")];

    it("every valid fixture exits 0 (one run for all; no error line names any file)", () => {
      const valid = all.filter((f) => !rejected.has(f) && !nonGrove.has(f));
      expect(valid.length).toBeGreaterThan(45);
      const plain = run(valid.filter((f) => !f.includes("auto-mnnvl")).map((f) => join(fixturesDir, f)));
      expect(plain.stdout).toEqual([]);
      expect(plain.code).toBe(0);
      const m = run([
        "--mnnvl",
        ...valid.filter((f) => f.includes("auto-mnnvl")).map((f) => join(fixturesDir, f)),
      ]);
      expect(m.stdout).toEqual([]);
      expect(m.code).toBe(0);
    });

    it("the rejected fixtures exit 1, each named in the output", () => {
      const r = run(["--mnnvl", ...[...rejected].map((f) => join(fixturesDir, f))]);
      expect(r.code).toBe(1);
      for (const f of rejected)
        expect(r.stdout.some((l) => l.startsWith(`${join(fixturesDir, f)}: `))).toBe(true);
    });

    it("the fixtures with non-Grove objects exit 1, and 0 with --ignore-non-grove", () => {
      const files = [...nonGrove].map((f) => join(fixturesDir, f));
      const r = run(files);
      expect(r.code).toBe(1);
      expect(r.stdout).toHaveLength(3);
      expect(r.stdout.every((l) => l.includes("not a Grove object"))).toBe(true);
      expect(run(["--ignore-non-grove", ...files]).code).toBe(0);
    });
  },
);
