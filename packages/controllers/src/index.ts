// @grove-ts/controllers: Grove's PodCliqueSet, PodCliqueScalingGroup, PodClique and PodGang
// controllers over runtime's Client.

export * from "./clustertopology/index.js";
export { resolveStartsAfter } from "./desired.js";
export { desiredPodGangs, topologyNameOf, topologyTranslator } from "./desired-gangs.js";
export * from "./errors.js";
export {
  type ControllerEvents,
  createControllerEvents,
  EventComponentPodClique,
  EventComponentPodCliqueScalingGroup,
  EventComponentPodCliqueSet,
  ReasonAllScheduledReplicasLost,
  ReasonPodCliqueCreateFailed,
  ReasonPodCliqueCreateOrUpdateFailed,
  ReasonPodCliqueCreateOrUpdateSuccessful,
  ReasonPodCliqueCreateSuccessful,
  ReasonPodCliqueDeleteFailed,
  ReasonPodCliqueDeleteSuccessful,
  ReasonPodCliqueScalingGroupCreateOrUpdateFailed,
  ReasonPodCliqueScalingGroupCreateSuccessful,
  ReasonPodCliqueScalingGroupDeleteFailed,
  ReasonPodCliqueScalingGroupDeleteSuccessful,
  ReasonPodCliqueScalingGroupReplicaDeleteFailed,
  ReasonPodCliqueScalingGroupReplicaDeleteSuccessful,
  ReasonPodCliqueSetReplicaDeleteFailed,
  ReasonPodCliqueSetReplicaDeleteSuccessful,
  ReasonPodCreateFailed,
  ReasonPodCreateSuccessful,
  ReasonPodDeleteFailed,
  ReasonPodDeleteSuccessful,
  ReasonPodGangCreateOrUpdateFailed,
  ReasonPodGangCreateOrUpdateSuccessful,
  ReasonPodGangDeleteFailed,
  ReasonPodGangDeleteSuccessful,
} from "./events.js";
export { createGroveControllers } from "./factory.js";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_INIT_CONTAINER_IMAGE,
  defaultInitContainerImage,
  type GroveControllers,
  type GroveControllersConcurrency,
  type GroveControllersOptions,
  initContainerImageRef,
  OPERATOR_VERSION,
} from "./options.js";
export { compareForDeletion, selectVictims } from "./pclq/deletion-order.js";
export { computePclqStatus } from "./pclq/status.js";
export { computePcsStatus, topologyCondition } from "./pcs/status.js";
export { computePcsgStatus } from "./pcsg/status.js";
export { DEFAULT_STATUS_COALESCE_MS, StatusCoalescer } from "./status-coalesce.js";
