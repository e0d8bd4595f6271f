// Structural-schema handling of custom resources, in kube-apiserver's order: prune unknown fields
// (or refuse them under fieldValidation=Strict, warn under Warn), apply `default`s, then validate
// with ajv. CEL rules (x-kubernetes-validations) are not evaluated here; Grove's own validation
// functions cover them through admission.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Cause } from "./status.js";
import { clone, isObj, type Obj } from "./util.js";

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
    const sub = props[key];
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
      if (!(key in props)) applyDefaults(value[key], schema.additionalProperties as Schema);
  }
}

/** ajv-ready copy: int-or-string as anyOf, `nullable` only beside a type, metadata left to us. */
function normalize(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalize);
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "x-kubernetes-validations" || k === "description" || k === "example") continue;
    if (k === "properties" && isObj(v)) {
      const props: Obj = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = normalize(pv);
      out[k] = props;
      continue;
    }
    out[k] = normalize(v);
  }
  if (out["x-kubernetes-int-or-string"] === true && out.anyOf === undefined && out.type === undefined)
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  if (out.nullable === true && out.type === undefined) delete out.nullable;
  return out;
}

export class SchemaValidator {
  private readonly validateFn: ValidateFunction | undefined;
  readonly compileError: string | undefined;

  constructor(readonly schema: Schema) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
    const copy = normalize(schema) as Obj;
    // metadata is validated by the server itself (ObjectMeta), never by the CRD schema.
    if (isObj(copy.properties)) (copy.properties as Obj).metadata = { type: "object" };
    let fn: ValidateFunction | undefined;
    let error: string | undefined;
    try {
      fn = ajv.compile(copy);
    } catch (err) {
      error = (err as Error).message;
    }
    this.validateFn = fn;
    this.compileError = error;
  }

  validate(obj: unknown): Cause[] {
    const fn = this.validateFn;
    if (!fn || fn(obj)) return [];
    const causes: Cause[] = [];
    const seen = new Set<string>();
    for (const e of fn.errors ?? []) {
      if (e.schemaPath.includes("/anyOf/")) continue;
      const c = toCause(e, obj);
      const key = `${c.field}|${c.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        causes.push(c);
      }
    }
    return causes;
  }
}

function pointerToField(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

function valueAt(obj: unknown, pointer: string): unknown {
  let cur = obj;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function toCause(e: ErrorObject, obj: unknown): Cause {
  const field = pointerToField(e.instancePath);
  const value = valueAt(obj, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { field: f, type: "FieldValueRequired", message: "" };
    }
    case "type":
      return {
        field,
        type: "FieldValueTypeInvalid",
        value,
        message: `${field} in body must be of type ${String(p.type)}: ${JSON.stringify(jsonType(value))}`,
      };
    case "enum":
      return {
        field,
        type: "FieldValueNotSupported",
        value,
        message: `supported values: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "anyOf":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body must be of type integer or string`,
      };
    case "minimum":
    case "exclusiveMinimum":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body should be greater than or equal to ${String(p.limit)}`,
      };
    case "maximum":
    case "exclusiveMaximum":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body should be less than or equal to ${String(p.limit)}`,
      };
    case "maxLength":
      return {
        field,
        type: "FieldValueTooLong",
        value,
        message: `may not be more than ${String(p.limit)} bytes`,
      };
    case "maxItems":
      return {
        field,
        type: "FieldValueTooMany",
        value,
        message: `must have at most ${String(p.limit)} items`,
      };
    case "minItems":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body should have at least ${String(p.limit)} items`,
      };
    case "minLength":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body should be at least ${String(p.limit)} chars long`,
      };
    case "pattern":
      return {
        field,
        type: "FieldValueInvalid",
        value,
        message: `${field} in body should match '${String(p.pattern)}'`,
      };
    default:
      return { field, type: "FieldValueInvalid", value, message: e.message ?? e.keyword };
  }
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}
