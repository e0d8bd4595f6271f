// @grove-ts/api: the Grove API as data and pure functions. No I/O, no client.
// Engineers add their own export lines here; keep one line per module.

export * from "./check-schema.js";
export * from "./computedomain-crd.js";
export * from "./conditions.js";
export * from "./constants.js";
export * from "./crds.js";
export * from "./defaulting/index.js";
export * from "./env.js";
export * from "./field-errors.js";
export * from "./hash.js";
export * from "./json.js";
export * from "./labels.js";
export * from "./names.js";
export * from "./resource-types.js";
export * from "./schema/index.js";
export * from "./types.js";
export * from "./validation/index.js";
