// Label and field selectors in the string forms kubectl and client-go send (?labelSelector=,
// ?fieldSelector=), parsed once and matched many times. Shared by the informer cache and the API
// server so that both agree on what matches.

export class SelectorError extends Error {
  readonly code = "InvalidSelector";
  constructor(
    readonly selector: string,
    readonly rule: string,
  ) {
    super(`invalid selector ${JSON.stringify(selector)}: ${rule}`);
    this.name = "SelectorError";
  }
}

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  key: string;
  operator: LabelOperator;
  /** One value for = and !=, a set for in/notin, one integer string for gt/lt, none otherwise. */
  values: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: readonly string[];
}

/** metav1.LabelSelector as found in specs. */
export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>>;
  matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface Selector {
  readonly requirements: readonly Requirement[];
  /** True when it selects everything (no requirement). */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The canonical string form, parseable again. */
  toString(): string;
}

const namePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomain.test(prefix))
      return `label key ${JSON.stringify(key)}: prefix must be a DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63 || !namePart.test(name))
    return `label key ${JSON.stringify(key)}: name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueError(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !namePart.test(value))
    return `label value ${JSON.stringify(value)}: must be at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  return undefined;
}

function matchRequirement(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? (labels as Record<string, string>)[r.key] : undefined;
  switch (r.operator) {
    case "=":
      return has && v === r.values[0];
    case "!=":
      return !has || v !== r.values[0];
    case "in":
      return has && r.values.includes(v as string);
    case "notin":
      return !has || !r.values.includes(v as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(v as string)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

function formatRequirement(r: Requirement): string {
  switch (r.operator) {
    case "=":
    case "!=":
      return `${r.key}${r.operator}${r.values[0]}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "gt":
      return `${r.key}>${r.values[0]}`;
    case "lt":
      return `${r.key}<${r.values[0]}`;
  }
}

class RequirementsSelector implements Selector {
  readonly empty: boolean;
  constructor(readonly requirements: readonly Requirement[]) {
    this.empty = requirements.length === 0;
  }
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    for (const r of this.requirements) if (!matchRequirement(r, labels)) return false;
    return true;
  }
  toString(): string {
    return this.requirements.map(formatRequirement).join(",");
  }
}

/** Selects nothing: what a missing (null) metav1.LabelSelector means. */
export const nothingSelector: Selector = {
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => "",
};

export const everythingSelector: Selector = new RequirementsSelector([]);

type Token =
  | { kind: "id"; text: string }
  | { kind: "op"; text: "=" | "==" | "!=" | "!" | "(" | ")" | "," | "<" | ">" };

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "=" || c === "!") {
      const two = input.slice(i, i + 2);
      if (two === "==" || two === "!=") {
        out.push({ kind: "op", text: two });
        i += 2;
      } else {
        out.push({ kind: "op", text: c });
        i++;
      }
    } else if (c === "(" || c === ")" || c === "," || c === "<" || c === ">") {
      out.push({ kind: "op", text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !/[\s=!(),<>]/.test(input[j] as string)) j++;
      out.push({ kind: "id", text: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/**
 * Parses a label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`, comma-separated (all must hold). "" selects everything.
 */
export function parseLabelSelector(input: string): Selector {
  const toks = lex(input);
  const reqs: Requirement[] = [];
  let p = 0;
  const fail = (rule: string): never => {
    throw new SelectorError(input, rule);
  };
  const peek = (): Token | undefined => toks[p];
  const ident = (what: string): string => {
    const t = toks[p];
    if (t?.kind !== "id") return fail(`expected ${what} at token ${p + 1}`);
    p++;
    return t.text;
  };
  const checkKey = (key: string): void => {
    const e = labelKeyError(key);
    if (e) fail(e);
  };
  const checkValue = (value: string): void => {
    const e = labelValueError(value);
    if (e) fail(e);
  };
  while (p < toks.length) {
    let t = peek();
    if (t?.kind === "op" && t.text === "!") {
      p++;
      const key = ident("a label key after '!'");
      checkKey(key);
      reqs.push({ key, operator: "!", values: [] });
    } else {
      const key = ident("a label key");
      checkKey(key);
      t = peek();
      if (t === undefined || (t.kind === "op" && t.text === ",")) {
        reqs.push({ key, operator: "exists", values: [] });
      } else if (t.kind === "op" && (t.text === "=" || t.text === "==" || t.text === "!=")) {
        p++;
        // An empty value is legal (`a=`): the next token is then a comma or the end.
        const next = peek();
        const value = next?.kind === "id" ? ident("a value") : "";
        checkValue(value);
        reqs.push({ key, operator: t.text === "!=" ? "!=" : "=", values: [value] });
      } else if (t.kind === "op" && (t.text === "<" || t.text === ">")) {
        p++;
        const value = ident(`an integer after '${t.text}'`);
        if (!/^-?\d+$/.test(value)) fail(`${key}${t.text}${value}: the value must be an integer`);
        reqs.push({ key, operator: t.text === ">" ? "gt" : "lt", values: [value] });
      } else if (t.kind === "id" && (t.text === "in" || t.text === "notin")) {
        p++;
        const open = peek();
        if (open?.kind !== "op" || open.text !== "(") fail(`expected '(' after '${key} ${t.text}'`);
        p++;
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v?.kind === "id") {
            checkValue(v.text);
            values.push(v.text);
            p++;
          } else {
            values.push("");
          }
          const sep = peek();
          if (sep?.kind === "op" && sep.text === ",") {
            p++;
            continue;
          }
          if (sep?.kind === "op" && sep.text === ")") {
            p++;
            break;
          }
          fail(`expected ',' or ')' in the value set of '${key} ${t.text}'`);
        }
        if (values.length === 1 && values[0] === "") fail(`'${key} ${t.text}' needs at least one value`);
        reqs.push({ key, operator: t.text, values: [...new Set(values)].sort() });
      } else {
        fail(`unexpected ${JSON.stringify(t.text)} after label key ${JSON.stringify(key)}`);
      }
    }
    const sep = peek();
    if (sep === undefined) break;
    if (sep.kind === "op" && sep.text === ",") {
      p++;
      if (p >= toks.length) fail("trailing ','");
      continue;
    }
    fail(`expected ',' before ${JSON.stringify(sep.text)}`);
  }
  return new RequirementsSelector(reqs);
}

/** metav1.LabelSelector to a Selector: undefined selects nothing, {} selects everything. */
export function selectorFromLabelSelector(sel: LabelSelector | undefined | null): Selector {
  if (sel === undefined || sel === null) return nothingSelector;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const e = labelKeyError(key) ?? labelValueError(value);
    if (e) throw new SelectorError(JSON.stringify(sel), `matchLabels: ${e}`);
    reqs.push({ key, operator: "=", values: [value] });
  }
  for (const [i, expr] of (sel.matchExpressions ?? []).entries()) {
    const at = `matchExpressions[${i}]`;
    const e = labelKeyError(expr.key);
    if (e) throw new SelectorError(JSON.stringify(sel), `${at}.key: ${e}`);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0)
          throw new SelectorError(
            JSON.stringify(sel),
            `${at}.values: must be non-empty for ${expr.operator}`,
          );
        reqs.push({
          key: expr.key,
          operator: expr.operator === "In" ? "in" : "notin",
          values: [...values].sort(),
        });
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0)
          throw new SelectorError(JSON.stringify(sel), `${at}.values: must be empty for ${expr.operator}`);
        reqs.push({ key: expr.key, operator: expr.operator === "Exists" ? "exists" : "!", values: [] });
        break;
      default:
        throw new SelectorError(
          JSON.stringify(sel),
          `${at}.operator: ${JSON.stringify(expr.operator)} is not one of In, NotIn, Exists, DoesNotExist`,
        );
    }
  }
  return new RequirementsSelector(reqs);
}

/** A selector that requires exactly these labels, e.g. for listing a parent's children. */
export function selectorFromLabels(labels: Readonly<Record<string, string>>): Selector {
  return selectorFromLabelSelector({ matchLabels: { ...labels } });
}

// ---- field selectors ----

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
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "object" ? JSON.stringify(cur) : String(cur);
}

const escapeField = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

/**
 * Parses `a.b=c,d!=e` (also `==`); `\,`, `\=` and `\\` escape inside values, as in
 * k8s.io/apimachinery/pkg/fields. Fields are dotted paths into the object.
 */
export function parseFieldSelector(input: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === "\\" && i + 1 < input.length) {
      cur += c + (input[i + 1] as string);
      i++;
    } else if (c === ",") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  if (input.trim() !== "") {
    for (const part of parts) {
      const m = /^([^=!\\]+?)\s*(==|!=|=)(.*)$/.exec(part.trim());
      if (!m)
        throw new SelectorError(
          input,
          `field requirement ${JSON.stringify(part)} is not field=value or field!=value`,
        );
      const field = (m[1] as string).trim();
      const raw = m[3] as string;
      if (raw.replace(/\\./g, "").includes("="))
        throw new SelectorError(
          input,
          `field requirement ${JSON.stringify(part)}: unescaped '=' in the value`,
        );
      const value = raw.replace(/\\(.)/g, "$1");
      reqs.push({ field, operator: m[2] === "!=" ? "!=" : "=", value });
    }
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
