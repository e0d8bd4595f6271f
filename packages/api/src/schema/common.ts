// Schemas shared by several Grove kinds (grove-api.md §2.3-§2.7).
import { Type } from "@sinclair/typebox";
import {
  CLIQUE_STARTUP_TYPES,
  RESOURCE_SHARING_SCOPES,
  TOPOLOGY_DOMAIN_MAX_LENGTH,
  TOPOLOGY_DOMAIN_PATTERN,
} from "../constants.js";
import { type CelRule, DateTime, Int32, Str, StringEnum, StringList } from "./builders.js";
import { MetricSpecListSchema, PodSpecSchema } from "./kube.js";

export const TopologyDomainSchema = (description: string) =>
  Str({ description, minLength: 1, maxLength: TOPOLOGY_DOMAIN_MAX_LENGTH, pattern: TOPOLOGY_DOMAIN_PATTERN });

const packRules: CelRule[] = [
  {
    rule: "has(self.required) || has(self.preferred)",
    message: "pack must specify at least one of required or preferred",
    reason: "FieldValueRequired",
  },
];

export const TopologyPackConstraintSchema = Type.Object(
  {
    required: Type.Optional(
      TopologyDomainSchema("Domain every replica of the resource must be packed into (hard constraint)."),
    ),
    preferred: Type.Optional(
      TopologyDomainSchema("Domain the scheduler packs replicas into on a best-effort basis."),
    ),
  },
  {
    description: "Required and/or preferred packing domain.",
    "x-kubernetes-validations": packRules,
  },
);

const topologyConstraintRules: CelRule[] = [
  {
    rule: "has(self.pack) || has(self.packDomain)",
    message: "topologyConstraint must specify pack or deprecated packDomain",
    reason: "FieldValueRequired",
    fieldPath: ".pack",
  },
  {
    rule: "!(has(self.packDomain) && has(self.pack) && has(self.pack.required))",
    message: "must not set both pack.required and deprecated packDomain",
    fieldPath: ".pack.required",
  },
];

export const TopologyConstraintSchema = Type.Object(
  {
    topologyName: Type.Optional(
      Str({
        description:
          "Name of the ClusterTopologyBinding the domains refer to. Inherited from the parent (PCS, then PCSG) when omitted. Immutable.",
      }),
    ),
    pack: Type.Optional(TopologyPackConstraintSchema),
    packDomain: Type.Optional(
      TopologyDomainSchema(
        "Deprecated: use pack.required. Rejected on new objects; tolerated on existing ones.",
      ),
    ),
  },
  {
    description: "Topology packing constraint for each replica of the resource it is declared on.",
    "x-kubernetes-validations": topologyConstraintRules,
  },
);

export const AutoScalingConfigSchema = Type.Object(
  {
    minReplicas: Type.Optional(
      Int32({
        description: "HPA minReplicas. Defaults to the replicas given at creation; must be >= minAvailable.",
      }),
    ),
    maxReplicas: Int32({ description: "HPA maxReplicas." }),
    metrics: Type.Optional(
      MetricSpecListSchema(
        "HPA metrics (autoscaling/v2 MetricSpec); empty means the HPA default of 80% CPU.",
      ),
    ),
  },
  { description: "Horizontal pod autoscaler settings for the resource." },
);

const resourceSharingBase = {
  name: Str({
    description:
      "Name of the ResourceClaimTemplate: first spec.template.resourceClaimTemplates (when namespace is empty), else an existing resource.k8s.io/v1 ResourceClaimTemplate.",
  }),
  namespace: Type.Optional(
    Str({ description: "Namespace of an external ResourceClaimTemplate; defaults to the PodCliqueSet's." }),
  ),
  scope: StringEnum(RESOURCE_SHARING_SCOPES, {
    description: "AllReplicas: one claim shared by all replicas; PerReplica: one claim per replica.",
  }),
};

export const ResourceSharingSpecSchema = Type.Object(resourceSharingBase, {
  description: "A ResourceClaim shared by the pods of this resource.",
});

export const PCSResourceSharingSpecSchema = Type.Object(
  {
    ...resourceSharingBase,
    filter: Type.Optional(
      Type.Object(
        {
          childCliqueNames: Type.Optional(
            StringList({ description: "Clique template names that get the claim." }),
          ),
          childScalingGroupNames: Type.Optional(
            StringList({ description: "Scaling group names whose pods get the claim." }),
          ),
        },
        { description: "Restricts the claim to some children; absent means all." },
      ),
    ),
  },
  { description: "A ResourceClaim shared at PodCliqueSet level." },
);

export const PCSGResourceSharingSpecSchema = Type.Object(
  {
    ...resourceSharingBase,
    filter: Type.Optional(
      Type.Object(
        {
          childCliqueNames: Type.Optional(
            StringList({ description: "Member clique names that get the claim." }),
          ),
        },
        { description: "Restricts the claim to some member cliques; absent means all." },
      ),
    ),
  },
  { description: "A ResourceClaim shared at PodCliqueScalingGroup level." },
);

export const PodCliqueSpecSchema = Type.Object(
  {
    roleName: Str({
      description: "Role of the clique; unique across the cliques of a PodCliqueSet. Immutable.",
    }),
    podSpec: PodSpecSchema("Spec of the pods of the clique."),
    replicas: Int32({ description: "Number of pods of the clique. Must be greater than 0." }),
    minAvailable: Type.Optional(
      Int32({
        description:
          "Minimum number of pods for gang scheduling and the gang-termination threshold; 1 <= minAvailable <= replicas. Defaults to replicas. Immutable.",
      }),
    ),
    startsAfter: Type.Optional(
      StringList({
        description:
          "Cliques that must be ready before this one starts; only used with CliqueStartupTypeExplicit. On a PodClique object these are PodClique names. Immutable.",
      }),
    ),
    autoScalingConfig: Type.Optional(
      Type.Object(AutoScalingConfigSchema.properties, {
        description: "Creates an HPA for the PodClique; not allowed on cliques of a scaling group.",
      }),
    ),
  },
  { description: "Specification of a PodClique." },
);

export const LastErrorSchema = Type.Object(
  {
    code: Str({ description: "Stable error code." }),
    description: Str({ description: "What went wrong." }),
    observedAt: DateTime({ description: "When the error was observed." }),
  },
  { description: "An error of the last incomplete reconcile." },
);

export const CliqueStartupTypeSchema = StringEnum(CLIQUE_STARTUP_TYPES, {
  description: "Order in which the cliques of a PodGang start.",
  default: "CliqueStartupTypeAnyOrder",
});
