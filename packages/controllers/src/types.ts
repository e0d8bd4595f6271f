// The Grove kinds as stored objects: @grove-ts/api types them for authoring (metadata optional);
// anything read from the API server has metadata, which runtime's KubeObject requires.
import type * as api from "@grove-ts/api";
import type { ObjectMeta } from "@grove-ts/runtime";

type Stored<T> = Omit<T, "metadata"> & { metadata: ObjectMeta & { managedFields?: never[] } };

export type PodCliqueSet = Stored<api.PodCliqueSet>;
export type PodClique = Stored<api.PodClique>;
export type PodCliqueScalingGroup = Stored<api.PodCliqueScalingGroup>;
export type PodGang = Stored<api.PodGang>;
export type ClusterTopologyBinding = Stored<api.ClusterTopologyBinding>;
