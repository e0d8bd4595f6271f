// Request bodies: which media types a write may carry (kube-apiserver answers 415 for any other,
// which also keeps a web page's form or text/plain POST, sent without a CORS preflight, from writing
// to the cluster), and decoding JSON or YAML within a nesting limit.
import { Lexer, parse as parseYaml } from "yaml";
import { decodeProtobuf } from "./protobuf.js";
import { badRequest, fail } from "./status.js";
import type { Obj } from "./util.js";

/** The body types of create, update and delete, in kube-apiserver's order (seen on v1.37.2). */
const bodyMediaTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

/** `application/json; charset=utf-8` -> `application/json` (as mime.ParseMediaType: lower case, no parameters). */
export const mediaTypeOf = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * 415 unless the Content-Type is one kube-apiserver decodes for a create, update or delete body. No
 * Content-Type at all is JSON, as there.
 */
export function checkBodyMediaType(contentType: string | undefined): void {
  const type = mediaTypeOf(contentType);
  if (type === "" || bodyMediaTypes.includes(type)) return;
  throw fail(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${bodyMediaTypes.join(", ")}`,
  );
}

// Deeper bodies are refused: the yaml parser exhausts V8's regexp zone (a fatal, uncatchable OOM) on
// a few thousand nested flow collections, and deep objects would overflow the stack of every
// recursive walk after decoding. Found by test/fuzz.
export const maxNesting = 512;

const tooDeep = () =>
  badRequest(`the request body nests more than ${maxNesting} levels deep; the limit is ${maxNesting}`);

/**
 * Deepest flow-collection nesting of a YAML text, from the yaml package's own lexer (iterative, and
 * exact about quotes, comments and block scalars, which a character scan is not: a quote in a
 * comment once hid the brackets after it). Stops at the first level past the limit.
 */
function yamlFlowDepth(text: string): number {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > maxNesting) return depth;
    } else if ((token === "]" || token === "}") && depth > 0) depth--;
  }
  return depth;
}

/** Nesting depth of a decoded value (a scalar is 0, `{}` is 1), without recursion; stops past `limit`. */
export function valueDepth(root: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (d > max) {
      max = d;
      if (max > limit) return max;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
    }
  }
  return max;
}

/** Decodes a request body (JSON, YAML, or the protobuf kubectl's create generators send). */
export function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("protobuf")) {
    let decoded: Obj | undefined;
    try {
      decoded = decodeProtobuf(buf);
    } catch (err) {
      throw badRequest(`the protobuf body could not be decoded: ${(err as Error).message}`);
    }
    if (decoded) return decoded;
  }
  if (ct.includes("protobuf") || ct.includes("cbor"))
    throw fail(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  const text = buf.toString("utf8");
  if (text.trim() === "") throw badRequest("the request body is empty: an object is required");
  let doc: unknown;
  try {
    // V8's JSON.parse is iterative: any depth decodes, and is measured after.
    doc = JSON.parse(text);
  } catch (jsonErr) {
    if (ct.includes("json") && !ct.includes("apply-patch"))
      throw badRequest(`json parse error: ${(jsonErr as Error).message}`);
    const flow = yamlFlowDepth(text);
    if (flow > maxNesting) throw tooDeep();
    try {
      doc = parseYaml(text) as unknown;
    } catch (yamlErr) {
      throw badRequest(
        `the body could not be decoded as JSON or YAML: ${(yamlErr as Error).message.split("\n")[0]}`,
      );
    }
    if (doc === null || typeof doc !== "object")
      throw badRequest("the body could not be decoded as JSON or YAML: not an object");
  }
  // Block-style YAML (`- - - x`, indentation) and JSON nest without flow brackets.
  if (valueDepth(doc, maxNesting) > maxNesting) throw tooDeep();
  return doc;
}
