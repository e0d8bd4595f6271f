// The ClusterTopologyBinding controller (grove-behaviour.md §7, adapted): see controller.ts.
export {
  type ClusterTopologyController,
  type ClusterTopologyControllerOptions,
  createClusterTopologyController,
  driftCondition,
  groveSchedulerStatus,
  KaiTopologyType,
  kaiStatus,
  MessageGroveInSync,
} from "./controller.js";
