// A kind's write rules, as kube-apiserver's RESTCreateStrategy/RESTUpdateStrategy/
// RESTGracefulDeleteStrategy: every ResourceDef carries one (registry.ts), and the write pipeline
// (server.ts) calls it instead of asking which kind it holds. ObjectMeta is checked here, once for
// every kind, with @grove-ts/api's validateObjectMeta and the kind's name rule.
import { FieldPath, type NameValidator, nameIsDNSSubdomain, validateObjectMeta } from "@grove-ts/api";
import type { ResourceDef } from "../registry.js";
import type { Cause } from "../status.js";
import type { Obj } from "../util.js";

export interface Strategy {
  /** PrepareForCreate: clears or sets what a client may not choose on create (status). */
  prepareForCreate(def: ResourceDef, obj: Obj): void;
  /** PrepareForUpdate: keeps what a client may not change on an update of the main resource. */
  prepareForUpdate(def: ResourceDef, next: Obj, old: Obj): void;
  /** Validate: the kind's rules on the object to store, on create and update, after mutating admission. */
  validate(def: ResourceDef, obj: Obj): Cause[];
  /** ValidateUpdate: the rules on the change itself (immutable fields). */
  validateUpdate(def: ResourceDef, next: Obj, old: Obj): Cause[];
  /** Canonicalize: fields computed on every write once it is valid (a CRD's status). */
  canonicalize(def: ResourceDef, obj: Obj, old: Obj | undefined): void;
  /** CheckGracefulDelete: seconds a delete waits (0: remove at once, or when finalizers allow). */
  gracePeriod(obj: Obj, requested: number | undefined): number;
  /**
   * A kind whose delete starts a lifecycle instead of a removal (Namespaces): the object marked for
   * it, or undefined when it is under way already.
   */
  terminate?(old: Obj): Obj | undefined;
  /** A kind some of whose objects may never be deleted (the system PriorityClasses): throws for those. */
  checkDelete?(old: Obj): void;
  /** ValidateNameFunc: the kind's name rule. */
  readonly nameFn: NameValidator;
  /** The core group's finalizer-name rule applies (most built-in kinds; not custom resources). */
  readonly kubeFinalizers: boolean;
}

/**
 * The strategy of a kind with no rules of its own: a status subresource's status is not the
 * client's to set on create; nothing else is special.
 */
export const genericStrategy: Strategy = {
  prepareForCreate(def, obj) {
    if (def.status) delete obj.status;
  },
  prepareForUpdate() {},
  validate: () => [],
  validateUpdate: () => [],
  canonicalize() {},
  gracePeriod: () => 0,
  nameFn: nameIsDNSSubdomain,
  kubeFinalizers: true,
};

/** The generic strategy with some of its parts replaced. */
export const strategy = (parts: Partial<Strategy>): Strategy => ({ ...genericStrategy, ...parts });

/** Events and Leases: their validation has no core finalizer-name rule (checked against kube-apiserver). */
export const plainFinalizersStrategy = strategy({ kubeFinalizers: false });

/** ObjectMeta by apimachinery's rules with the kind's name rule, then the kind's own rules. */
export function validateObject(def: ResourceDef, obj: Obj): Cause[] {
  const s = def.strategy;
  return [
    ...validateObjectMeta(obj.metadata, FieldPath.root("metadata"), {
      requiresNamespace: def.namespaced,
      nameFn: s.nameFn,
      kubeFinalizers: s.kubeFinalizers,
    }),
    ...s.validate(def, obj),
  ];
}
