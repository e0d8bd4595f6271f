// Nodes (pkg/registry/core/node): a kubelet registers its Node with its status (capacity,
// conditions), so create keeps the status a client sends.
import { strategy } from "./strategy.js";

export const nodeStrategy = strategy({ prepareForCreate() {} });
