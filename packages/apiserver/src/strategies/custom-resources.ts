// Custom resources (apiextensions-apiserver's customresource strategy): the status subresource's
// status is not the client's to set on create, and the object must match its version's structural
// schema (pruning and defaulting happen in admission.ts, before this check). Grove's kinds are
// custom resources; their own rules are admission hooks (grove.ts).
import { strategy } from "./strategy.js";

export const customResourceStrategy = strategy({
  validate: (def, obj) => def.validator?.validate(obj) ?? [],
  kubeFinalizers: false,
});
