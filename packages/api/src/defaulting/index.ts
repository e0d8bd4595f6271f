export {
  DefaultCliqueStartupType,
  DefaultNamespace,
  DefaultRestartPolicy,
  DefaultTerminationDelay,
  DefaultTerminationGracePeriodSeconds,
  DefaultUpdateStrategyType,
  defaultClusterTopologyBinding,
  defaultPodClique,
  defaultPodCliqueScalingGroup,
  defaultPodCliqueSet,
  defaultPodGang,
} from "./defaults.js";
