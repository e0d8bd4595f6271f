export type * from "./client.js";
export * from "./errors.js";
export * from "./resources.js";
