// Small TypeBox builders for the Kubernetes structural-schema dialect. TypeBox's own Union/Record
// emit `anyOf`/`const`/`patternProperties`, which apiextensions.k8s.io/v1 does not accept, so enums and
// string maps are declared as raw schemas with an explicit static type.
import { type TSchema, type TUnsafe, Type } from "@sinclair/typebox";

interface Docs {
  description?: string;
  default?: unknown;
}

export const Int32 = (o: Docs & { minimum?: number } = {}) => Type.Integer({ format: "int32", ...o });
export const Int64 = (o: Docs & { minimum?: number } = {}) => Type.Integer({ format: "int64", ...o });
export const Str = (o: Docs & { minLength?: number; maxLength?: number; pattern?: string } = {}) =>
  Type.String(o);
export const Bool = (o: Docs = {}) => Type.Boolean(o);
/** metav1.Time on the wire: RFC 3339 string. */
export const DateTime = (o: Docs = {}) => Type.String({ format: "date-time", ...o });

export function StringEnum<const T extends readonly string[]>(values: T, o: Docs = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...o });
}

/** map[string]string (labels, annotations). */
export const StringMap = (o: Docs = {}) =>
  Type.Unsafe<Record<string, string>>({ type: "object", additionalProperties: { type: "string" }, ...o });

export const StringList = (o: Docs = {}) => Type.Array(Type.String(), o);

/** A list whose items are identified by `keys` (x-kubernetes-list-type: map). */
export function ListMap<T extends TSchema>(item: T, keys: string[], o: Docs = {}) {
  return Type.Array(item, { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": keys, ...o });
}

/** A CEL rule carried in the CRD (x-kubernetes-validations). */
export interface CelRule {
  rule: string;
  message: string;
  reason?: "FieldValueRequired" | "FieldValueForbidden" | "FieldValueInvalid" | "FieldValueDuplicate";
  fieldPath?: string;
  optionalOldSelf?: boolean;
}
