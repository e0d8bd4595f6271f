export * from "./service-account.js";
export * from "./shared.js";
