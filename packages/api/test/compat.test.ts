// Compatibility with Grove's own CRDs and manifests (../shared/grove-fixtures; skipped when absent).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  type CustomResourceDefinition,
  checkSchema,
  groveCrds,
  newKubeAjv,
  strictSchema,
} from "../src/index.js";

const sharedDir = process.env.GROVE_SHARED_DIR ?? resolve(import.meta.dirname, "../../../../shared");
const fixturesDir = join(sharedDir, "grove-fixtures");
const haveFixtures = existsSync(join(fixturesDir, "upstream-crds"));
if (!haveFixtures)
  console.warn(`[api compat] skipped: Grove fixtures not found at ${fixturesDir} (set GROVE_SHARED_DIR)`);

type Node = Record<string, unknown>;
const schemaOf = (crd: CustomResourceDefinition) => crd.spec.versions[0]!.schema!.openAPIV3Schema as Node;

function walk(node: Node, path: string, visit: (n: Node, p: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries((node.properties as Record<string, Node>) ?? {}))
    walk(v, `${path}.${k}`, visit);
  if (node.items) walk(node.items as Node, `${path}[]`, visit);
  if (typeof node.additionalProperties === "object")
    walk(node.additionalProperties as Node, `${path}{}`, visit);
}

function collect(crd: CustomResourceDefinition, pick: (n: Node) => unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  walk(schemaOf(crd), "", (n, p) => {
    const v = pick(n);
    if (v !== undefined) out.set(p, v);
  });
  return out;
}

/** The annotations that decide how the API server defaults, prunes and merges a field. */
const STRUCTURAL_ANNOTATIONS = [
  "default",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-preserve-unknown-fields",
] as const;

/**
 * On every path that both schemas declare (through properties, items and additionalProperties), the
 * structural annotations that differ, including one side setting one that the other leaves out: one
 * line per path and annotation, `<path>: <annotation>: ours <json> != upstream <json>`.
 */
function structuralDiffs(ours: Node, upstream: Node): string[] {
  const nodes = (root: Node) => {
    const out = new Map<string, Node>();
    walk(root, "", (n, p) => out.set(p, n));
    return out;
  };
  const theirs = nodes(upstream);
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  const diffs: string[] = [];
  for (const [path, mine] of nodes(ours)) {
    const other = theirs.get(path);
    if (!other) continue;
    for (const a of STRUCTURAL_ANNOTATIONS)
      if (!isDeepStrictEqual(mine[a], other[a]))
        diffs.push(`${path || "(root)"}: ${a}: ours ${show(mine[a])} != upstream ${show(other[a])}`);
  }
  return diffs;
}

describe("structuralDiffs (the comparison the upstream test below relies on)", () => {
  it("reports an annotation set on one side only, and differing values, by path", () => {
    const a: Node = {
      type: "object",
      properties: {
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
          items: {
            type: "object",
            properties: { containerPort: { type: "integer" }, protocol: { type: "string", default: "TCP" } },
          },
        },
        labels: {
          type: "object",
          "x-kubernetes-map-type": "atomic",
          additionalProperties: { type: "string" },
        },
        raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        onlyOurs: { type: "string", default: "x" },
      },
    };
    expect(structuralDiffs(a, structuredClone(a))).toEqual([]);
    const b = structuredClone(a) as { properties: Record<string, Node> };
    const ports = b.properties.ports!;
    delete ports["x-kubernetes-list-type"];
    ports["x-kubernetes-list-map-keys"] = ["containerPort"];
    delete ((ports.items as Node).properties as Record<string, Node>).protocol!.default;
    delete b.properties.labels!["x-kubernetes-map-type"];
    (b.properties.labels!.additionalProperties as Node).default = "";
    b.properties.raw!["x-kubernetes-preserve-unknown-fields"] = false;
    delete b.properties.onlyOurs; // a path only one side declares is the field test's business
    expect(structuralDiffs(a, b as Node)).toEqual([
      '.ports: x-kubernetes-list-type: ours "map" != upstream (unset)',
      '.ports: x-kubernetes-list-map-keys: ours ["containerPort","protocol"] != upstream ["containerPort"]',
      '.ports[].protocol: default: ours "TCP" != upstream (unset)',
      '.labels: x-kubernetes-map-type: ours "atomic" != upstream (unset)',
      '.labels{}: default: ours (unset) != upstream ""',
      ".raw: x-kubernetes-preserve-unknown-fields: ours true != upstream false",
    ]);
  });

  it("catches one marker deleted from a generated CRD", () => {
    const crd = groveCrds().find((c) => c.spec.names.kind === "PodCliqueSet")!;
    const changed = structuredClone(crd);
    const ports = ".spec.template.cliques[].spec.podSpec.containers[].ports";
    let target: Node | undefined;
    walk(schemaOf(changed), "", (n, p) => {
      if (p === ports) target = n;
    });
    expect(target?.["x-kubernetes-list-type"]).toBe("map");
    delete target!["x-kubernetes-list-type"];
    expect(structuralDiffs(schemaOf(crd), schemaOf(changed))).toEqual([
      `${ports}: x-kubernetes-list-type: ours "map" != upstream (unset)`,
    ]);
  });
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe.skipIf(!haveFixtures)("compatibility with upstream Grove CRDs", () => {
  const upstream = haveFixtures
    ? readdirSync(join(fixturesDir, "upstream-crds"))
        .filter((f) => f.endsWith(".yaml"))
        .map(
          (f) =>
            parseAllDocuments(
              readFileSync(join(fixturesDir, "upstream-crds", f), "utf8"),
            )[0]!.toJS() as CustomResourceDefinition,
        )
    : [];
  const ours = groveCrds();
  const pairs = ours.map((o) => {
    const u = upstream.find((x) => x.spec.names.kind === o.spec.names.kind);
    return [o.spec.names.kind, o, u] as const;
  });

  it("declares the same kinds", () => {
    expect(ours.map((c) => c.metadata?.name).sort()).toEqual(upstream.map((c) => c.metadata?.name).sort());
  });

  it.each(pairs)("%s: same group, names, scope, subresources and printer columns", (_kind, o, u) => {
    expect(u).toBeDefined();
    const { categories, ...names } = o.spec.names;
    expect(categories).toContain("grove");
    expect(names).toEqual(u!.spec.names);
    expect(o.spec.group).toBe(u!.spec.group);
    expect(o.spec.scope).toBe(u!.spec.scope);
    const [ov, uv] = [o.spec.versions[0]!, u!.spec.versions[0]!];
    expect([ov.name, ov.served, ov.storage]).toEqual([uv.name, uv.served, uv.storage]);
    expect(ov.subresources).toEqual(uv.subresources);
    const columns = (cs: typeof ov.additionalPrinterColumns) =>
      (cs ?? []).map((c) => ({
        name: c.name,
        type: c.type,
        jsonPath: c.jsonPath,
        priority: c.priority ?? 0,
      }));
    expect(columns(ov.additionalPrinterColumns)).toEqual(columns(uv.additionalPrinterColumns));
  });

  it.each(pairs)(
    "%s: same defaults, list types, list-map keys, map types and preserve-unknown-fields on every shared path",
    (_kind, o, u) => {
      const diffs = structuralDiffs(schemaOf(o), schemaOf(u!));
      expect(diffs, `${diffs.length} structural differences from upstream:\n${diffs.join("\n")}`).toEqual([]);
    },
  );

  it.each(pairs)(
    "%s: same enums, required keys, int-or-string, patterns and validation rules",
    (_kind, o, u) => {
      for (const pick of [
        (n: Node) => n.enum,
        (n: Node) => n.required,
        (n: Node) => n["x-kubernetes-int-or-string"],
        (n: Node) =>
          n.pattern === undefined ? undefined : [n.pattern, n.minLength, n.maxLength, n.minItems],
        (n: Node) =>
          (n["x-kubernetes-validations"] as Node[] | undefined)?.map((r) => [r.rule, r.message, r.fieldPath]),
      ]) {
        const mine = collect(o, pick);
        const theirs = collect(u!, pick);
        // Compare where the upstream field exists in ours; missing fields are reported by the next test.
        for (const [path, value] of theirs)
          if (mine.has(path)) expect([path, mine.get(path)]).toEqual([path, value]);
        for (const [path, value] of mine)
          if (theirs.has(path)) expect([path, value]).toEqual([path, theirs.get(path)]);
      }
    },
  );

  it.each(pairs)("%s: declares every field upstream declares, with the same type", (_kind, o, u) => {
    const mine = collect(o, (n) => n.type ?? "int-or-string");
    const missing: string[] = [];
    for (const [path, type] of collect(u!, (n) => n.type ?? "int-or-string")) {
      if (!mine.has(path)) missing.push(path);
      else expect([path, mine.get(path)]).toEqual([path, type]);
    }
    expect(missing).toEqual([]);
    // Where upstream keeps arbitrary JSON (runtime.RawExtension), so do we.
    const preserved = collect(o, (n) => n["x-kubernetes-preserve-unknown-fields"]);
    for (const [path] of collect(u!, (n) => n["x-kubernetes-preserve-unknown-fields"]))
      expect([path, preserved.get(path)]).toEqual([path, true]);
  });

  const docs = haveFixtures
    ? ["samples", "e2e"].flatMap((dir) =>
        yamlFiles(join(fixturesDir, dir)).flatMap((file) =>
          parseAllDocuments(readFileSync(file, "utf8"))
            .map((d, i) => ({ file: `${relative(fixturesDir, file)}#${i}`, obj: d.toJS() as Node | null }))
            .filter((d) => d.obj && typeof d.obj === "object"),
        ),
      )
    : [];

  it("accepts every fixture manifest that the upstream schema accepts (and rejects the same ones)", () => {
    const ajv = newKubeAjv();
    const validators = new Map<string, [ValidateFunction, ValidateFunction]>();
    const validatorsFor = (kind: string) => {
      let v = validators.get(kind);
      if (!v) {
        const o = ours.find((c) => c.spec.names.kind === kind)!;
        const u = upstream.find((c) => c.spec.names.kind === kind)!;
        v = [ajv.compile(strictSchema(schemaOf(o))), ajv.compile(strictSchema(schemaOf(u)))];
        validators.set(kind, v);
      }
      return v;
    };
    const grove = docs.filter((d) => upstream.some((c) => c.spec.names.kind === d.obj!.kind));
    expect(grove.length).toBeGreaterThan(50);
    const verdicts = grove.map(({ file, obj }) => {
      const [mine, theirs] = validatorsFor(String(obj!.kind));
      return { file, ours: mine(obj), upstream: theirs(obj), checkSchema: checkSchema(obj).length === 0 };
    });
    const disagreements = verdicts.filter((v) => v.ours !== v.upstream || v.checkSchema !== v.upstream);
    expect(disagreements).toEqual([]);
    // grove-api.md §19.2: the samples that omit roleName are rejected upstream too.
    const rejected = verdicts.filter((v) => !v.upstream).map((v) => v.file);
    expect(rejected).toContain(
      "samples/user-guide/03_environment-variables-for-pod-discovery/standalone-env-vars.yaml#0",
    );
    expect(rejected.length).toBeLessThan(grove.length / 4);
  }, 60_000);
});
