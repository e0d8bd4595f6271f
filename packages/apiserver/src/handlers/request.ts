// The request parsing every verb shares, in one place: the body (read within the size limit,
// decoded from JSON, YAML or protobuf), query parameters as kube-apiserver decodes them (integers,
// dryRun, fieldValidation, fieldManager, selectors, DeleteOptions) and content negotiation (JSON, or
// a Table when the Accept header asks for one).
import { parseBody } from "../body.js";
import type { DeleteOpts, FieldValidation, Propagation, WriteOpts } from "../server.js";
import { badRequest, fail } from "../status.js";
import type { IncludeObject } from "../tables.js";
import { isObj } from "../util.js";
import { warningHeaderValues } from "../warnings.js";
import type { Call, Req, ResourceCall } from "./call.js";

/** A body over the limit (kube-apiserver answers 413). */
export class TooLarge extends Error {}

/** The request body, refused as soon as its declared or received size passes `limit` bytes. */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}

/** The body decoded by its Content-Type (body.ts: JSON, YAML or protobuf within the nesting limit). */
export const decodeBody = (c: Call): unknown =>
  parseBody(c.body ?? Buffer.alloc(0), c.req.headers["content-type"]);

/** A query parameter; undefined when absent. */
export const q = (u: URL, k: string): string | undefined => u.searchParams.get(k) ?? undefined;

/**
 * An integer query parameter (limit, timeoutSeconds, gracePeriodSeconds) as kube-apiserver decodes
 * it, with strconv.ParseInt(s, 10, 64): a 400 naming the text for anything else, an empty value
 * included; undefined only when the parameter is absent.
 */
export function intParam(u: URL, k: string): number | undefined {
  const text = q(u, k);
  if (text === undefined) return undefined;
  const parsing = `strconv.ParseInt: parsing ${JSON.stringify(text)}`;
  if (!/^[+-]?\d+$/.test(text)) throw badRequest(`${parsing}: invalid syntax`);
  const n = BigInt(text.replace(/^\+/, ""));
  if (n > 9223372036854775807n || n < -9223372036854775808n)
    throw badRequest(`${parsing}: value out of range`);
  return Number(n);
}

/** dryRun, fieldValidation and fieldManager of a create, update or patch. */
export function writeOpts(u: URL): WriteOpts {
  const dry = q(u, "dryRun");
  if (dry !== undefined && dry !== "All" && dry !== "")
    throw fail(400, "BadRequest", `dryRun: Unsupported value: "${dry}": supported values: "All"`);
  const fv = q(u, "fieldValidation");
  if (fv !== undefined && !["Strict", "Warn", "Ignore"].includes(fv))
    throw badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
    );
  const o: WriteOpts = { warnings: [] };
  if (dry === "All") o.dryRun = true;
  if (fv) o.fieldValidation = fv as FieldValidation;
  const fm = q(u, "fieldManager");
  if (fm) o.fieldManager = fm;
  return o;
}

/** The Warning headers of a write (deduplicated and capped by warnings.ts). */
export function warningHeaders(o: WriteOpts): Record<string, string[]> {
  const values = warningHeaderValues(o.warnings ?? []);
  return values.length === 0 ? {} : { Warning: values };
}

/**
 * DeleteOptions from the body (kubectl sends them there) and then the query, which wins: grace
 * period, propagation (orphanDependents=true is Orphan), preconditions and dryRun.
 */
export function deleteOpts(c: Call): DeleteOpts {
  const dopts: DeleteOpts = {};
  const text = c.body?.toString("utf8").trim() ?? "";
  const b = text ? decodeBody(c) : {};
  if (isObj(b)) {
    if (typeof b.propagationPolicy === "string") dopts.propagationPolicy = b.propagationPolicy as Propagation;
    if (b.orphanDependents === true) dopts.propagationPolicy = "Orphan";
    if (isObj(b.preconditions)) dopts.preconditions = b.preconditions as DeleteOpts["preconditions"] & object;
    if (Array.isArray(b.dryRun) && b.dryRun.includes("All")) dopts.dryRun = true;
    if (typeof b.gracePeriodSeconds === "number") dopts.gracePeriodSeconds = b.gracePeriodSeconds;
  }
  const u = c.url;
  const gp = intParam(u, "gracePeriodSeconds");
  if (gp !== undefined) dopts.gracePeriodSeconds = gp;
  const pp = q(u, "propagationPolicy");
  if (pp) dopts.propagationPolicy = pp as Propagation;
  if (q(u, "orphanDependents") === "true") dopts.propagationPolicy = "Orphan";
  if (q(u, "dryRun") === "All") dopts.dryRun = true;
  return dopts;
}

/** The selectors and namespace of a list, watch or deletecollection. */
export const selection = (c: ResourceCall) => ({
  labelSelector: q(c.url, "labelSelector"),
  fieldSelector: q(c.url, "fieldSelector"),
  namespace: c.namespace,
});

/** Content negotiation: a Table (`Accept: ...;as=Table`, kubectl get) or the object itself. */
export interface Rendering {
  table: boolean;
  /** What a Table row carries of the object (`includeObject`, Metadata by default). */
  include: IncludeObject;
}

export const rendering = (c: Call): Rendering => ({
  table: /as=Table/.test(String(c.req.headers.accept ?? "")),
  include: (q(c.url, "includeObject") as IncludeObject | undefined) ?? "Metadata",
});
