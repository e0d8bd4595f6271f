// grove-operator: Grove's controllers and the gang scheduler against a cluster named by a kubeconfig.
export { type OperatorOptions, type RunningOperator, startOperator } from "./operator.js";
