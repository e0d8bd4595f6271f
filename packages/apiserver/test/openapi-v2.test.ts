// GET /openapi/v2: the Swagger 2.0 document kubectl reads for `apply -f` of a List and for
// strategic-merge-patch metadata, in JSON and in gnostic's protobuf, with kube-apiserver's
// negotiation (406 otherwise), ETag and 304. The protobuf answer is decoded here by a plain
// wire-format reader and compared with the JSON one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negotiateV2 } from "../src/handlers/openapi.js";
import { type RunningApiServer, startApiServer } from "../src/index.js";
import { toV2Schema } from "../src/openapi-v2.js";
import { encodeOpenApiV2 } from "../src/openapi-v2-proto.js";
import { widgetCrd } from "./fixtures.js";

const PROTO = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
let s: RunningApiServer;

beforeAll(async () => {
  s = await startApiServer({});
  await get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    method: "POST",
    body: JSON.stringify(widgetCrd),
  });
});
afterAll(() => s.close());

async function get(
  path: string,
  o: { accept?: string; ifNoneMatch?: string; method?: string; body?: string } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
  if (o.accept !== undefined) headers.accept = o.accept;
  if (o.ifNoneMatch) headers["if-none-match"] = o.ifNoneMatch;
  if (o.body) headers["content-type"] = "application/json";
  const r = await fetch(`${s.url}${path}`, { method: o.method ?? "GET", headers, body: o.body });
  return { code: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
}

type Json = Record<string, unknown>;
const v2json = async (): Promise<Json> => JSON.parse((await get("/openapi/v2")).bytes.toString()) as Json;

/** Protobuf wire format: field number -> values (varints as bigint, length-delimited as bytes). */
function decode(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++] as number;
      r |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return r;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >>> 3;
    let v: bigint | Buffer;
    if ((key & 7) === 0) v = varint();
    else if ((key & 7) === 2) {
      const len = Number(varint());
      v = buf.subarray(i, i + len);
      i += len;
    } else if ((key & 7) === 1) {
      v = buf.subarray(i, i + 8);
      i += 8;
    } else throw new Error(`wire type ${key & 7}`);
    out.set(n, [...(out.get(n) ?? []), v]);
  }
  return out;
}
const msgs = (m: Map<number, (bigint | Buffer)[]>, n: number) =>
  (m.get(n) ?? []).map((b) => decode(b as Buffer));
const str = (m: Map<number, (bigint | Buffer)[]>, n: number) =>
  (m.get(n)?.[0] as Buffer | undefined)?.toString();
/** Repeated Named* { name = 1; value = 2 } as name -> decoded value. */
const named = (m: Map<number, (bigint | Buffer)[]>, n: number) =>
  new Map(msgs(m, n).map((e) => [str(e, 1) as string, decode((e.get(2)?.[0] as Buffer) ?? Buffer.alloc(0))]));

/** A gnostic Schema's property names and extensions, recursively, as the JSON schema has them. */
function schemaShape(m: Map<number, (bigint | Buffer)[]>): Json {
  const out: Json = {};
  const props = msgs(m, 25)[0];
  if (props) out.properties = Object.fromEntries([...named(props, 1)].map(([k, v]) => [k, schemaShape(v)]));
  const items = msgs(m, 23)[0];
  if (items) out.items = schemaShape(msgs(items, 1)[0] as Map<number, (bigint | Buffer)[]>);
  const type = msgs(m, 22)[0];
  if (type) out.type = str(type, 1);
  if (m.has(1)) out.$ref = str(m, 1);
  for (const [k, v] of named(m, 31)) out[k] = JSON.parse(str(v, 2) as string);
  return out;
}
function jsonShape(s: Json): Json {
  const out: Json = {};
  if (s.properties)
    out.properties = Object.fromEntries(
      Object.entries(s.properties as Json).map(([k, v]) => [k, jsonShape(v as Json)]),
    );
  if (s.items) out.items = jsonShape(s.items as Json);
  if (s.type) out.type = s.type;
  if (s.$ref) out.$ref = s.$ref;
  for (const [k, v] of Object.entries(s)) if (k.startsWith("x-")) out[k] = v;
  return out;
}

describe("GET /openapi/v2", () => {
  it("derives the document from the v3 ones: every path, CRD kinds' definitions, no schema-less built-ins", async () => {
    const doc = await v2json();
    expect(doc).toMatchObject({ swagger: "2.0", info: { title: "Kubernetes", version: "1.32" } });
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const widget = paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"] ?? {};
    expect(widget.patch).toMatchObject({
      consumes: [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
      ],
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": { group: "example.com", version: "v1", kind: "Widget" },
      responses: { 200: { schema: { $ref: "#/definitions/com.example.v1.Widget" } } },
    });
    expect(((widget.patch?.parameters ?? []) as Json[]).map((p) => p.name)).toContain("fieldValidation");
    // Built-in kinds take strategic merge patch; their definitions are left out, so kubectl uses
    // its compiled-in types (list merge keys) rather than a schema-less placeholder.
    const pod = paths["/api/v1/namespaces/{namespace}/pods/{name}"] ?? {};
    expect(pod.patch?.consumes).toContain("application/strategic-merge-patch+json");
    expect(pod.patch?.responses).toEqual({ 200: { description: "OK" } });
    const defs = doc.definitions as Record<string, Json>;
    expect(Object.keys(defs).filter((k) => k.startsWith("io.k8s.api."))).toEqual([]);
    expect(defs["com.example.v1.Widget"]).toMatchObject({
      "x-kubernetes-group-version-kind": [{ group: "example.com", version: "v1", kind: "Widget" }],
      properties: {
        metadata: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
        spec: { required: ["size"], properties: { size: { type: "string", enum: ["small", "large"] } } },
      },
    });
    expect(defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
  });

  it("converts schemas as kube-apiserver publishes CRDs in v2", () => {
    expect(
      toV2Schema({
        type: "object",
        properties: {
          replicas: { type: "integer", default: 1 },
          port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
          extra: { type: "object", properties: { a: {} }, "x-kubernetes-preserve-unknown-fields": true },
          maybe: { type: "string", nullable: true },
          bare: { type: "array" },
          metadata: { allOf: [{ $ref: "#/components/schemas/M" }], description: "meta", default: {} },
        },
      }),
    ).toEqual({
      type: "object",
      properties: {
        replicas: { type: "integer" },
        port: { "x-kubernetes-int-or-string": true },
        extra: { "x-kubernetes-preserve-unknown-fields": true },
        maybe: {},
        bare: {},
        metadata: { $ref: "#/definitions/M", description: "meta" },
      },
    });
  });

  it("answers kubectl's protobuf Accept with the same document as a gnostic openapi_v2.Document", async () => {
    const r = await get("/openapi/v2", { accept: PROTO });
    expect(r.code).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    const doc = await v2json();
    const m = decode(r.bytes);
    expect(str(m, 1)).toBe("2.0");
    const info = msgs(m, 2)[0] as Map<number, (bigint | Buffer)[]>;
    expect([str(info, 1), str(info, 2)]).toEqual(["Kubernetes", "1.32"]);
    const paths = named(msgs(m, 8)[0] as Map<number, (bigint | Buffer)[]>, 2);
    expect([...paths.keys()]).toEqual(Object.keys(doc.paths as Json));
    // PathItem.patch = 8: Operation { consumes = 7, parameters = 8, vendor_extension = 13 }
    const patch = msgs(
      paths.get("/apis/example.com/v1/namespaces/{namespace}/widgets/{name}") as never,
      8,
    )[0];
    const op = patch as Map<number, (bigint | Buffer)[]>;
    expect((op.get(7) ?? []).map(String)).toEqual([
      "application/json-patch+json",
      "application/merge-patch+json",
      "application/apply-patch+yaml",
    ]);
    // ParametersItem.parameter = 1 -> Parameter.non_body_parameter = 2 -> query = 3 -> name = 4
    const paramNames = msgs(op, 8).map((p) => {
      const q = msgs(msgs(msgs(p, 1)[0] as never, 2)[0] as never, 3)[0] as Map<number, (bigint | Buffer)[]>;
      return str(q, 4);
    });
    expect(paramNames).toContain("fieldValidation");
    expect(
      JSON.parse(str(named(op, 13).get("x-kubernetes-group-version-kind") as never, 2) as string),
    ).toEqual({
      group: "example.com",
      version: "v1",
      kind: "Widget",
    });
    const defs = named(msgs(m, 9)[0] as Map<number, (bigint | Buffer)[]>, 1);
    expect([...defs.keys()]).toEqual(Object.keys(doc.definitions as Json));
    for (const [name, schema] of defs)
      expect(schemaShape(schema), name).toEqual(
        jsonShape((doc.definitions as Record<string, Json>)[name] as Json),
      );
  });

  it("writes gnostic's field numbers and proto3's wire format (golden bytes)", () => {
    const doc = {
      swagger: "2.0",
      info: { title: "K", version: "1" },
      definitions: { D: { type: "object", maxLength: 300, minimum: -1, additionalProperties: false } },
    };
    expect(encodeOpenApiV2(doc).toString("hex")).toBe(
      [
        "0a03322e30", // swagger = 1: "2.0"
        "12060a014b120131", // info = 2 { title = 1: "K", version = 2: "1" }
        "4a230a210a0144121c", // definitions = 9 { NamedSchema = 1 { name = 1: "D", value = 2: Schema {
        "49000000000000f0bf", // minimum = 9: -1.0 (fixed64)
        "58ac02", // max_length = 11: 300 (varint)
        "aa01021000", // additional_properties = 21 { boolean = 2: false }
        "b201080a066f626a656374", // type = 22 { value = 1: "object" } } } }
      ].join(""),
    );
  });

  it("negotiates as kube-apiserver: JSON by default and for wildcards, q-values weigh, anything else is 406", async () => {
    expect(negotiateV2(undefined)).toBe("json");
    expect(negotiateV2("*/*")).toBe("json");
    expect(negotiateV2(`application/json;q=0.9,${PROTO}`)).toBe("proto");
    expect(negotiateV2(`application/json, ${PROTO}`)).toBe("json");
    expect(negotiateV2(`${PROTO};q=0, application/json`)).toBe("json");
    expect(negotiateV2("application/yaml")).toBeUndefined();
    const r = await get("/openapi/v2", { accept: "text/plain" });
    expect(r.code).toBe(406);
    expect(JSON.parse(r.bytes.toString())).toMatchObject({
      kind: "Status",
      reason: "NotAcceptable",
      code: 406,
    });
    expect(JSON.parse(r.bytes.toString()).message).toContain(PROTO);
  });

  it("carries kube-apiserver's ETag (SHA-512 of the JSON) for both encodings, 304 on If-None-Match, a new one after a CRD change", async () => {
    const a = await get("/openapi/v2", { accept: "application/json" });
    const b = await get("/openapi/v2", { accept: PROTO });
    const etag = a.headers.get("etag") as string;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(b.headers.get("etag")).toBe(etag);
    expect(a.headers.get("last-modified")).toMatch(/GMT$/);
    expect(a.headers.get("vary")).toBe("Accept");
    expect((await get("/openapi/v2", { ifNoneMatch: etag })).code).toBe(304);
    const crd = structuredClone(widgetCrd) as typeof widgetCrd;
    crd.metadata.name = "gadgets.example.com";
    Object.assign(crd.spec.names, {
      plural: "gadgets",
      singular: "gadget",
      kind: "Gadget",
      listKind: "GadgetList",
      shortNames: [],
    });
    await get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      method: "POST",
      body: JSON.stringify(crd),
    });
    const c = await get("/openapi/v2", { ifNoneMatch: etag });
    expect(c.code).toBe(200);
    expect(c.headers.get("etag")).not.toBe(etag);
    expect(Object.keys((JSON.parse(c.bytes.toString()) as Json).definitions as Json)).toContain(
      "com.example.v1.Gadget",
    );
  });
});
