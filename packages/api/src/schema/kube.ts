// Kubernetes types embedded in Grove objects. Their structural schemas come from
// k8s-definitions.generated.ts (written by scripts/gen-k8s-definitions.ts from @kubernetes/client-node's
// models); their TypeScript types come from kubernetes-types.
import { Type } from "@sinclair/typebox";
import type { MetricSpec } from "kubernetes-types/autoscaling/v2.js";
import type { PodSpec } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import { DateTime, Int64, Str, StringEnum } from "./builders.js";
import { KUBE_REF, kubeSchema } from "./kube-inline.js";

export type { MetricSpec, ObjectMeta, PodSpec };

/**
 * resource.k8s.io/v1 ResourceClaimTemplateSpec. kubernetes-types 1.30 predates resource.k8s.io/v1, so
 * the device request shapes are typed loosely; the schema (and so the API server) checks them fully.
 */
export interface ResourceClaimTemplateSpecV1 {
  metadata?: ObjectMeta;
  spec: {
    devices?: {
      requests?: Array<{ name: string; [field: string]: unknown }>;
      constraints?: Array<Record<string, unknown>>;
      config?: Array<Record<string, unknown>>;
    };
  };
}

/** Root `metadata`: the API server validates ObjectMeta itself, the CRD only says "object". */
export const ObjectMetaSchema = Type.Unsafe<ObjectMeta>({ type: "object" });

export const PodSpecSchema = (description: string) =>
  Type.Unsafe<PodSpec>({ ...kubeSchema("V1PodSpec"), description, [KUBE_REF]: "V1PodSpec" });

export const MetricSpecListSchema = (description: string) =>
  Type.Unsafe<MetricSpec[]>({
    type: "array",
    description,
    items: { ...kubeSchema("V2MetricSpec"), [KUBE_REF]: "V2MetricSpec" },
    "x-kubernetes-list-type": "atomic",
  });

export const ResourceClaimTemplateSpecSchema = (description: string) =>
  Type.Unsafe<ResourceClaimTemplateSpecV1>({
    ...kubeSchema("V1ResourceClaimTemplateSpec"),
    description,
    [KUBE_REF]: "V1ResourceClaimTemplateSpec",
  });

/** metav1.Condition with the validation markers of apimachinery. */
export const ConditionSchema = Type.Object(
  {
    type: Str({
      description: "Type of the condition in CamelCase or in foo.example.com/CamelCase.",
      maxLength: 316,
      pattern:
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    }),
    status: StringEnum(["True", "False", "Unknown"] as const, { description: "True, False or Unknown." }),
    observedGeneration: Type.Optional(
      Int64({ minimum: 0, description: "metadata.generation the condition was computed from." }),
    ),
    lastTransitionTime: DateTime({ description: "When the status last changed." }),
    reason: Str({
      description: "Programmatic CamelCase identifier of the cause of the last transition.",
      minLength: 1,
      maxLength: 1024,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    }),
    message: Str({
      description: "Human readable details about the transition; may be empty.",
      maxLength: 32768,
    }),
  },
  { description: "One aspect of the current state of the object (metav1.Condition)." },
);

/** apiVersion, kind and metadata of a top-level object. */
export const typeMeta = () => ({
  apiVersion: Type.Optional(
    Str({ description: "Versioned schema of this representation of the object, as group/version." }),
  ),
  kind: Type.Optional(Str({ description: "REST resource kind of this object, in CamelCase." })),
  metadata: Type.Optional(ObjectMetaSchema),
});
