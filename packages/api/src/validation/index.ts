export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isLabelKey,
  isQualifiedName,
  isValidLabelValue,
  type NameValidator,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  type ObjectMetaOptions,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
} from "./apimachinery.js";
export { validateClusterTopologyBinding } from "./clustertopologybinding.js";
export { parseGoDuration } from "./duration.js";
export { stronglyConnectedCycles } from "./graph.js";
export {
  DefaultEnabledSchedulers,
  DefaultSchedulerName,
  GroveSchedulerName,
  KaiSchedulerName,
  LpxSchedulerName,
  TopologyAwareSchedulers,
  type ValidationOptions,
  VolcanoSchedulerName,
} from "./options.js";
export { podCliqueSetWarnings, validatePodCliqueSet } from "./podcliqueset.js";
