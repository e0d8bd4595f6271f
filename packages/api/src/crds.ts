// The five Grove CustomResourceDefinitions and KAI's Queue, generated from the TypeBox schemas (grove-api.md §1.2, §1.3).
// packages/api/crds/*.yaml is written from `groveCrds()` by scripts/gen-crds.ts; a test keeps it current.
import type { TSchema } from "@sinclair/typebox";
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  JSONSchemaProps,
} from "kubernetes-types/apiextensions/v1.js";
import { stringify } from "yaml";
import {
  GROVE_GROUP,
  GROVE_VERSION,
  type GroveKind,
  KIND_CLUSTER_TOPOLOGY_BINDING,
  KIND_POD_CLIQUE,
  KIND_POD_CLIQUE_SCALING_GROUP,
  KIND_POD_CLIQUE_SET,
  KIND_POD_GANG,
  SCHEDULER_GROUP,
} from "./constants.js";
import { ClusterTopologyBindingSchema } from "./schema/clustertopologybinding.js";
import { KUBE_REF } from "./schema/kube-inline.js";
import { PodCliqueSchema } from "./schema/podclique.js";
import { PodCliqueSetSchema } from "./schema/podcliqueset.js";
import { PodGangSchema } from "./schema/podgang.js";
import { QueueSchema } from "./schema/queue.js";
import { PodCliqueScalingGroupSchema } from "./schema/scalinggroup.js";

export type { CustomResourceDefinition };

/** Static facts about one Grove kind: its REST names, scope, columns and subresources. */
export interface GroveKindInfo {
  group: string;
  version: string;
  kind: GroveKind;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** Beyond upstream (which declares none): `grove` for all, `all` for the workload kinds. */
  categories: string[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  printerColumns: CustomResourceColumnDefinition[];
  schema: TSchema;
}

const int = (name: string, jsonPath: string, priority?: number): CustomResourceColumnDefinition => ({
  name,
  type: "integer",
  jsonPath,
  ...(priority ? { priority } : {}),
});
const age: CustomResourceColumnDefinition = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
};
const minBreached: CustomResourceColumnDefinition = {
  name: "MinBreached",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="MinAvailableBreached")].status',
  priority: 1,
};

export const GROVE_KINDS: readonly GroveKindInfo[] = [
  {
    group: GROVE_GROUP,
    version: GROVE_VERSION,
    kind: KIND_POD_CLIQUE_SET,
    plural: "podcliquesets",
    singular: "podcliqueset",
    shortNames: ["pcs"],
    namespaced: true,
    categories: ["all", "grove"],
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.hpaPodSelector",
    },
    printerColumns: [
      int("Replicas", ".spec.replicas"),
      int("Available", ".status.availableReplicas"),
      int("Updated", ".status.updatedReplicas"),
      int("PCLQs-Updated", ".status.updateProgress.updatedPodCliquesCount"),
      int("PCLQs-Total", ".status.updateProgress.totalPodCliquesCount"),
      int("PCSGs-Updated", ".status.updateProgress.updatedPodCliqueScalingGroupsCount"),
      int("PCSGs-Total", ".status.updateProgress.totalPodCliqueScalingGroupsCount"),
      age,
    ],
    schema: PodCliqueSetSchema,
  },
  {
    group: GROVE_GROUP,
    version: GROVE_VERSION,
    kind: KIND_POD_CLIQUE,
    plural: "podcliques",
    singular: "podclique",
    shortNames: ["pclq"],
    namespaced: true,
    categories: ["all", "grove"],
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.hpaPodSelector",
    },
    printerColumns: [
      int("MinAvail", ".spec.minAvailable"),
      int("Replicas", ".spec.replicas"),
      int("Ready", ".status.readyReplicas"),
      int("Scheduled", ".status.scheduledReplicas"),
      int("Updated", ".status.updatedReplicas"),
      int("Gated", ".status.scheduleGatedReplicas", 1),
      minBreached,
      age,
    ],
    schema: PodCliqueSchema,
  },
  {
    group: GROVE_GROUP,
    version: GROVE_VERSION,
    kind: KIND_POD_CLIQUE_SCALING_GROUP,
    plural: "podcliquescalinggroups",
    singular: "podcliquescalinggroup",
    shortNames: ["pcsg"],
    namespaced: true,
    categories: ["all", "grove"],
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    },
    printerColumns: [
      int("MinAvail", ".spec.minAvailable"),
      int("Replicas", ".spec.replicas"),
      int("Available", ".status.availableReplicas"),
      int("Scheduled", ".status.scheduledReplicas"),
      int("Updated", ".status.updatedReplicas"),
      int("PCLQs-Updated", ".status.updateProgress.updatedPodCliquesCount"),
      int("PCLQs-Total", ".status.updateProgress.totalPodCliquesCount"),
      minBreached,
      age,
    ],
    schema: PodCliqueScalingGroupSchema,
  },
  {
    group: GROVE_GROUP,
    version: GROVE_VERSION,
    kind: KIND_CLUSTER_TOPOLOGY_BINDING,
    plural: "clustertopologybindings",
    singular: "clustertopologybinding",
    shortNames: ["ct"],
    namespaced: false,
    categories: ["grove"],
    printerColumns: [{ name: "Domains", type: "string", jsonPath: ".spec.levels[*].domain" }, age],
    schema: ClusterTopologyBindingSchema,
  },
  {
    group: SCHEDULER_GROUP,
    version: GROVE_VERSION,
    kind: KIND_POD_GANG,
    plural: "podgangs",
    singular: "podgang",
    shortNames: ["pg"],
    namespaced: true,
    categories: ["all", "grove"],
    printerColumns: [{ name: "Phase", type: "string", jsonPath: ".status.phase" }, age],
    schema: PodGangSchema,
  },
];

/** Keywords apiextensions.k8s.io/v1 JSONSchemaProps accepts that our schemas use. */
const CRD_KEYWORDS = new Set([
  "description",
  "type",
  "format",
  "default",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "properties",
  "required",
  "items",
  "additionalProperties",
  "anyOf",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);

/** A TypeBox schema as a plain openAPIV3Schema: TypeBox's symbols and non-CRD keywords dropped. */
export function toOpenAPIV3Schema(schema: unknown, options: { kubeRefBase?: string } = {}): JSONSchemaProps {
  const node = schema as Record<string, unknown>;
  // For validators only: refer to a shared definition instead of the inlined Kubernetes type.
  if (options.kubeRefBase !== undefined && typeof node[KUBE_REF] === "string")
    return { $ref: `${options.kubeRefBase}${node[KUBE_REF]}` } as JSONSchemaProps;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node)) {
    if (!CRD_KEYWORDS.has(key)) continue;
    const v = node[key];
    if (key === "properties") {
      const props: Record<string, unknown> = {};
      for (const p of Object.keys(v as object).sort())
        props[p] = toOpenAPIV3Schema((v as Record<string, unknown>)[p], options);
      out[key] = props;
    } else if ((key === "items" || key === "additionalProperties") && typeof v === "object" && v !== null) {
      out[key] = toOpenAPIV3Schema(v, options);
    } else if (key === "anyOf") {
      out[key] = (v as unknown[]).map((x) => toOpenAPIV3Schema(x, options));
    } else if (key === "required") {
      out[key] = [...(v as string[])].sort();
    } else {
      out[key] = structuredClone(v);
    }
  }
  return out as JSONSchemaProps;
}

/** What a CRD is built from: a Grove kind's facts, or another kind's (KAI's Queue). */
export type KindInfo = Omit<GroveKindInfo, "kind"> & { kind: string };

/**
 * KAI-Scheduler's Queue (scheduling.run.ai/v2, cluster-scoped, status subresource), our own CRD of
 * it (../shared/spec/placement-peers.md "KAI's Queue API"); quota above limit is refused by a CEL
 * rule (our API server applies the same rule in admission).
 */
export const KAI_QUEUE_KIND: KindInfo = {
  group: "scheduling.run.ai",
  version: "v2",
  kind: "Queue",
  plural: "queues",
  singular: "queue",
  shortNames: [],
  namespaced: false,
  categories: [],
  printerColumns: [
    int("Priority", ".spec.priority"),
    { name: "Parent", type: "string", jsonPath: ".spec.parentQueue" },
    { name: "Children", type: "string", jsonPath: ".status.childQueues" },
    { name: "DisplayName", type: "string", jsonPath: ".spec.displayName" },
  ],
  schema: QueueSchema,
};

export function crdFor(info: KindInfo): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${info.plural}.${info.group}` },
    spec: {
      group: info.group,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: [...info.shortNames],
        categories: [...info.categories],
      },
      scope: info.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: info.version,
          served: true,
          storage: true,
          additionalPrinterColumns: info.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: toOpenAPIV3Schema(info.schema) },
          subresources: { status: {}, ...(info.scale ? { scale: { ...info.scale } } : {}) },
        },
      ],
    },
  };
}

/** The five CRDs in a stable order: PodCliqueSet, PodClique, PodCliqueScalingGroup, ClusterTopologyBinding, PodGang. */
export function groveCrds(): CustomResourceDefinition[] {
  return GROVE_KINDS.map(crdFor);
}

/** KAI's Queue CRD. */
export function kaiQueueCrd(): CustomResourceDefinition {
  return crdFor(KAI_QUEUE_KIND);
}

/** Every CRD grove-ts installs: Grove's five, then KAI's Queue. */
export function allCrds(): CustomResourceDefinition[] {
  return [...groveCrds(), kaiQueueCrd()];
}

/** File name of a CRD as upstream names it, e.g. `grove.io_podcliquesets.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** The committed YAML form of a CRD: keys sorted, no line folding, a header naming the generator. */
export function renderCrdYaml(crd: CustomResourceDefinition): string {
  const header =
    "# Generated by `npm run gen:crds -w @grove-ts/api` from packages/api/src/schema. Do not edit.\n";
  return header + stringify(crd, { sortMapEntries: true, lineWidth: 0 });
}
