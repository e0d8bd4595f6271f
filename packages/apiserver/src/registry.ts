// What the server serves: built-in kinds, plus one ResourceDef per served version of every stored
// CustomResourceDefinition. Discovery, OpenAPI, Tables and the REST handlers all read from here; the
// write pipeline reads each kind's rules from its strategy (strategies/).
import { type Schema, SchemaValidator } from "./schema.js";
import { crdStrategy } from "./strategies/crds.js";
import { customResourceStrategy } from "./strategies/custom-resources.js";
import { namespaceStrategy } from "./strategies/namespaces.js";
import { nodeStrategy } from "./strategies/nodes.js";
import { podStrategy } from "./strategies/pods.js";
import { priorityClassStrategy } from "./strategies/priority-classes.js";
import { rbacStrategy } from "./strategies/rbac.js";
import { resourceClaimStrategy, resourceClaimTemplateStrategy } from "./strategies/resource.js";
import { genericStrategy, plainFinalizersStrategy, type Strategy } from "./strategies/strategy.js";
import { isObj, type Obj } from "./util.js";

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  status: boolean;
  scale?: ScalePaths;
  printerColumns?: PrinterColumn[];
  /** Built-in kinds accept strategic merge patch; custom resources get 415. */
  builtin: boolean;
  /** The structural schema (custom resources only). */
  schema?: Schema;
  validator?: SchemaValidator;
  /** The CRD that serves this kind, by name. */
  crd?: string;
  /** Whether this version is the CRD's storage version (always true for built-ins). */
  storage: boolean;
  /** Whether Kubernetes bumps metadata.generation for this kind. */
  generation: boolean;
  /** A custom resource version's selectableFields, as field-selector labels (`spec.color`). */
  selectableFields?: string[];
  /** The kind's write rules (create, update, validation, graceful delete). */
  strategy: Strategy;
}

export const apiVersionOf = (d: { group: string; version: string }): string =>
  d.group ? `${d.group}/${d.version}` : d.version;

/** Where objects of a kind live in the store, shared by all its versions. */
export const storageKey = (d: { group: string; plural: string }): string => `${d.group}/${d.plural}`;

type BuiltinSpec = Partial<ResourceDef> & Pick<ResourceDef, "group" | "version" | "kind" | "plural">;

function builtin(s: BuiltinSpec): ResourceDef {
  return {
    listKind: `${s.kind}List`,
    singular: s.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    status: false,
    builtin: true,
    storage: true,
    generation: false,
    strategy: genericStrategy,
    ...s,
  };
}

export const builtinDefs: ResourceDef[] = [
  builtin({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    strategy: namespaceStrategy,
    namespaced: false,
    shortNames: ["ns"],
    status: true,
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    strategy: nodeStrategy,
    namespaced: false,
    shortNames: ["no"],
    status: true,
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    strategy: podStrategy,
    shortNames: ["po"],
    categories: ["all"],
    status: true,
    generation: true,
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    shortNames: ["sa"],
  }),
  builtin({ group: "", version: "v1", kind: "Secret", plural: "secrets" }),
  builtin({ group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"] }),
  builtin({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    strategy: plainFinalizersStrategy,
    shortNames: ["ev"],
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "Role",
    plural: "roles",
    strategy: rbacStrategy,
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    strategy: rbacStrategy,
  }),
  builtin({
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    shortNames: ["hpa"],
    categories: ["all"],
    status: true,
    generation: true,
  }),
  builtin({
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    strategy: plainFinalizersStrategy,
  }),
  builtin({
    group: "scheduling.k8s.io",
    version: "v1",
    kind: "PriorityClass",
    plural: "priorityclasses",
    strategy: priorityClassStrategy,
    namespaced: false,
    shortNames: ["pc"],
  }),
  // Dynamic Resource Allocation (resource.k8s.io/v1), as kube-apiserver v1.37.2 serves it.
  builtin({
    group: "resource.k8s.io",
    version: "v1",
    kind: "ResourceClaim",
    plural: "resourceclaims",
    strategy: resourceClaimStrategy,
    status: true,
  }),
  builtin({
    group: "resource.k8s.io",
    version: "v1",
    kind: "ResourceClaimTemplate",
    plural: "resourceclaimtemplates",
    strategy: resourceClaimTemplateStrategy,
  }),
  builtin({
    group: "resource.k8s.io",
    version: "v1",
    kind: "DeviceClass",
    plural: "deviceclasses",
    namespaced: false,
    generation: true,
  }),
  builtin({
    group: "resource.k8s.io",
    version: "v1",
    kind: "ResourceSlice",
    plural: "resourceslices",
    namespaced: false,
    generation: true,
  }),
  builtin({
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    strategy: crdStrategy,
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
    generation: true,
  }),
];

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** One ResourceDef per served version of a (valid) CRD object. */
export function defsFromCrd(crd: Obj): ResourceDef[] {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = str(spec.group) ?? "";
  const plural = str(names.plural) ?? "";
  const kind = str(names.kind) ?? "";
  const name = str((crd.metadata as Obj | undefined)?.name);
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const out: ResourceDef[] = [];
  for (const v of versions) {
    if (v.served === false) continue;
    const sub = isObj(v.subresources) ? v.subresources : {};
    const scale = isObj(sub.scale) ? sub.scale : undefined;
    const schemaHolder = isObj(v.schema) ? v.schema : {};
    const schema = isObj(schemaHolder.openAPIV3Schema) ? (schemaHolder.openAPIV3Schema as Schema) : undefined;
    const def: ResourceDef = {
      group,
      version: str(v.name) ?? "",
      kind,
      listKind: str(names.listKind) ?? `${kind}List`,
      plural,
      singular: str(names.singular) ?? kind.toLowerCase(),
      namespaced: spec.scope !== "Cluster",
      shortNames: strs(names.shortNames),
      categories: strs(names.categories),
      status: isObj(sub.status),
      builtin: false,
      storage: v.storage === true,
      generation: true,
      strategy: customResourceStrategy,
      printerColumns: Array.isArray(v.additionalPrinterColumns)
        ? v.additionalPrinterColumns.filter(isObj).map((c) => ({
            name: str(c.name) ?? "",
            type: str(c.type) ?? "string",
            format: str(c.format),
            description: str(c.description),
            priority: typeof c.priority === "number" ? c.priority : 0,
            jsonPath: str(c.jsonPath) ?? "",
          }))
        : undefined,
    };
    if (name) def.crd = name;
    const selectable = Array.isArray(v.selectableFields) ? v.selectableFields.filter(isObj) : [];
    if (selectable.length)
      def.selectableFields = selectable.map((f) => (str(f.jsonPath) ?? "").replace(/^\./, ""));
    if (scale)
      def.scale = {
        specReplicasPath: str(scale.specReplicasPath) ?? ".spec.replicas",
        statusReplicasPath: str(scale.statusReplicasPath) ?? ".status.replicas",
        ...(str(scale.labelSelectorPath)
          ? { labelSelectorPath: str(scale.labelSelectorPath) as string }
          : {}),
      };
    if (schema) {
      def.schema = schema;
      def.validator = new SchemaValidator(schema);
    }
    out.push(def);
  }
  return out;
}

export class Registry {
  private readonly byGvr = new Map<string, ResourceDef>();
  private readonly byCrd = new Map<string, ResourceDef[]>();
  /** Bumped whenever the set of served kinds changes (a cache key for discovery and OpenAPI). */
  generation = 0;

  constructor() {
    for (const d of builtinDefs) this.add(d);
  }

  private add(d: ResourceDef): void {
    this.byGvr.set(`${d.group}/${d.version}/${d.plural}`, d);
  }

  all(): ResourceDef[] {
    return [...this.byGvr.values()];
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byGvr.get(`${group}/${version}/${plural}`);
  }

  /** The storage-version def of a kind by its group and plural. */
  storageDef(group: string, plural: string): ResourceDef | undefined {
    let fallback: ResourceDef | undefined;
    for (const d of this.byGvr.values()) {
      if (d.group !== group || d.plural !== plural) continue;
      if (d.storage) return d;
      fallback ??= d;
    }
    return fallback;
  }

  byKind(apiVersion: string, kind: string): ResourceDef | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    for (const d of this.byGvr.values())
      if (d.group === group && d.version === version && d.kind === kind) return d;
    return undefined;
  }

  /** Serves a CRD's versions, replacing what an earlier revision of it served. */
  setCrd(name: string, defs: ResourceDef[]): void {
    this.removeCrd(name);
    for (const d of defs) this.add(d);
    this.byCrd.set(name, defs);
    this.generation++;
  }

  removeCrd(name: string): void {
    for (const d of this.byCrd.get(name) ?? []) this.byGvr.delete(`${d.group}/${d.version}/${d.plural}`);
    this.byCrd.delete(name);
    this.generation++;
  }

  crdDefs(name: string): ResourceDef[] {
    return this.byCrd.get(name) ?? [];
  }

  groups(): Map<string, ResourceDef[]> {
    const out = new Map<string, ResourceDef[]>();
    for (const d of this.byGvr.values()) {
      const list = out.get(d.group) ?? [];
      list.push(d);
      out.set(d.group, list);
    }
    return out;
  }
}
