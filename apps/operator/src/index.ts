// grove-operator: Grove's controllers and the gang scheduler against a cluster named by a kubeconfig.

export {
  type ConfigLogLevel,
  type FieldProblem,
  OPERATOR_CONFIG_API_VERSION,
  OPERATOR_CONFIG_KIND,
  OperatorConfigError,
  type OperatorFileConfig,
  parseOperatorConfig,
  validateOperatorConfig,
} from "./config.js";
export {
  type Check,
  CheckSet,
  type HttpEndpoint,
  startMetricsServer,
  startProbeServer,
} from "./http-servers.js";
export { DEFAULT_LEADER_ELECTION_ID, type OperatorLeaderElection } from "./leader.js";
export { createOperatorMetrics, type OperatorMetrics, type OperatorMetricsOptions } from "./metrics.js";
export {
  MNNVLPreflightError,
  mnnvlPreflight,
  type OperatorOptions,
  type RunningOperator,
  startOperator,
} from "./operator.js";
export {
  type Exposition,
  PromParseError,
  parsePrometheusText,
  type Sample,
  sampleSum,
  sampleValue,
} from "./prom-text.js";
export * from "./webhooks/index.js";
