// Generates src/schema/k8s-definitions.generated.ts: structural schemas of the Kubernetes types Grove
// embeds (core/v1 PodSpec, autoscaling/v2 MetricSpec, resource.k8s.io/v1 ResourceClaimTemplateSpec),
// derived from @kubernetes/client-node's generated models:
//   - structure from each model class's `attributeTypeMap`,
//   - required keys and descriptions from the model's .d.ts (non-optional properties, doc comments),
//   - Quantity fields (typed `string` by client-node) from kubernetes-types' `Quantity` annotations,
//   - list and map markers (x-kubernetes-list-type, -list-map-keys, -map-type) from Kubernetes' OpenAPI
//     v3, as extracted into k8s-openapi-markers.json by scripts/extract-k8s-markers.ts (checked in,
//     so that generation needs no Kubernetes checkout), plus the flattened embeddings of
//     LocalObjectReference (flattenedAtomicTypes()),
//   - the literal `+default=` markers of k8s.io/api by hand (schemaDefaults()).
// What the embedded types carry is what Grove's own controller-gen CRDs carry, so that a manifest is
// defaulted, pruned and merged the same way under both.
// Run: npm run gen:k8s -w @grove-ts/api
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as k8s from "@kubernetes/client-node";

type JsonSchema = { [keyword: string]: unknown };

/** The x-kubernetes-* markers taken over from Kubernetes' OpenAPI. */
export const MARKER_KEYWORDS = [
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
] as const;
type Markers = Partial<Record<(typeof MARKER_KEYWORDS)[number], unknown>>;
/** Per OpenAPI definition name ("io.k8s.api.core.v1.Container"): its own markers and its properties'. */
export interface MarkerTable {
  [definition: string]: Markers & { properties?: Record<string, Markers> };
}
interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

export const ROOT_TYPES = ["V1PodSpec", "V2MetricSpec", "V1ResourceClaimTemplateSpec"] as const;

const here = dirname(fileURLToPath(import.meta.url));
export const GENERATED_FILE = resolve(here, "../src/schema/k8s-definitions.generated.ts");
/** Written by scripts/extract-k8s-markers.ts; read here. */
export const MARKERS_FILE = resolve(here, "k8s-openapi-markers.json");

/** The markers of MARKERS_FILE (see scripts/extract-k8s-markers.ts for their source and refresh). */
export function loadMarkers(): MarkerTable {
  return (JSON.parse(readFileSync(MARKERS_FILE, "utf8")) as { definitions: MarkerTable }).definitions;
}

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

/**
 * The literal `+default=` markers of k8s.io/api on the embedded types, as "TypeName" -> field ->
 * value (TypeName without group/version), which controller-gen copies into Grove's CRDs. Not every
 * `default` of Kubernetes' OpenAPI: that one also has the zero values of non-pointer fields (`""`,
 * `0`, `{}`), which controller-gen does not emit, and schema defaults change what the server stores.
 * client-node flattens embedded structs, so the default of LocalObjectReference.name (`+default=""`)
 * is repeated on every type that embeds it. Checked against Grove's CRDs (test/kube/crds.test.ts
 * compares what the real kube-apiserver stores under both).
 */
export function schemaDefaults(): Record<string, Record<string, unknown>> {
  const localObjectReference = { name: "" };
  return {
    // core/v1
    AzureDiskVolumeSource: { fsType: "ext4", readOnly: false },
    ConfigMapEnvSource: localObjectReference,
    ConfigMapKeySelector: localObjectReference,
    ConfigMapProjection: localObjectReference,
    ConfigMapVolumeSource: localObjectReference,
    ContainerPort: { protocol: "TCP" },
    FileKeySelector: { optional: false },
    GRPCAction: { service: "" },
    ISCSIVolumeSource: { iscsiInterface: "default" },
    LocalObjectReference: localObjectReference,
    RBDVolumeSource: { keyring: "/etc/ceph/keyring", pool: "rbd", user: "admin" },
    ScaleIOVolumeSource: { fsType: "xfs", storageMode: "ThinProvisioned" },
    SecretEnvSource: localObjectReference,
    SecretKeySelector: localObjectReference,
    SecretProjection: localObjectReference,
    // resource.k8s.io/v1
    DeviceToleration: { operator: "Equal" },
  };
}

/**
 * Types that embed LocalObjectReference (`+structType=atomic`): controller-gen carries the embedded
 * struct's `x-kubernetes-map-type: atomic` over to them, Kubernetes' OpenAPI (which flattens them as
 * client-node does) does not. The other embedders (ConfigMapKeySelector, SecretKeySelector) are
 * atomic themselves and so in k8s-openapi-markers.json.
 */
export const flattenedAtomicTypes = (): string[] => [
  "ConfigMapEnvSource",
  "ConfigMapProjection",
  "ConfigMapVolumeSource",
  "SecretEnvSource",
  "SecretProjection",
];

const CLASS_NAME = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

/** "V1beta2Foo" / "CoreV1Foo" -> "Foo". */
const bareName = (cls: string) => CLASS_NAME.exec(cls)?.[3] ?? cls;

/**
 * The OpenAPI definition name of a client-node model class among `candidates`: "V1ContainerPort" ->
 * "io.k8s.api.core.v1.ContainerPort", "V1LabelSelector" -> "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
 * "CoreV1ResourceClaim" -> "io.k8s.api.core.v1.ResourceClaim" (the group prefix tells same-named
 * types apart). undefined when none matches; throws when several do.
 */
export function openApiName(cls: string, candidates: Iterable<string>): string | undefined {
  const m = CLASS_NAME.exec(cls);
  if (!m) return undefined;
  const [, group, version, bare] = m;
  const suffix = `.${version!.toLowerCase()}.${bare}`;
  const found = [...candidates].filter(
    (c) => c.endsWith(suffix) && (!group || c.includes(`.${group.toLowerCase()}.`)),
  );
  if (found.length > 1) throw new Error(`${cls} matches several OpenAPI definitions: ${found.join(", ")}`);
  return found[0];
}

/** Copies the markers of `from` (only MARKER_KEYWORDS) onto `to`. */
function addMarkers(to: JsonSchema, from: Markers, where: string): void {
  for (const k of Object.keys(from))
    if (!(MARKER_KEYWORDS as readonly string[]).includes(k) && k !== "properties")
      throw new Error(`${where}: unexpected keyword ${k} in ${MARKERS_FILE}`);
  for (const k of MARKER_KEYWORDS) if (from[k] !== undefined) to[k] = structuredClone(from[k]);
}

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

export interface BuildOptions {
  /** List and map markers per OpenAPI definition; loadMarkers() when absent. */
  markers?: MarkerTable;
}

export function buildK8sDefinitions(
  roots: readonly string[] = ROOT_TYPES,
  options: BuildOptions = {},
): Record<string, JsonSchema> {
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
        // Embedded ObjectMeta of a template (volumeClaimTemplate, a ResourceClaimTemplate's): a bare
        // object, as controller-gen writes it (without generateEmbeddedObjectMeta), so the server
        // prunes its fields as it does under Grove's CRDs.
        return { type: "object" };
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
  // The tables name types of the full set; with fewer roots, entries may legitimately go unused.
  const complete = ROOT_TYPES.every((r) => roots.includes(r));
  addDefaults(defs, complete);
  applyMarkers(defs, options.markers ?? loadMarkers(), complete);
  return Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Puts the defaults of schemaDefaults() on their fields; every entry must name an existing field. */
function addDefaults(defs: Record<string, JsonSchema>, complete: boolean): void {
  const table = schemaDefaults();
  const used = new Set<string>();
  for (const [cls, def] of Object.entries(defs)) {
    const fields = table[bareName(cls)];
    if (!fields) continue;
    used.add(bareName(cls));
    const props = def.properties as Record<string, JsonSchema>;
    for (const [field, value] of Object.entries(fields)) {
      if (!props[field]) throw new Error(`schemaDefaults(): ${cls} has no field ${field}`);
      props[field] = { ...props[field], default: value };
    }
  }
  const unused = Object.keys(table).filter((t) => !used.has(t));
  if (complete && unused.length > 0)
    throw new Error(`schemaDefaults(): no embedded type named ${unused.join(", ")}`);
}

/**
 * Puts the list and map markers of `table` (Kubernetes' OpenAPI) and of flattenedAtomicTypes() on
 * the definitions. Every entry of `table` must land somewhere: one that matches no client-node model
 * or field means the table is stale (re-run scripts/extract-k8s-markers.ts).
 */
function applyMarkers(defs: Record<string, JsonSchema>, table: MarkerTable, complete: boolean): void {
  const names = Object.keys(table);
  const used = new Set<string>();
  for (const [cls, def] of Object.entries(defs)) {
    const name = openApiName(cls, names);
    if (!name) continue;
    used.add(name);
    const entry = table[name]!;
    addMarkers(def, entry, name);
    const props = def.properties as Record<string, JsonSchema>;
    for (const [field, markers] of Object.entries(entry.properties ?? {})) {
      if (!props[field]) throw new Error(`${MARKERS_FILE}: ${cls} (${name}) has no field ${field}`);
      addMarkers(props[field], markers, `${name}.${field}`);
    }
  }
  const unused = names.filter((n) => !used.has(n));
  if (complete && unused.length > 0)
    throw new Error(`${MARKERS_FILE}: no client-node model for ${unused.join(", ")}; refresh it`);
  const atomic = flattenedAtomicTypes();
  for (const [cls, def] of Object.entries(defs))
    if (atomic.includes(bareName(cls))) def["x-kubernetes-map-type"] = "atomic";
  const missing = atomic.filter((t) => !Object.keys(defs).some((cls) => bareName(cls) === t));
  if (complete && missing.length > 0)
    throw new Error(`flattenedAtomicTypes(): no embedded type named ${missing.join(", ")}`);
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
    "// GENERATED by scripts/gen-k8s-definitions.ts from @kubernetes/client-node's models and",
    "// scripts/k8s-openapi-markers.json. Do not edit.",
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
