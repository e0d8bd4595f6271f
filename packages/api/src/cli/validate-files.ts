// The work behind `grove-validate`: read manifests, and for every document recognise the Grove kind,
// check its structure, default it and validate it as Grove's API server and webhooks would.
// Pure except for reading files; the entry point (grove-validate.ts) does the printing and exit code.

import { readFileSync } from "node:fs";
import { LineCounter, parseAllDocuments, stringify } from "yaml";
import { checkSchema, kindOf, NotGroveObjectError } from "../check-schema.js";
import {
  defaultClusterTopologyBinding,
  defaultPodClique,
  defaultPodCliqueScalingGroup,
  defaultPodCliqueSet,
  defaultPodGang,
} from "../defaulting/index.js";
import { type FieldError, formatFieldError } from "../field-errors.js";
import type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "../types.js";
import { validateClusterTopologyBinding } from "../validation/clustertopologybinding.js";
import { isObj, type Obj, obj, str } from "../validation/json.js";
import type { ValidationOptions } from "../validation/options.js";
import { podCliqueSetWarnings, validatePodCliqueSet } from "../validation/podcliqueset.js";

/** Input that cannot be read or parsed: exit code 2. */
export class UnreadableInputError extends Error {
  readonly code = "UnreadableInput";
  constructor(message: string) {
    super(message);
    this.name = "UnreadableInputError";
  }
}

export interface Document {
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  value: unknown;
}

/** Reads one file (`-` = stdin) as multi-document YAML (JSON is YAML too); a `kind: List` is expanded. */
export function readDocuments(
  file: string,
  readStdin: () => string = () => readFileSync(0, "utf8"),
): Document[] {
  const label = file === "-" ? "<stdin>" : file;
  let text: string;
  try {
    text = file === "-" ? readStdin() : readFileSync(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new UnreadableInputError(`${label}: cannot read: ${reason}`);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: Document[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      const msg = err.message.split("\n")[0];
      throw new UnreadableInputError(`${label}:${pos.line}:${pos.col}: YAML syntax error: ${msg}`);
    }
    const line = doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : 1;
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (isObj(value) && value.kind === "List" && Array.isArray(value.items)) {
      for (const item of value.items) out.push({ file: label, line, value: item });
    } else out.push({ file: label, line, value });
  }
  return out;
}

export interface ObjectReport {
  file: string;
  line: number;
  /** `Kind/name` as printed. */
  ref: string;
  grove: boolean;
  errors: string[];
  warnings: string[];
  defaulted?: unknown;
}

function refOf(value: unknown): string {
  const o = obj(value);
  const kind = str(o?.kind) || "<no kind>";
  const name = str(obj(o?.metadata)?.name) || "<no name>";
  return `${kind}/${name}`;
}

function defaultByKind(kind: string, value: unknown): unknown {
  switch (kind) {
    case "PodCliqueSet":
      return defaultPodCliqueSet(value as PodCliqueSet);
    case "PodClique":
      return defaultPodClique(value as PodClique);
    case "PodCliqueScalingGroup":
      return defaultPodCliqueScalingGroup(value as PodCliqueScalingGroup);
    case "PodGang":
      return defaultPodGang(value as PodGang);
    default:
      return defaultClusterTopologyBinding(value as ClusterTopologyBinding);
  }
}

/** Whether `field` is `at` or lies under it (`at.x`, `at[i]`). */
function within(field: string, at: string): boolean {
  return field === at || field.startsWith(`${at}.`) || field.startsWith(`${at}[`);
}

/**
 * Drops validation errors that repeat a structural error: the same type at its field or under it
 * (a duplicate clique is `cliques[1]: Duplicate value` to the schema and `cliques[1].name` to the
 * webhook: one mistake, one line).
 */
function merge(structural: FieldError[], rules: FieldError[]): FieldError[] {
  const repeats = (e: FieldError) => structural.some((s) => s.type === e.type && within(e.field, s.field));
  return [...structural, ...rules.filter((e) => !repeats(e))];
}

const isUnknownField = (e: FieldError) =>
  e.type === "FieldValueNotFound" && e.message.startsWith("unknown field ");

/**
 * The errors to print. Unknown fields alone when there are any, as kube-apiserver's strict field
 * validation answers (it refuses to decode the object, so nothing else is checked): whatever else
 * seems wrong usually follows from the misspelt field (`replica:` leaves `replicas` unset, and
 * `minAvailable` is defaulted from it), and a user sees one error for one typo.
 */
function reported(structural: FieldError[], rules: FieldError[]): string[] {
  const unknown = structural.filter(isUnknownField);
  if (unknown.length > 0) return unknown.map((e) => e.message);
  return merge(structural, rules).map(formatFieldError);
}

/**
 * The API server prunes `null` values of fields that are not `nullable` before defaulting, and no Grove
 * CRD field is nullable: `topologyConstraint:` with no value (as in e2e/tas-large-scale.yaml) means absent.
 */
export function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v);
  return out;
}

/** Structure, defaults and admission rules of one document. */
export function checkDocument(doc: Document, options: ValidationOptions): ObjectReport {
  const ref = refOf(doc.value);
  const base = { file: doc.file, line: doc.line, ref };
  const kind = kindOf(doc.value);
  if (!isObj(doc.value) || kind === undefined) {
    const o = obj(doc.value);
    const why = isObj(doc.value)
      ? new NotGroveObjectError(o?.apiVersion, o?.kind).message
      : "not a Kubernetes object (expected a mapping with apiVersion and kind)";
    return { ...base, grove: false, errors: [why], warnings: [] };
  }
  const value = pruneNulls(doc.value);
  const structural = checkSchema(value);
  const defaulted = defaultByKind(kind, value);
  let rules: FieldError[] = [];
  let warnings: string[] = [];
  if (kind === "PodCliqueSet") {
    rules = validatePodCliqueSet(defaulted as PodCliqueSet, undefined, options);
    warnings = [...new Set(podCliqueSetWarnings(defaulted as PodCliqueSet, undefined, options))];
  } else if (kind === "ClusterTopologyBinding") {
    rules = validateClusterTopologyBinding(defaulted as ClusterTopologyBinding, undefined, options);
  }
  return { ...base, grove: true, errors: reported(structural, rules), warnings, defaulted };
}

/** A lookup over ClusterTopologyBinding objects by metadata.name. */
export function topologyLookup(docs: readonly Document[]): Map<string, ClusterTopologyBinding> {
  const m = new Map<string, ClusterTopologyBinding>();
  for (const d of docs) {
    if (kindOf(d.value) !== "ClusterTopologyBinding") continue;
    const name = str(obj((d.value as Obj).metadata)?.name);
    if (name) m.set(name, d.value as ClusterTopologyBinding);
  }
  return m;
}

/** Defaulted objects as one multi-document YAML stream. */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${stringify(o)}`).join("");
}
