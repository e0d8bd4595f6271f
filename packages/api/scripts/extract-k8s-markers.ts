// Writes scripts/k8s-openapi-markers.json: the list and map markers (x-kubernetes-list-type,
// x-kubernetes-list-map-keys, x-kubernetes-map-type) that Kubernetes' published OpenAPI v3 puts on
// the types Grove embeds, for scripts/gen-k8s-definitions.ts. The facts come from the Kubernetes
// release the repository pins (tools/k8s/kubernetes/go.mod: k8s.io/kubernetes vX.Y.Z), from its
// api/openapi-spec/v3 files in the Go module cache:
//   api__v1_openapi.json (core/v1, meta/v1), apis__resource.k8s.io__v1_openapi.json,
//   apis__autoscaling__v2_openapi.json.
// Only definitions that a client-node model reachable from the generator's roots maps to are kept,
// and only fields that model has, so that gen:k8s can insist that every entry is used.
//
// Refresh (after a Kubernetes or @kubernetes/client-node bump; needs the module in the Go module
// cache, e.g. after `go mod download` in tools/k8s/kubernetes or `npm run k8s:build`):
//   npm run gen:k8s-markers -w @grove-ts/api [-- /absolute/path/to/api/openapi-spec/v3]
//   npm run gen:k8s -w @grove-ts/api && npm run gen:crds -w @grove-ts/api
// gen:k8s itself never reads the Go module cache.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildK8sDefinitions,
  MARKER_KEYWORDS,
  MARKERS_FILE,
  type MarkerTable,
  openApiName,
  ROOT_TYPES,
} from "./gen-k8s-definitions.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const SPEC_FILES = [
  "api__v1_openapi.json",
  "apis__resource.k8s.io__v1_openapi.json",
  "apis__autoscaling__v2_openapi.json",
];

type Node = { [keyword: string]: unknown };

function pinnedKubernetes(): string {
  const gomod = readFileSync(join(repoRoot, "tools/k8s/kubernetes/go.mod"), "utf8");
  const m = /^require k8s\.io\/kubernetes (v\S+)$/m.exec(gomod) ?? /\sk8s\.io\/kubernetes (v\S+)/.exec(gomod);
  if (!m) throw new Error("no k8s.io/kubernetes version in tools/k8s/kubernetes/go.mod");
  return m[1]!;
}

function goModCache(): string {
  if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
  try {
    const out = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
    if (out) return out;
  } catch {
    // no go on PATH: the default location
  }
  return join(process.env.GOPATH ?? join(homedir(), "go"), "pkg", "mod");
}

const version = pinnedKubernetes();
const specDir = process.argv[2]
  ? resolve(process.argv[2])
  : join(goModCache(), `k8s.io/kubernetes@${version}`, "api/openapi-spec/v3");
if (!existsSync(join(specDir, SPEC_FILES[0]!)))
  throw new Error(
    `${specDir} has no ${SPEC_FILES[0]} (download k8s.io/kubernetes@${version} or pass the folder)`,
  );

const schemas: Record<string, Node> = {};
for (const f of SPEC_FILES) {
  const doc = JSON.parse(readFileSync(join(specDir, f), "utf8")) as {
    components: { schemas: Record<string, Node> };
  };
  Object.assign(schemas, doc.components.schemas);
}

/** The markers of one schema node, or undefined when it has none. */
function markersOf(n: Node): Node | undefined {
  const out: Node = {};
  for (const k of MARKER_KEYWORDS) if (n[k] !== undefined) out[k] = n[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

// The client-node models the generator builds, without markers (this script makes them).
const defs = buildK8sDefinitions(ROOT_TYPES, { markers: {} });
const table: MarkerTable = {};
const unmapped: string[] = [];
for (const [cls, def] of Object.entries(defs)) {
  const name = openApiName(cls, Object.keys(schemas));
  if (!name) {
    unmapped.push(cls);
    continue;
  }
  const schema = schemas[name]!;
  const entry: MarkerTable[string] = { ...markersOf(schema) };
  const ours = def.properties as Record<string, Node>;
  const props: Record<string, Node> = {};
  for (const [field, ps] of Object.entries((schema.properties ?? {}) as Record<string, Node>)) {
    const m = markersOf(ps);
    // Markers sit on the property itself; nested items never carry their own in these files.
    if (m && ours[field]) props[field] = m;
  }
  if (Object.keys(props).length > 0) entry.properties = props;
  if (Object.keys(entry).length > 0) table[name] = entry;
}

const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(
  MARKERS_FILE,
  JSON.stringify(
    {
      description:
        "List and map markers of Kubernetes' OpenAPI v3 on the types Grove embeds, for scripts/gen-k8s-definitions.ts. Written by scripts/extract-k8s-markers.ts; do not edit by hand.",
      source: { kubernetes: version, files: SPEC_FILES.map((f) => `api/openapi-spec/v3/${f}`) },
      definitions: sorted,
    },
    null,
    2,
  ),
);
execFileSync("npx", ["biome", "format", "--write", MARKERS_FILE], { stdio: "ignore" });
console.log(`wrote ${Object.keys(sorted).length} definitions to ${MARKERS_FILE}`);
if (unmapped.length > 0) console.log(`not in Kubernetes ${version}'s OpenAPI: ${unmapped.join(", ")}`);
