// The v2 document in protobuf, as gnostic's openapi_v2.Document (github.com/google/gnostic,
// openapiv2/OpenAPIv2.proto): what kubectl asks /openapi/v2 for (client-go's OpenAPISchema takes
// nothing else). Only the messages the document of openapi-v2.ts uses are written, field numbers
// from that file; proto3 rules: a scalar at its zero value is left out, a set message (even empty)
// and a set oneof member are written. Vendor extensions, enums, defaults and examples are `Any`
// messages carrying their value as YAML text (JSON is YAML), as gnostic fills them.
import { isObj, type Obj } from "./util.js";

/**
 * A protobuf message being written: its bytes so far, and nested messages kept as they are (only
 * their size is needed here), so the document is copied once, into one buffer, by encode().
 */
class Msg {
  private parts: (Buffer | Msg)[] = [];
  private scalars: number[] = [];
  /** Encoded size in bytes. */
  size = 0;

  private flush(): void {
    if (this.scalars.length === 0) return;
    this.parts.push(Buffer.from(this.scalars));
    this.scalars = [];
  }

  private varint(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      let x = v;
      while (x >= 0x80) {
        this.scalars.push((x % 0x80) | 0x80);
        x = Math.floor(x / 0x80);
      }
      this.scalars.push(x);
      this.size += varintSize(v);
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.scalars.push(Number(x & 0x7fn) | 0x80);
      this.size++;
      x >>= 7n;
    }
    this.scalars.push(Number(x));
    this.size++;
  }

  private tag(n: number, wire: number): void {
    this.varint((n << 3) | wire);
  }

  str(n: number, v: unknown): this {
    if (typeof v === "string" && v !== "") this.bytes(n, Buffer.from(v, "utf8"));
    return this;
  }

  strs(n: number, v: unknown): this {
    if (Array.isArray(v)) for (const s of v) if (typeof s === "string") this.bytes(n, Buffer.from(s, "utf8"));
    return this;
  }

  bool(n: number, v: unknown, always = false): this {
    if (v === true || (always && v === false)) {
      this.tag(n, 0);
      this.varint(v ? 1 : 0);
    }
    return this;
  }

  int64(n: number, v: unknown): this {
    if (typeof v === "number" && Number.isInteger(v) && v !== 0) {
      this.tag(n, 0);
      this.varint(v);
    }
    return this;
  }

  double(n: number, v: unknown): this {
    if (typeof v === "number" && v !== 0) {
      this.tag(n, 1);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      this.push(b);
    }
    return this;
  }

  msg(n: number, m: Msg | undefined): this {
    if (!m) return this;
    this.tag(n, 2);
    this.varint(m.size);
    this.push(m);
    return this;
  }

  private bytes(n: number, b: Buffer): void {
    this.tag(n, 2);
    this.varint(b.length);
    this.push(b);
  }

  private push(part: Buffer | Msg): void {
    this.flush();
    this.parts.push(part);
    this.size += part instanceof Msg ? part.size : part.length;
  }

  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    const end = this.writeTo(out, 0);
    if (end !== this.size) throw new Error(`protobuf size mismatch: ${end} != ${this.size}`);
    return out;
  }

  private writeTo(out: Buffer, at: number): number {
    this.flush();
    let i = at;
    for (const p of this.parts) i = p instanceof Msg ? p.writeTo(out, i) : i + p.copy(out, i);
    return i;
  }
}

function varintSize(v: number): number {
  let n = 1;
  for (let x = v; x >= 0x80; x = Math.floor(x / 0x80)) n++;
  return n;
}

const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);

/** Any { yaml = 2 } */
const any = (v: unknown): Msg => new Msg().str(2, JSON.stringify(v) ?? "null");

/** The `x-` keys of an object as repeated NamedAny { name = 1; value = 2 }. */
function extensions(m: Msg, n: number, o: Obj): Msg {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith("x-")) m.msg(n, new Msg().str(1, k).msg(2, any(v)));
  }
  return m;
}

function schema(s: Obj): Msg {
  const m = new Msg().str(1, s.$ref).str(2, s.format).str(3, s.title).str(4, s.description);
  if ("default" in s) m.msg(5, any(s.default));
  m.double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .str(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int64(17, s.maxProperties)
    .int64(18, s.minProperties)
    .strs(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) m.msg(20, any(e));
  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2; } }
  if (isObj(s.additionalProperties)) m.msg(21, new Msg().msg(1, schema(s.additionalProperties)));
  else if (typeof s.additionalProperties === "boolean")
    m.msg(21, new Msg().bool(2, s.additionalProperties, true));
  // TypeItem { repeated string value = 1; }
  if (s.type !== undefined) m.msg(22, new Msg().strs(1, Array.isArray(s.type) ? s.type : [s.type]));
  // ItemsItem { repeated Schema schema = 1; }
  if (s.items !== undefined) {
    const items = new Msg();
    for (const it of Array.isArray(s.items) ? objs(s.items) : isObj(s.items) ? [s.items] : []) {
      items.msg(1, schema(it));
    }
    m.msg(23, items);
  }
  for (const a of objs(s.allOf)) m.msg(24, schema(a));
  // Properties { repeated NamedSchema additional_properties = 1; }
  if (isObj(s.properties)) {
    const props = new Msg();
    for (const [k, v] of entries(s.properties)) if (isObj(v)) props.msg(1, named(k, schema(v)));
    m.msg(25, props);
  }
  m.str(26, s.discriminator).bool(27, s.readOnly);
  if ("example" in s) m.msg(30, any(s.example));
  return extensions(m, 31, s);
}

const named = (name: string, value: Msg): Msg => new Msg().str(1, name).msg(2, value);

/** ParametersItem { oneof { Parameter parameter = 1; JsonReference json_reference = 2; } } */
function parameter(p: Obj): Msg {
  if (typeof p.$ref === "string") return new Msg().msg(2, new Msg().str(1, p.$ref).str(2, p.description));
  let param: Msg;
  if (p.in === "body") {
    // Parameter.body_parameter = 1: BodyParameter
    const body = new Msg().str(1, p.description).str(2, p.name).str(3, p.in).bool(4, p.required);
    if (isObj(p.schema)) body.msg(5, schema(p.schema));
    param = new Msg().msg(1, extensions(body, 6, p));
  } else {
    // Parameter.non_body_parameter = 2: NonBodyParameter { header = 1, form data = 2, query = 3, path = 4 }
    const sub = new Msg().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name);
    let which: number;
    if (p.in === "query" || p.in === "formData") {
      which = p.in === "query" ? 3 : 2;
      sub.bool(5, p.allowEmptyValue).str(6, p.type).str(7, p.format).bool(20, p.uniqueItems);
      extensions(sub, 23, p);
    } else {
      which = p.in === "header" ? 1 : 4;
      sub.str(5, p.type).str(6, p.format).bool(19, p.uniqueItems);
      extensions(sub, 22, p);
    }
    param = new Msg().msg(2, new Msg().msg(which, sub));
  }
  return new Msg().msg(1, param);
}

function operation(op: Obj): Msg {
  const m = new Msg()
    .strs(1, op.tags)
    .str(2, op.summary)
    .str(3, op.description)
    .str(5, op.operationId)
    .strs(6, op.produces)
    .strs(7, op.consumes);
  for (const p of objs(op.parameters)) m.msg(8, parameter(p));
  if (isObj(op.responses)) {
    // Responses { repeated NamedResponseValue response_code = 1 }; ResponseValue.response = 1:
    // Response { description = 1; SchemaItem schema = 2 (SchemaItem.schema = 1) }
    const rs = new Msg();
    for (const [code, r] of entries(op.responses)) {
      if (!isObj(r)) continue;
      const resp = new Msg().str(1, r.description);
      if (isObj(r.schema)) resp.msg(2, new Msg().msg(1, schema(r.schema)));
      rs.msg(1, named(code, new Msg().msg(1, extensions(resp, 5, r))));
    }
    m.msg(9, extensions(rs, 2, op.responses));
  }
  m.strs(10, op.schemes).bool(11, op.deprecated);
  return extensions(m, 13, op);
}

const methodField: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function pathItem(item: Obj): Msg {
  const m = new Msg().str(1, item.$ref);
  for (const [method, n] of Object.entries(methodField)) {
    const op = item[method];
    if (isObj(op)) m.msg(n, operation(op));
  }
  for (const p of objs(item.parameters)) m.msg(9, parameter(p));
  return extensions(m, 10, item);
}

/** The Swagger 2.0 document `doc` as an encoded openapi_v2.Document. */
export function encodeOpenApiV2(doc: Obj): Buffer {
  const m = new Msg().str(1, doc.swagger);
  if (isObj(doc.info))
    m.msg(2, new Msg().str(1, doc.info.title).str(2, doc.info.version).str(3, doc.info.description));
  if (isObj(doc.paths)) {
    const paths = extensions(new Msg(), 1, doc.paths);
    for (const [p, item] of entries(doc.paths))
      if (!p.startsWith("x-") && isObj(item)) paths.msg(2, named(p, pathItem(item)));
    m.msg(8, paths);
  }
  if (isObj(doc.definitions)) {
    const defs = new Msg();
    for (const [name, s] of entries(doc.definitions)) if (isObj(s)) defs.msg(1, named(name, schema(s)));
    m.msg(9, defs);
  }
  // SecurityRequirement { repeated NamedStringArray additional_properties = 1 }, StringArray { value = 1 }
  for (const req of objs(doc.security)) {
    const r = new Msg();
    for (const [name, scopes] of Object.entries(req)) r.msg(1, named(name, new Msg().strs(1, scopes)));
    m.msg(12, r);
  }
  // SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1 };
  // SecurityDefinitionsItem.api_key_security = 2: ApiKeySecurity { type 1, name 2, in 3, description 4 }
  if (isObj(doc.securityDefinitions)) {
    const sd = new Msg();
    for (const [name, d] of entries(doc.securityDefinitions)) {
      if (!isObj(d) || d.type !== "apiKey") continue;
      const key = new Msg().str(1, d.type).str(2, d.name).str(3, d.in).str(4, d.description);
      sd.msg(1, named(name, new Msg().msg(2, extensions(key, 5, d))));
    }
    m.msg(13, sd);
  }
  return extensions(m, 16, doc).encode();
}
