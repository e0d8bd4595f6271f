// Generates src/schema/k8s-definitions.generated.ts: structural schemas of the Kubernetes types Grove
// embeds (core/v1 PodSpec, autoscaling/v2 MetricSpec, resource.k8s.io/v1 ResourceClaimTemplateSpec),
// derived from @kubernetes/client-node's generated models:
//   - structure from each model class's `attributeTypeMap`,
//   - required keys and descriptions from the model's .d.ts (non-optional properties, doc comments),
//   - Quantity fields (typed `string` by client-node) from kubernetes-types' `Quantity` annotations.
// Run: npm run gen:k8s -w @grove-ts/api
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as k8s from "@kubernetes/client-node";

type JsonSchema = { [keyword: string]: unknown };
interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

export const ROOT_TYPES = ["V1PodSpec", "V2MetricSpec", "V1ResourceClaimTemplateSpec"] as const;

const here = dirname(fileURLToPath(import.meta.url));
export const GENERATED_FILE = resolve(here, "../src/schema/k8s-definitions.generated.ts");

function findPackageDir(name: string): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} not found above ${here}`);
  }
}

/** QUANTITY pattern of apimachinery's resource.Quantity, as published in Kubernetes' OpenAPI. */
const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

/**
 * Fields typed Quantity in kubernetes-types, as "TypeName.field" (TypeName without group/version).
 * resource.k8s.io/v1 is newer than kubernetes-types 1.30, so its Quantity fields are listed by hand.
 */
function quantityFields(): Set<string> {
  const dir = findPackageDir("kubernetes-types");
  const out = new Set<string>([
    "CapacityRequirements.requests",
    "CapacityRequestPolicy.default",
    "DeviceCapacity.value",
  ]);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".d.ts")) files.push(join(d, e.name));
    }
  };
  walk(dir);
  for (const f of files) {
    let iface = "";
    let field = "";
    for (const line of readFileSync(f, "utf8").split("\n")) {
      const i = /^export interface (\w+)/.exec(line);
      if (i) iface = i[1]!;
      const p = /^ {4}(\w+)\??:/.exec(line);
      if (p) field = p[1]!;
      if (iface && field && /\bQuantity\b/.test(line) && !line.startsWith("import"))
        out.add(`${iface}.${field}`);
    }
  }
  return out;
}

/** "V1beta2Foo" / "CoreV1Foo" -> "Foo". */
const bareName = (cls: string) =>
  cls.replace(/^[A-Z][a-z]*V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])|^V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, "");

interface DtsInfo {
  description?: string;
  fields: Map<string, { optional: boolean; description?: string }>;
}

function unescapeDoc(lines: string[]): string {
  return lines
    .map((l) => l.replace(/^\s*\*\s?/, ""))
    .join("\n")
    .trim()
    .replace(/\\"/g, '"');
}

function readDts(modelsDir: string, cls: string): DtsInfo {
  const text = readFileSync(join(modelsDir, `${cls}.d.ts`), "utf8");
  const info: DtsInfo = { fields: new Map() };
  const lines = text.split("\n");
  let doc: string[] | undefined;
  let pending: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("/**")) {
      doc = [];
      continue;
    }
    if (doc && line === "*/") {
      pending = unescapeDoc(doc);
      doc = undefined;
      continue;
    }
    if (doc) {
      doc.push(line);
      continue;
    }
    const cl = /^export declare class (\w+)/.exec(line);
    if (cl) {
      if (pending) info.description = pending;
      pending = undefined;
      continue;
    }
    const f = /^'([^']+)'(\?)?:/.exec(line);
    if (f) {
      info.fields.set(f[1]!, { optional: f[2] === "?", description: pending || undefined });
      pending = undefined;
    }
  }
  return info;
}

export function buildK8sDefinitions(roots: readonly string[] = ROOT_TYPES): Record<string, JsonSchema> {
  const modelsDir = join(findPackageDir("@kubernetes/client-node"), "dist", "gen", "models");
  const quantities = quantityFields();
  const models = k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;
  const defs: Record<string, JsonSchema> = {};
  const queue = [...roots];

  const typeSchema = (type: string, format: string, quantity: boolean): JsonSchema => {
    const arr = /^Array<(.+)>$/.exec(type);
    if (arr) return { type: "array", items: typeSchema(arr[1]!, format, quantity) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: "object", additionalProperties: typeSchema(map[1]!, format, quantity) };
    if (quantity && type === "string")
      return {
        anyOf: [{ type: "integer" }, { type: "string" }],
        pattern: QUANTITY_PATTERN,
        "x-kubernetes-int-or-string": true,
      };
    switch (type) {
      case "string":
        return format ? { type: "string", format } : { type: "string" };
      case "boolean":
        return { type: "boolean" };
      case "number":
        return format === "int32" || format === "int64"
          ? { type: "integer", format }
          : { type: "number", format: format || "double" };
      case "Date":
        return { type: "string", format: "date-time" };
      case "IntOrString":
        return { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true };
      case "any":
        // runtime.RawExtension: arbitrary embedded JSON, kept as is.
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
      case "V1ObjectMeta":
        // Embedded ObjectMeta of a template: kept as given (the API server validates it where used).
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    }
    if (!models[type]?.attributeTypeMap) throw new Error(`unknown client-node type ${type}`);
    queue.push(type);
    return { $ref: type };
  };

  while (queue.length > 0) {
    const cls = queue.shift()!;
    if (defs[cls]) continue;
    const attrs = models[cls]?.attributeTypeMap;
    if (!attrs) throw new Error(`client-node has no model ${cls}`);
    const dts = readDts(modelsDir, cls);
    const properties: JsonSchema = {};
    const required: string[] = [];
    const def: JsonSchema = { type: "object" };
    defs[cls] = def; // placed before walking so that cycles terminate
    for (const a of [...attrs].sort((x, y) => (x.baseName < y.baseName ? -1 : 1))) {
      const field = dts.fields.get(a.name);
      const quantity = quantities.has(`${bareName(cls)}.${a.baseName}`);
      const s = typeSchema(a.type, a.format, quantity);
      properties[a.baseName] = field?.description ? { ...s, description: field.description } : s;
      if (field && !field.optional) required.push(a.baseName);
    }
    if (dts.description) def.description = dts.description;
    def.properties = properties;
    if (required.length > 0) def.required = required.sort();
  }
  if (roots.includes("V1PodSpec")) addSupplements(defs);
  return Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Fields newer or older than client-node's models that Grove's upstream CRDs (built against k8s.io/api
 * 1.35) declare: PodSpec.workloadRef, an alpha field that Kubernetes 1.36 replaced with schedulingGroup.
 * Kept so that every manifest upstream's CRDs accept is accepted here too.
 */
function addSupplements(defs: Record<string, JsonSchema>): void {
  const podSpec = defs.V1PodSpec;
  if (!podSpec) return;
  (podSpec.properties as Record<string, JsonSchema>).workloadRef = {
    $ref: "V1alpha1WorkloadReference",
    description:
      "Alpha in Kubernetes 1.35 (replaced by schedulingGroup in 1.36): reference to the Workload object and PodGroup this pod belongs to.",
  };
  defs.V1alpha1WorkloadReference = {
    type: "object",
    description: "Reference to a Workload object and one of its PodGroups.",
    properties: {
      name: { type: "string", description: "Name of the Workload in the pod's namespace (a DNS subdomain)." },
      podGroup: { type: "string", description: "Name of the PodGroup within the Workload (a DNS label)." },
      podGroupReplicaKey: {
        type: "string",
        description: "Replica key of the PodGroup, separating replicas of the same pod group (a DNS label).",
      },
    },
    required: ["name", "podGroup"],
  };
}

export function renderDefinitionsModule(defs: Record<string, JsonSchema>): string {
  return [
    "// GENERATED by scripts/gen-k8s-definitions.ts from @kubernetes/client-node's models. Do not edit.",
    'import type { JsonSchema } from "./kube-inline.js";',
    "",
    `export const k8sDefinitions: Record<string, JsonSchema> = ${JSON.stringify(defs, null, 2)};`,
    "",
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const defs = buildK8sDefinitions();
  writeFileSync(GENERATED_FILE, renderDefinitionsModule(defs));
  execFileSync("npx", ["biome", "format", "--write", GENERATED_FILE], { stdio: "ignore" });
  console.log(`wrote ${Object.keys(defs).length} definitions to ${GENERATED_FILE}`);
}
