// The Helm chart's files that are checked without a cluster (test/kube/chart.test.ts renders,
// applies and exercises it on the real control plane):
// - charts/grove-ts/crds is what @grove-ts/api generates: a schema change without
//   `npm run chart:crds` fails here, as packages/api/test/crds.test.ts fails for packages/api/crds;
// - every value of values.yaml is documented in the chart's README and described by
//   values.schema.json (which rejects values it does not know).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allCrds, crdFileName, renderCrdYaml } from "@grove-ts/api";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { repoRoot } from "../src/shared.js";

const chart = join(repoRoot, "charts/grove-ts");
const crds = allCrds();

describe("charts/grove-ts/crds (run `npm run chart:crds` after a schema change)", () => {
  it("holds one file per Grove CRD and nothing else", () => {
    expect(readdirSync(join(chart, "crds")).sort()).toEqual(crds.map(crdFileName).sort());
  });

  it.each(crds.map((c) => [crdFileName(c), c] as const))("%s is current", (file, crd) => {
    const committed = readFileSync(join(chart, "crds", file), "utf8");
    expect(committed === renderCrdYaml(crd), `charts/grove-ts/crds/${file} is stale`).toBe(true);
  });
});

type Node = Record<string, unknown>;
const isMap = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** Values documented as one object (Kubernetes types passed through as they are). */
const WHOLE = new Set(["resources", "podSecurityContext", "securityContext"]);

/** Dotted paths of values.yaml's leaves: maps are followed, except empty ones and WHOLE. */
function leaves(v: unknown, prefix = ""): string[] {
  if (!isMap(v) || Object.keys(v).length === 0 || WHOLE.has(prefix)) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
}

/** The schema node of a dotted path, following properties, additionalProperties and $ref. */
function schemaAt(schema: Node, path: string): Node | undefined {
  const resolve = (n: Node): Node => {
    const ref = n.$ref as string | undefined;
    return ref ? resolve((schema.definitions as Record<string, Node>)[ref.split("/").pop() ?? ""] ?? {}) : n;
  };
  let node: Node | undefined = schema;
  for (const key of path.split(".")) {
    if (!node) return undefined;
    const n = resolve(node);
    const props = n.properties as Record<string, Node> | undefined;
    node = props?.[key] ?? (isMap(n.additionalProperties) ? n.additionalProperties : undefined);
  }
  return node && resolve(node);
}

describe("charts/grove-ts values", () => {
  const values = parseYaml(readFileSync(join(chart, "values.yaml"), "utf8")) as Node;
  const paths = leaves(values);
  const readme = readFileSync(join(chart, "README.md"), "utf8");
  const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as Node;

  it("every value is in the README's tables", () => {
    expect(paths.length).toBeGreaterThan(60);
    expect(paths.filter((p) => !readme.includes(`| \`${p}\` |`))).toEqual([]);
  });

  it("every value is described by values.schema.json", () => {
    expect(paths.filter((p) => schemaAt(schema, p) === undefined)).toEqual([]);
  });
});
