// Interns names, labels and resources to dense indices and lays a problem out as the flat arrays
// of layout.ts. Only numbers cross into the engines. The parts: encode-common.ts (dictionary,
// arenas, scratch), encode-order.ts (the nodes' domain-path order), encode-cluster.ts (the cluster
// arena), encode-call.ts (one call's arena).
export { CallEncoding, type TreeInfo } from "./encode-call.js";
export { ClusterEncoding } from "./encode-cluster.js";
export { type Allocator, Dict, type Region } from "./encode-common.js";
export { FLAG_CORDONED, FLAG_REMOVED } from "./layout.js";
