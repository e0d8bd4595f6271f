// @grove-ts/kubectl-grove: the `kubectl grove` plugin's commands as pure functions of a Snapshot
// (what cluster.ts reads), so they are tested and reused without a cluster.
export { connect, PluginError, readSnapshot, type Target } from "./cluster.js";
export { type Alternative, buildExplanation, type Explanation, renderExplanation } from "./explain.js";
export type { Event, Node, Obj, Pod, Snapshot, TopologyLevel } from "./model.js";
export { buildTop, renderTop, type TopReport } from "./top.js";
export { buildTree, renderTree, type TreePcs } from "./tree.js";
export { buildWhy, type Hold, parseDuration, renderWhy, type WhyReport, whyKind } from "./why.js";
