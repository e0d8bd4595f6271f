// @grove-ts/apiserver: a Kubernetes-compatible API server (storage, REST, watch, discovery,
// OpenAPI, garbage collection, admission) and an in-process Client over the same semantics.
export { InProcessClient } from "./client.js";
export { registerGroveAdmission } from "./grove.js";
export { mountedApiHandler } from "./handlers/mounted.js";
export type { PodLogOptions, PodProxy } from "./handlers/pod-proxy.js";
export { createHandler, type HttpOptions, versionInfo } from "./http.js";
export type { MountedApi, MountedResource } from "./mounted.js";
export { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type PatchKind } from "./patch.js";
export {
  builtinDefs,
  defsFromCrd,
  type PrinterColumn,
  type ResourceDef,
  type ScalePaths,
} from "./registry.js";
export {
  type AdmissionRequest,
  ApiServer,
  type ApiServerOptions,
  type DeleteOpts,
  type FieldValidation,
  type HookMatch,
  type ListOpts,
  type MutatingHook,
  type ValidatingHook,
  type ValidationResult,
  type WatchOpts,
  type WatchSink,
  type WriteOpts,
} from "./server.js";
export {
  type CreateOptions,
  createApiServer,
  type InProcessApiServer,
  kubeconfigYaml,
  type RunningApiServer,
  type StartOptions,
  startApiServer,
} from "./start.js";
export type { Cause } from "./status.js";
