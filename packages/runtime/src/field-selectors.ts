// Field selectors in the string form kubectl and client-go send (?fieldSelector=), parsed once and
// matched many times; the informer cache and the API server share this parser. It follows
// k8s.io/apimachinery/pkg/fields (selector.go) token for token, and a SelectorError's message is
// kube-apiserver's text for the same selector; test/contract/selectors.test.ts checks it against
// kube-apiserver.
import { getPath } from "@grove-ts/api";
import { SelectorError } from "./selectors.js";

export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(obj: unknown): boolean;
  toString(): string;
}

/** The string value a field selector compares against: "" for missing, String() for scalars. */
export function fieldValue(obj: unknown, path: string): string {
  const v = getPath(obj, path);
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

const escapeField = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

/** fields.splitTerms: split at commas that are not escaped; the backslashes stay. */
function splitFieldTerms(input: string): string[] {
  if (input === "") return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(input.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(input.slice(start));
  return terms;
}

/**
 * fields.UnescapeValue: `\\`, `\,` and `\=` only; a bare `,` or `=` in a value is an error,
 * refused for the whole `input`.
 */
function unescapeFieldValue(s: string, input: string): string {
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=")
        throw new SelectorError(input, `invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === "\\") inSlash = true;
    else if (c === "," || c === "=")
      // Go prints the rune with %v: its code point.
      throw new SelectorError(
        input,
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    else out += c;
  }
  if (inSlash) throw new SelectorError(input, "invalid field selector: invalid escape sequence: \\");
  return out;
}

/**
 * What a server does with each field requirement after parsing (fields.TransformFunc, which
 * kube-apiserver fills with the kind's field-label conversion): the field and value to select on,
 * or the error message that refuses the requirement.
 */
export type FieldTransform = (field: string, value: string) => { field: string; value: string } | string;

/**
 * fields.ParseAndTransformSelector: comma-separated `field=value`, `field==value` or `field!=value`
 * terms, split at the first operator (no trimming: the field is what stands before it); `\,`, `\=`
 * and `\\` escape inside values. Fields are dotted paths into the object. Every term is parsed first,
 * then each goes through `transform` in sorted order. Throws a SelectorError with kube-apiserver's
 * message.
 */
export function parseFieldSelector(input: string, transform?: FieldTransform): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const part of splitFieldTerms(input).sort()) {
    if (part === "") continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(part);
    if (!m) throw new SelectorError(input, `invalid selector: '${input}'; can't understand '${part}'`);
    const value = unescapeFieldValue(m[3] as string, input);
    // A term with neither field nor value (`==`) selects everything: ParseSelector drops it.
    if (m[1] === "" && value === "") continue;
    reqs.push({ field: m[1] as string, operator: m[2] === "!=" ? "!=" : "=", value });
  }
  if (transform)
    for (const r of reqs) {
      const t = transform(r.field, r.value);
      if (typeof t === "string") throw new SelectorError(input, t);
      r.field = t.field;
      r.value = t.value;
    }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches(obj: unknown): boolean {
      for (const r of reqs) {
        const v = fieldValue(obj, r.field);
        if ((v === r.value) !== (r.operator === "=")) return false;
      }
      return true;
    },
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeField(r.value)}`).join(","),
  };
}
