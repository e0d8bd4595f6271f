// ResourceTypes of the built-in kinds the system uses. The Grove kinds' types live in @grove-ts/api.
import type { ResourceType } from "./client.js";

const core = (kind: string, plural: string, namespaced = true): ResourceType => ({
  apiVersion: "v1",
  kind,
  plural,
  namespaced,
});

export const NamespaceType = core("Namespace", "namespaces", false);
export const NodeType = core("Node", "nodes", false);
export const PodType = core("Pod", "pods");
export const ServiceType = core("Service", "services");
export const ServiceAccountType = core("ServiceAccount", "serviceaccounts");
export const SecretType = core("Secret", "secrets");
export const ConfigMapType = core("ConfigMap", "configmaps");
export const EventType = core("Event", "events");
export const RoleType: ResourceType = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  plural: "roles",
  namespaced: true,
};
export const RoleBindingType: ResourceType = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  namespaced: true,
};
export const HorizontalPodAutoscalerType: ResourceType = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  namespaced: true,
};
export const LeaseType: ResourceType = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};
export const PriorityClassType: ResourceType = {
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  plural: "priorityclasses",
  namespaced: false,
};
/** Dynamic Resource Allocation, resource.k8s.io/v1. */
export const ResourceClaimType: ResourceType = {
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceClaim",
  plural: "resourceclaims",
  namespaced: true,
};
export const ResourceClaimTemplateType: ResourceType = {
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceClaimTemplate",
  plural: "resourceclaimtemplates",
  namespaced: true,
};
export const DeviceClassType: ResourceType = {
  apiVersion: "resource.k8s.io/v1",
  kind: "DeviceClass",
  plural: "deviceclasses",
  namespaced: false,
};
export const ResourceSliceType: ResourceType = {
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceSlice",
  plural: "resourceslices",
  namespaced: false,
};
export const CustomResourceDefinitionType: ResourceType = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
};
