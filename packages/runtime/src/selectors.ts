// Label selectors in the string form kubectl and client-go send (?labelSelector=) and as
// metav1.LabelSelector, parsed once and matched many times (field selectors: field-selectors.ts).
// The one parser: the informer cache and the API server both use it, so they agree on what matches
// and on what is refused. It follows k8s.io/apimachinery/pkg/labels (selector.go) token for token,
// and a SelectorError's message is the text kube-apiserver answers a bad selector with
// (400 BadRequest); test/contract/selectors.test.ts checks it against kube-apiserver.

import {
  type FieldError,
  fieldInvalid,
  formatFieldErrors,
  isLabelKey,
  isValidLabelValue,
} from "@grove-ts/api";

export class SelectorError extends Error {
  readonly code = "InvalidSelector";
  /** `message` is kube-apiserver's own text for the same selector. */
  constructor(
    readonly selector: string,
    message: string,
  ) {
    super(message);
    this.name = "SelectorError";
  }
}

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  key: string;
  operator: LabelOperator;
  /** One value for = and !=, a sorted set for in/notin, one integer string for gt/lt, none otherwise. */
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

/** Why `key` is not a valid label key (content.IsLabelKey's messages, "; "-joined), or undefined. */
export function labelKeyError(key: string): string | undefined {
  const errs = isLabelKey(key);
  return errs.length ? errs.join("; ") : undefined;
}

/** Why `value` is not a valid label value (content.IsLabelValue's messages), or undefined. */
export function labelValueError(value: string): string | undefined {
  const errs = isValidLabelValue(value);
  return errs.length ? errs.join("; ") : undefined;
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, within int64. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < int64Min || n > int64Max ? undefined : n;
}

function matchRequirement(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? (labels as Record<string, string>)[r.key] : undefined;
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(v as string);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      const n = has ? parseInt64(v as string) : undefined;
      const bound = parseInt64(r.values[0] as string);
      if (n === undefined || bound === undefined) return false;
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

// ---- the label-selector lexer and parser (labels/selector.go) ----

type Tok = "error" | "end" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";

const literalTokens: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [")", ")"],
  [",", ","],
  ["!", "!"],
  ["==", "=="],
  ["=", "="],
  [">", ">"],
  ["in", "in"],
  ["<", "<"],
  ["!=", "!="],
  ["notin", "notin"],
  ["(", "("],
]);

interface Scanned {
  tok: Tok;
  lit: string;
}

const isWhitespace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string): boolean => "=!(),><".includes(c);

/** Lexer.Lex over the whole input: identifiers, keywords and operators, ending with "end". */
function scan(input: string): Scanned[] {
  const out: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] as string)) pos++;
    if (pos >= input.length) {
      out.push({ tok: "end", lit: "" });
      return out;
    }
    if (isSpecial(input[pos] as string)) {
      // The longest run of special characters that is still an operator ("!=", "==", "=").
      let buffer = "";
      let last: Scanned | undefined;
      while (pos < input.length && isSpecial(input[pos] as string)) {
        buffer += input[pos];
        pos++;
        const t = literalTokens.get(buffer);
        if (t !== undefined) last = { tok: t, lit: buffer };
        else if (last !== undefined) {
          pos--;
          break;
        }
      }
      out.push(last ?? { tok: "error", lit: `error expected: keyword found '${buffer}'` });
    } else {
      let j = pos;
      while (j < input.length && !isSpecial(input[j] as string) && !isWhitespace(input[j] as string)) j++;
      const lit = input.slice(pos, j);
      pos = j;
      out.push({ tok: literalTokens.get(lit) ?? "id", lit });
    }
  }
}

class ParseError extends Error {}

const binaryOperators = "in, notin, =, ==, !=, gt, lt";

class LabelParser {
  private readonly items: Scanned[];
  private position = 0;
  constructor(input: string) {
    this.items = scan(input);
  }

  /** In value context the keywords in and notin are plain identifiers. */
  private lookahead(values: boolean): Scanned {
    const it = this.items[this.position] as Scanned;
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "id", lit: it.lit } : it;
  }
  private consume(values: boolean): Scanned {
    const it = this.lookahead(values);
    this.position++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === "id" || tok === "!") {
        try {
          reqs.push(this.parseRequirement());
        } catch (e) {
          if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        const t = this.consume(true);
        if (t.tok === "end") return reqs;
        if (t.tok === ",") {
          const t2 = this.lookahead(true);
          if (t2.tok !== "id" && t2.tok !== "!")
            throw new ParseError(`found '${t2.lit}', expected: identifier after ','`);
        } else throw new ParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
      } else if (tok === "end") return reqs;
      else throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private parseRequirement(): Requirement {
    let doesNotExist = false;
    let t = this.consume(true);
    if (t.tok === "!") {
      doesNotExist = true;
      t = this.consume(true);
    }
    if (t.tok !== "id") throw new ParseError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isLabelKey(key);
    // validateLabelKey with the parser's (nil) field path, which prints as "<nil>".
    if (keyErrs.length)
      throw new ParseError(formatFieldErrors([fieldInvalid("<nil>", keyErrs.join("; "), key)]));
    const next = this.lookahead(true).tok;
    if (doesNotExist || next === "end" || next === ",")
      return newRequirement(key, doesNotExist ? "!" : "exists", []);
    const op = this.consume(false);
    let operator: LabelOperator;
    switch (op.tok) {
      case "in":
      case "notin":
        operator = op.tok;
        break;
      case "=":
      case "==":
        operator = "=";
        break;
      case "!=":
        operator = "!=";
        break;
      case ">":
        operator = "gt";
        break;
      case "<":
        operator = "lt";
        break;
      default:
        throw new ParseError(`found '${op.lit}', expected: ${binaryOperators}`);
    }
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== "(") throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    if (tok === "id" || tok === ",") {
      const s = this.parseIdentifiersList();
      if (this.consume(true).tok !== ")") throw new ParseError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === ")") {
      this.consume(true);
      return new Set([""]);
    }
    throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === "id") {
        s.add(lit);
        const t2 = this.lookahead(true);
        if (t2.tok === ",") continue;
        if (t2.tok === ")") return s;
        throw new ParseError(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (tok === ",") {
        if (s.size === 0) s.add(""); // "(,"
        const t2 = this.lookahead(true).tok;
        if (t2 === ")") {
          s.add(""); // ",)"
          return s;
        }
        if (t2 === ",") s.add(""); // ",,"
        continue;
      }
      throw new ParseError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const t = this.lookahead(true).tok;
    if (t === "end" || t === ",") return new Set([""]);
    const { tok, lit } = this.consume(true);
    if (tok === "id") return new Set([lit]);
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.NewRequirement: the key (unless the parser checked it already), the operator's value
 * rules, then every value a valid label value; all problems at once, as an aggregate.
 */
function newRequirement(
  key: string,
  operator: LabelOperator,
  values: string[],
  checkKey = false,
): Requirement {
  const errs: FieldError[] = [];
  const keyErrs = checkKey ? isLabelKey(key) : [];
  if (keyErrs.length) errs.push(fieldInvalid("key", keyErrs.join("; "), key));
  if ((operator === "in" || operator === "notin") && values.length === 0)
    errs.push(fieldInvalid("values", "for 'in', 'notin' operators, values set can't be empty", values));
  if ((operator === "exists" || operator === "!") && values.length !== 0)
    errs.push(fieldInvalid("values", "values set must be empty for exists and does not exist", values));
  if (operator === "gt" || operator === "lt") {
    if (values.length !== 1)
      errs.push(fieldInvalid("values", "for 'Gt', 'Lt' operators, exactly one value is required", values));
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined)
        errs.push(fieldInvalid(`values[${i}]`, "for 'Gt', 'Lt' operators, the value must be an integer", v));
    });
  }
  values.forEach((v, i) => {
    const e = isValidLabelValue(v);
    if (e.length) errs.push(fieldInvalid(`values[${i}][${key}]`, e.join("; "), v));
  });
  if (errs.length) throw new ParseError(formatFieldErrors(errs));
  return { key, operator, values };
}

/**
 * Parses a label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`, comma-separated (all must hold); "" selects everything. Requirements come out sorted
 * by key, as labels.Parse sorts them. Throws a SelectorError with kube-apiserver's message.
 */
export function parseLabelSelector(input: string): Selector {
  try {
    const reqs = new LabelParser(input).parse();
    return new RequirementsSelector(reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  } catch (e) {
    if (e instanceof ParseError) throw new SelectorError(input, e.message);
    throw e;
  }
}

/**
 * metav1.LabelSelectorAsSelector: undefined selects nothing, {} selects everything. A bad key, value
 * or operator throws a SelectorError worded as apimachinery words it.
 */
export function selectorFromLabelSelector(sel: LabelSelector | undefined | null): Selector {
  if (sel === undefined || sel === null) return nothingSelector;
  const text = JSON.stringify(sel);
  const reqs: Requirement[] = [];
  const add = (key: string, operator: LabelOperator, values: readonly string[]) => {
    try {
      reqs.push(newRequirement(key, operator, [...values].sort(), true));
    } catch (e) {
      if (e instanceof ParseError) throw new SelectorError(text, e.message);
      throw e;
    }
  };
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) add(key, "=", [value]);
  for (const expr of sel.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const)[expr.operator];
    if (op === undefined)
      throw new SelectorError(
        text,
        `${JSON.stringify(expr.operator)} is not a valid label selector operator`,
      );
    add(expr.key, op, expr.values ?? []);
  }
  return new RequirementsSelector(reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
}

/** A selector that requires exactly these labels, e.g. for listing a parent's children. */
export function selectorFromLabels(labels: Readonly<Record<string, string>>): Selector {
  return selectorFromLabelSelector({ matchLabels: { ...labels } });
}
