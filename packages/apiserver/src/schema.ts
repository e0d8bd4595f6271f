// Structural-schema handling of custom resources, in kube-apiserver's order: prune unknown fields
// (or refuse them under fieldValidation=Strict, warn under Warn), apply `default`s, then validate
// against the schema. CEL rules (x-kubernetes-validations) are not evaluated here; Grove's own validation
// functions cover them through admission.
import type { Cause } from "./status.js";
import { clone, deepEqual, isObj, type Obj, own } from "./util.js";

export type Schema = Obj;

const rootKeys = new Set(["apiVersion", "kind", "metadata"]);

const propsOf = (s: Schema): Record<string, Schema> =>
  isObj(s.properties) ? (s.properties as Record<string, Schema>) : {};

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Removes fields the schema does not declare; returns their paths (`spec.foo`). */
export function prune(value: unknown, schema: Schema | undefined, path = "", root = true): string[] {
  const unknown: string[] = [];
  walkPrune(value, schema, path, root, unknown);
  return unknown;
}

function walkPrune(
  value: unknown,
  schema: Schema | undefined,
  path: string,
  root: boolean,
  unknown: string[],
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = isObj(schema.items) ? (schema.items as Schema) : undefined;
    for (const [i, v] of value.entries()) walkPrune(v, items, `${path}[${i}]`, false, unknown);
    return;
  }
  if (!isObj(value) || schema["x-kubernetes-int-or-string"]) return;
  const props = propsOf(schema);
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = root || schema["x-kubernetes-embedded-resource"] === true;
  for (const key of Object.keys(value)) {
    if (embedded && rootKeys.has(key)) continue;
    // Own properties only: props.__proto__ is Object.prototype, which kept a `__proto__` field.
    const sub = own(props, key) as Schema | undefined;
    if (sub) walkPrune(value[key], sub, join(path, key), false, unknown);
    else if (isObj(additional)) walkPrune(value[key], additional as Schema, join(path, key), false, unknown);
    else if (additional === true || preserve) continue;
    else {
      delete value[key];
      unknown.push(join(path, key));
    }
  }
}

/** Applies `default`s in place; a null in a non-nullable field is dropped first, as Kubernetes does. */
export function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = isObj(schema.items) ? (schema.items as Schema) : undefined;
    for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isObj(value)) return;
  const props = propsOf(schema);
  for (const [key, sub] of Object.entries(props)) {
    if (value[key] === null && sub.nullable !== true) delete value[key];
    if (value[key] === undefined && sub.default !== undefined) value[key] = clone(sub.default);
    if (value[key] !== undefined) applyDefaults(value[key], sub);
  }
  if (isObj(schema.additionalProperties)) {
    for (const key of Object.keys(value))
      if (!Object.hasOwn(props, key)) applyDefaults(value[key], schema.additionalProperties as Schema);
  }
}

const regexCache = new Map<string, RegExp | null>();

function regex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const typeOk = (type: string, v: unknown): boolean => {
  switch (type) {
    case "object":
      return isObj(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
};

const field = (path: string): string => path;

/**
 * Validates a value against a structural schema (types, enum, bounds, patterns, required, list
 * types, allOf/anyOf/oneOf/not). Hand-written rather than ajv: compiling Grove's PodCliqueSet
 * schema with ajv took 2.6 s, on every CRD write; this walk needs no compile step.
 */
export function validateSchema(
  value: unknown,
  schema: Schema,
  path: string,
  out: Cause[],
  root = false,
): void {
  if (value === null || value === undefined) {
    if (value === null && schema.nullable !== true && schema.type !== undefined)
      out.push({
        field: field(path),
        type: "FieldValueTypeInvalid",
        value,
        message: `${path} in body must be of type ${String(schema.type)}: "null"`,
      });
    return;
  }
  if (schema["x-kubernetes-int-or-string"] === true) {
    if (!(typeof value === "string" || (typeof value === "number" && Number.isInteger(value))))
      out.push({
        field: path,
        type: "FieldValueTypeInvalid",
        value,
        message: `${path} in body must be of type integer,string: ${JSON.stringify(jsonType(value))}`,
      });
  } else if (typeof schema.type === "string" && !typeOk(schema.type, value)) {
    out.push({
      field: path,
      type: "FieldValueTypeInvalid",
      value,
      message: `${path} in body must be of type ${schema.type}: ${JSON.stringify(jsonType(value))}`,
    });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value)))
    out.push({
      field: path,
      type: "FieldValueNotSupported",
      value,
      message: `supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`,
    });
  if (typeof value === "string") {
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength)
      out.push({
        field: path,
        type: "FieldValueTooLong",
        value,
        message: `may not be more than ${schema.maxLength} bytes`,
      });
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength)
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value,
        message: `${path} in body should be at least ${schema.minLength} chars long`,
      });
    if (typeof schema.pattern === "string") {
      const re = regex(schema.pattern);
      if (re && !re.test(value))
        out.push({
          field: path,
          type: "FieldValueInvalid",
          value,
          message: `${path} in body should match '${schema.pattern}'`,
        });
    }
  }
  if (typeof value === "number") {
    const min = schema.minimum;
    const max = schema.maximum;
    if (typeof min === "number" && (schema.exclusiveMinimum === true ? value <= min : value < min))
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value,
        message: `${path} in body should be greater than ${schema.exclusiveMinimum === true ? "" : "or equal to "}${min}`,
      });
    if (typeof max === "number" && (schema.exclusiveMaximum === true ? value >= max : value > max))
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value,
        message: `${path} in body should be less than ${schema.exclusiveMaximum === true ? "" : "or equal to "}${max}`,
      });
    if (typeof schema.multipleOf === "number" && schema.multipleOf > 0 && value % schema.multipleOf !== 0)
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value,
        message: `${path} in body should be a multiple of ${schema.multipleOf}`,
      });
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      out.push({
        field: path,
        type: "FieldValueTooMany",
        value: value.length,
        message: `must have at most ${schema.maxItems} items`,
      });
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value: value.length,
        message: `${path} in body should have at least ${schema.minItems} items`,
      });
    const listType = schema["x-kubernetes-list-type"];
    if (schema.uniqueItems === true || listType === "set") {
      value.forEach((v, i) => {
        if (value.findIndex((w) => deepEqual(v, w)) < i)
          out.push({ field: `${path}[${i}]`, type: "FieldValueDuplicate", value: v, message: "" });
      });
    }
    const keys = schema["x-kubernetes-list-map-keys"];
    if (listType === "map" && Array.isArray(keys)) {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        if (!isObj(v)) return;
        const k = JSON.stringify(keys.map((key) => v[String(key)] ?? null));
        if (seen.has(k))
          out.push({
            field: `${path}[${i}]`,
            type: "FieldValueDuplicate",
            value: Object.fromEntries(keys.map((key) => [String(key), v[String(key)]])),
            message: "",
          });
        seen.add(k);
      });
    }
    if (isObj(schema.items)) {
      const items = schema.items as Schema;
      for (const [i, v] of value.entries()) validateSchema(v, items, `${path}[${i}]`, out);
    }
  }
  if (isObj(value)) {
    if (Array.isArray(schema.required))
      for (const r of schema.required)
        if (value[String(r)] === undefined)
          out.push({ field: join(path, String(r)), type: "FieldValueRequired", message: "" });
    if (typeof schema.maxProperties === "number" && Object.keys(value).length > schema.maxProperties)
      out.push({
        field: path,
        type: "FieldValueTooMany",
        value: Object.keys(value).length,
        message: `must have at most ${schema.maxProperties} items`,
      });
    if (typeof schema.minProperties === "number" && Object.keys(value).length < schema.minProperties)
      out.push({
        field: path,
        type: "FieldValueInvalid",
        value: Object.keys(value).length,
        message: `${path} in body should have at least ${schema.minProperties} properties`,
      });
    const props = propsOf(schema);
    for (const [k, v] of Object.entries(value)) {
      if (root && rootKeys.has(k) && k === "metadata") continue;
      const sub =
        (own(props, k) as Schema | undefined) ??
        (isObj(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined);
      if (sub) validateSchema(v, sub, join(path, k), out);
    }
  }
  if (Array.isArray(schema.allOf))
    for (const s of schema.allOf) if (isObj(s)) validateSchema(value, s, path, out);
  const passes = (s: unknown): boolean => {
    if (!isObj(s)) return true;
    const errs: Cause[] = [];
    validateSchema(value, s, path, errs);
    return errs.length === 0;
  };
  if (Array.isArray(schema.anyOf) && !schema["x-kubernetes-int-or-string"] && !schema.anyOf.some(passes))
    out.push({
      field: path,
      type: "FieldValueInvalid",
      value,
      message: `${path} in body must match at least one schema in anyOf`,
    });
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter(passes).length !== 1)
    out.push({
      field: path,
      type: "FieldValueInvalid",
      value,
      message: `${path} in body must match exactly one schema in oneOf`,
    });
  if (isObj(schema.not) && passes(schema.not))
    out.push({
      field: path,
      type: "FieldValueInvalid",
      value,
      message: `${path} in body must not match the schema in not`,
    });
}

export class SchemaValidator {
  constructor(readonly schema: Schema) {}

  validate(obj: unknown): Cause[] {
    const out: Cause[] = [];
    validateSchema(obj, this.schema, "", out, true);
    return out;
  }
}
