// The built-in kinds as the controllers see them: kubernetes-types' shapes with runtime's metadata.
import type { ObjectMeta } from "@grove-ts/runtime";
import type { PodSpec, PodStatus } from "kubernetes-types/core/v1.js";

export type { Container, EnvVar, PodSpec, PodStatus, Volume } from "kubernetes-types/core/v1.js";

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: PodSpec;
  status?: PodStatus;
}
