// @grove-ts/initc: grove-initc, the init container that holds a pod's main containers until its
// parent PodCliques have their minAvailable pods Ready (Grove's startsAfter ordering).
export {
  DEFAULT_POD_INFO_DIR,
  type InitcOptions,
  type LogLevel,
  parseArgs,
  parsePodClique,
  USAGE,
  UsageError,
} from "./options.js";
export {
  LABEL_POD_GANG,
  type ParentProgress,
  ParentReadiness,
  POD_INFO_NAMESPACE_FILE,
  POD_INFO_PODGANG_FILE,
  type PodInfo,
  PodInfoError,
  parentOf,
  readPodInfo,
  type WaitOptions,
  waitForParents,
} from "./wait.js";
