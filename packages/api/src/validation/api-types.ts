// The contract's API types (types-contract.md) as validation and defaulting see them.
export type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "../types.js";
