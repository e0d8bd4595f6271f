// Continue tokens of paginated lists, in kube-apiserver's shape (k8s.io/apiserver storage
// continue.go): unpadded base64url of {"v":"meta.k8s.io/v1","rv":<list version>,"start":<key>}.
// A token that does not decode is a 400 worded as there ("invalid continue token: continue key is
// not valid: ..."); a malformed one used to be read as no token at all (200, the first page again).
import { badRequest } from "./status.js";

const version = "meta.k8s.io/v1";

export interface ContinuePoint {
  /** The resourceVersion of the list the first page came from. */
  rv: string;
  /** The storage key of the last item returned: the next page starts after it. */
  after: string;
}

export function encodeContinue(p: ContinuePoint): string {
  return Buffer.from(JSON.stringify({ v: version, rv: Number(p.rv), start: p.after })).toString("base64url");
}

/** Go's json.Unmarshal type names, for the message about a token that is not an object. */
const goJsonType = (v: unknown): string =>
  Array.isArray(v) ? "array" : typeof v === "boolean" ? "bool" : typeof v === "number" ? "number" : "string";

function invalidKey(why: string): never {
  throw badRequest(`invalid continue token: continue key is not valid: ${why}`);
}

export function decodeContinue(token: string): ContinuePoint {
  // base64.RawURLEncoding: the URL alphabet, no padding, no stray characters.
  const bad = token.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) invalidKey(`illegal base64 data at input byte ${bad}`);
  if (token.length % 4 === 1) invalidKey(`illegal base64 data at input byte ${token.length - 1}`);
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (err) {
    invalidKey((err as Error).message);
  }
  if (c !== null && typeof c !== "object")
    invalidKey(`json: cannot unmarshal ${goJsonType(c)} into Go value of type storage.continueToken`);
  if (Array.isArray(c))
    invalidKey("json: cannot unmarshal array into Go value of type storage.continueToken");
  const t = (c ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== undefined && typeof t.v !== "string")
    invalidKey(
      `json: cannot unmarshal ${goJsonType(t.v)} into Go struct field continueToken.v of type string`,
    );
  if (t.v !== version) invalidKey(`server does not recognize this encoded version ${t.v ?? ""}`);
  if (t.rv !== undefined && (typeof t.rv !== "number" || !Number.isInteger(t.rv)))
    invalidKey(
      `json: cannot unmarshal ${goJsonType(t.rv)} into Go struct field continueToken.rv of type int64`,
    );
  if (t.start !== undefined && typeof t.start !== "string")
    invalidKey(
      `json: cannot unmarshal ${goJsonType(t.start)} into Go struct field continueToken.start of type string`,
    );
  if (!t.rv) invalidKey(`incorrect encoded start resourceVersion (version ${version})`);
  if (!t.start) invalidKey(`encoded start key empty (version ${version})`);
  return { rv: String(t.rv), after: t.start as string };
}
