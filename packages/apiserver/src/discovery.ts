// Discovery (aggregated v2 and legacy) and OpenAPI v3, built from the registry on each request so a
// freshly applied CRD is visible at once. See kube-api-compat.md §1 and §2.
import { createHash } from "node:crypto";
import type { Registry, ResourceDef } from "./registry.js";
import { isObj, type Obj } from "./util.js";

export const aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const aggregatedV2beta1ContentType =
  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Versions of a group, preferred first (kube's version priority: GA > beta > alpha, higher first). */
function sortVersions(vs: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...vs].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (rb[i] as number) - (ra[i] as number);
    return a.localeCompare(b);
  });
}

function byVersion(defs: ResourceDef[]): Map<string, ResourceDef[]> {
  const m = new Map<string, ResourceDef[]>();
  for (const d of defs) m.set(d.version, [...(m.get(d.version) ?? []), d]);
  return m;
}

/** The pod subresources kube-apiserver proxies to kubelets: name, kind, verbs (as v1.37 lists them). */
const podProxySubresources: [string, string, string[]][] = [
  ["attach", "PodAttachOptions", ["create", "get"]],
  ["exec", "PodExecOptions", ["create", "get"]],
  ["log", "Pod", ["get"]],
  ["portforward", "PodPortForwardOptions", ["create", "get"]],
];

function aggregatedResource(d: ResourceDef): Obj {
  const subresources: Obj[] = [];
  if (d.scale)
    subresources.push({
      subresource: "scale",
      responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
      verbs: ["get", "patch", "update"],
    });
  if (d.status)
    subresources.push({
      subresource: "status",
      responseKind: { group: d.group, version: d.version, kind: d.kind },
      verbs: ["get", "patch", "update"],
    });
  if (d.group === "" && d.plural === "pods")
    subresources.push({
      subresource: "binding",
      responseKind: { group: "", version: "v1", kind: "Binding" },
      verbs: ["create"],
    });
  if (d.group === "" && d.plural === "pods")
    subresources.push({
      subresource: "eviction",
      responseKind: { group: "policy", version: "v1", kind: "Eviction" },
      verbs: ["create"],
    });
  // Served through a PodProxy (handlers/pod-proxy.ts), as kube-apiserver lists them.
  if (d.group === "" && d.plural === "pods")
    for (const [sub, kind, verbs] of podProxySubresources)
      subresources.push({ subresource: sub, responseKind: { group: "", version: "v1", kind }, verbs });
  const r: Obj = {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs,
  };
  if (d.shortNames.length) r.shortNames = d.shortNames;
  if (d.categories.length) r.categories = d.categories;
  if (subresources.length) r.subresources = subresources;
  return r;
}

export function aggregatedDiscovery(
  registry: Registry,
  core: boolean,
  apiVersion = "apidiscovery.k8s.io/v2",
): Obj {
  const items: Obj[] = [];
  const groups = [...registry.groups()]
    .filter(([g]) => (core ? g === "" : g !== ""))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [group, defs] of groups) {
    const vers = byVersion(defs);
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: sortVersions([...vers.keys()]).map((v) => ({
        version: v,
        freshness: "Current",
        resources: (vers.get(v) ?? [])
          .sort((a, b) => a.plural.localeCompare(b.plural))
          .map(aggregatedResource),
      })),
    });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion, metadata: {}, items };
}

export function legacyApiVersions(host: string): Obj {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
  };
}

function legacyGroup(group: string, defs: ResourceDef[]): Obj {
  const versions = sortVersions([...new Set(defs.map((d) => d.version))]).map((v) => ({
    groupVersion: `${group}/${v}`,
    version: v,
  }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function legacyGroupList(registry: Registry): Obj {
  const groups = [...registry.groups()].filter(([g]) => g !== "").sort(([a], [b]) => a.localeCompare(b));
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(([g, defs]) => legacyGroup(g, defs)) };
}

export function legacyGroup1(registry: Registry, group: string): Obj | undefined {
  const defs = registry.groups().get(group);
  if (!defs || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...legacyGroup(group, defs) };
}

export function resourceList(registry: Registry, group: string, version: string): Obj | undefined {
  const defs = (registry.groups().get(group) ?? []).filter((d) => d.version === version);
  if (defs.length === 0) return undefined;
  const resources: Obj[] = [];
  for (const d of defs.sort((a, b) => a.plural.localeCompare(b.plural))) {
    const r: Obj = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs,
    };
    if (d.shortNames.length) r.shortNames = d.shortNames;
    if (d.categories.length) r.categories = d.categories;
    resources.push(r);
    if (d.scale)
      resources.push({
        name: `${d.plural}/scale`,
        singularName: "",
        namespaced: d.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    if (d.status)
      resources.push({
        name: `${d.plural}/status`,
        singularName: "",
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ["get", "patch", "update"],
      });
    if (d.group === "" && d.plural === "pods")
      resources.push(
        { name: "pods/binding", singularName: "", namespaced: true, kind: "Binding", verbs: ["create"] },
        {
          name: "pods/eviction",
          singularName: "",
          namespaced: true,
          group: "policy",
          version: "v1",
          kind: "Eviction",
          verbs: ["create"],
        },
        { name: "bindings", singularName: "binding", namespaced: true, kind: "Binding", verbs: ["create"] },
        ...podProxySubresources.map(([sub, kind, verbs]) => ({
          name: `pods/${sub}`,
          singularName: "",
          namespaced: true,
          kind,
          verbs,
        })),
      );
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

// ---- OpenAPI v3 ---------------------------------------------------------------------------------

const objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

const objectMetaSchema: Obj = {
  description:
    "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  type: "object",
  properties: {
    name: { type: "string", description: "Name must be unique within a namespace." },
    generateName: {
      type: "string",
      description:
        "An optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.",
    },
    namespace: {
      type: "string",
      description: "Namespace defines the space within which each name must be unique.",
    },
    uid: { type: "string", description: "UID is the unique in time and space value for this object." },
    selfLink: { type: "string", description: "Deprecated: selfLink is a legacy read-only field." },
    resourceVersion: {
      type: "string",
      description: "An opaque value that represents the internal version of this object.",
    },
    generation: {
      type: "integer",
      format: "int64",
      description: "A sequence number representing a specific generation of the desired state.",
    },
    creationTimestamp: {
      type: "string",
      format: "date-time",
      description:
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    },
    deletionTimestamp: {
      type: "string",
      format: "date-time",
      description: "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.",
    },
    deletionGracePeriodSeconds: { type: "integer", format: "int64" },
    labels: {
      type: "object",
      additionalProperties: { type: "string", default: "" },
      description: "Map of string keys and values that can be used to organize and categorize objects.",
    },
    annotations: {
      type: "object",
      additionalProperties: { type: "string", default: "" },
      description: "Annotations is an unstructured key value map stored with a resource.",
    },
    ownerReferences: {
      type: "array",
      description: "List of objects depended by this object.",
      items: {
        type: "object",
        required: ["apiVersion", "kind", "name", "uid"],
        properties: {
          apiVersion: { type: "string" },
          kind: { type: "string" },
          name: { type: "string" },
          uid: { type: "string" },
          controller: { type: "boolean" },
          blockOwnerDeletion: { type: "boolean" },
        },
      },
      "x-kubernetes-patch-merge-key": "uid",
      "x-kubernetes-patch-strategy": "merge",
    },
    finalizers: {
      type: "array",
      items: { type: "string", default: "" },
      "x-kubernetes-list-type": "set",
      "x-kubernetes-patch-strategy": "merge",
    },
    managedFields: { type: "array", items: { type: "object" } },
  },
};

const reverseGroup = (group: string): string =>
  group ? group.split(".").reverse().join(".") : "io.k8s.api.core";

export const schemaName = (d: ResourceDef): string => `${reverseGroup(d.group)}.${d.version}.${d.kind}`;

function gvk(d: ResourceDef): Obj {
  return { group: d.group, version: d.version, kind: d.kind };
}

function kindSchema(d: ResourceDef): Obj {
  const base: Obj = d.schema
    ? structuredClone(d.schema)
    : { type: "object", description: `${d.kind} (built-in kind; served schema-less).` };
  const props: Obj = isObj(base.properties) ? (base.properties as Obj) : {};
  props.apiVersion ??= {
    type: "string",
    description: "APIVersion defines the versioned schema of this representation of an object.",
  };
  props.kind ??= {
    type: "string",
    description: "Kind is a string value representing the REST resource this object represents.",
  };
  props.metadata = {
    allOf: [{ $ref: `#/components/schemas/${objectMetaName}` }],
    default: {},
    description: "Standard object's metadata.",
  };
  if (!d.schema) {
    props.spec ??= { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    props.status ??= { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  }
  base.properties = props;
  base.type = "object";
  base["x-kubernetes-group-version-kind"] = [gvk(d)];
  return base;
}

export function openApiDocument(registry: Registry, group: string, version: string): Obj | undefined {
  const defs = (registry.groups().get(group) ?? []).filter((d) => d.version === version);
  if (defs.length === 0) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Obj = {};
  const schemas: Obj = { [objectMetaName]: objectMetaSchema };
  const params = [
    { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
  ];
  for (const d of defs) {
    const item = d.namespaced
      ? `${prefix}/namespaces/{namespace}/${d.plural}/{name}`
      : `${prefix}/${d.plural}/{name}`;
    const ref = { $ref: `#/components/schemas/${schemaName(d)}` };
    const ok = { 200: { description: "OK", content: { "application/json": { schema: ref } } } };
    paths[item] = {
      get: {
        operationId: `read${d.kind}`,
        "x-kubernetes-action": "get",
        "x-kubernetes-group-version-kind": gvk(d),
        responses: ok,
      },
      put: {
        operationId: `replace${d.kind}`,
        "x-kubernetes-action": "put",
        "x-kubernetes-group-version-kind": gvk(d),
        parameters: params,
        responses: ok,
      },
      patch: {
        operationId: `patch${d.kind}`,
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": gvk(d),
        parameters: params,
        responses: ok,
      },
      delete: {
        operationId: `delete${d.kind}`,
        "x-kubernetes-action": "delete",
        "x-kubernetes-group-version-kind": gvk(d),
        responses: { 200: { description: "OK" } },
      },
    };
    const coll = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.plural}` : `${prefix}/${d.plural}`;
    paths[coll] = {
      post: {
        operationId: `create${d.kind}`,
        "x-kubernetes-action": "post",
        "x-kubernetes-group-version-kind": gvk(d),
        parameters: params,
        responses: ok,
      },
    };
    schemas[schemaName(d)] = kindSchema(d);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas },
  };
}

export const contentHash = (doc: unknown): string =>
  createHash("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 32).toUpperCase();

export function openApiIndex(registry: Registry, docHash: (group: string, version: string) => string): Obj {
  const paths: Obj = {};
  for (const [group, defs] of registry.groups()) {
    for (const v of new Set(defs.map((d) => d.version))) {
      const p = group ? `apis/${group}/${v}` : `api/${v}`;
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${docHash(group, v)}` };
    }
  }
  return { paths };
}
