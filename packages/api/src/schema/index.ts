export * from "./builders.js";
export * from "./clustertopologybinding.js";
export * from "./common.js";
export * from "./kube.js";
export { type JsonSchema, kubeSchema } from "./kube-inline.js";
export * from "./podclique.js";
export * from "./podcliqueset.js";
export * from "./podgang.js";
export * from "./scalinggroup.js";
