// The CEL subset of DRA device selectors the gang scheduler evaluates (README "Dynamic resource
// allocation"): comparisons (== != < <= > >=) of `device.driver`,
// `device.attributes["<domain>"].<name>`, `device.capacity["<domain>"].<name>` with string, int and
// bool literals and `quantity("<q>")`, joined by `&&`, `||`, `!` and parentheses. Anything else is
// refused at compile time with UnsupportedSelectorError naming the expression, so a claim using it
// stays unallocated with a reason instead of being matched wrongly. A device lacking the attribute
// does not match (kube-scheduler reports a runtime error there; either way it is not allocated).
import { parseQuantity } from "@grove-ts/placement";

/** A device as selectors see it: its driver, attributes and capacities by qualified name. */
export interface SelectorDevice {
  driver: string;
  /** `<domain>/<name>` -> value (unqualified names in a slice belong to the driver's domain). */
  attributes: Map<string, string | number | boolean>;
  /** `<domain>/<name>` -> milli-units. */
  capacity: Map<string, number>;
}

export class UnsupportedSelectorError extends Error {
  constructor(
    readonly expression: string,
    detail: string,
  ) {
    super(`CEL selector ${JSON.stringify(expression)} is not supported by grove-scheduler: ${detail}`);
    this.name = "UnsupportedSelectorError";
  }
}

type Val = string | number | boolean | { q: number } | undefined;
type Fn = (d: SelectorDevice) => Val;

const TOKEN =
  /\s*(?:(\d+)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|&&|\|\||[<>!().[\]]))/y;

interface Tok {
  kind: "num" | "str" | "id" | "op";
  text: string;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`unexpected input at offset ${at}: ${JSON.stringify(src.slice(at, at + 12))}`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ kind: "num", text: m[1] });
    else if (m[2] !== undefined) out.push({ kind: "str", text: m[2].replace(/\\(.)/g, "$1") });
    else if (m[3] !== undefined) out.push({ kind: "str", text: m[3].replace(/\\(.)/g, "$1") });
    else if (m[4] !== undefined) out.push({ kind: "id", text: m[4] });
    else out.push({ kind: "op", text: m[5] ?? "" });
  }
  return out;
}

const num = (v: Val): number | undefined =>
  typeof v === "number" ? v : typeof v === "object" && v !== null ? v.q : undefined;

function compare(op: string, a: Val, b: Val): boolean {
  if (a === undefined || b === undefined) return false;
  const x = typeof a === "object" || typeof a === "number" ? num(a) : a;
  const y = typeof b === "object" || typeof b === "number" ? num(b) : b;
  if (typeof x !== typeof y || x === undefined || y === undefined) return false;
  switch (op) {
    case "==":
      return x === y;
    case "!=":
      return x !== y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private eat(text: string): boolean {
    const t = this.peek();
    if (t && t.kind !== "str" && t.text === text) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.eat(text)) throw new Error(`expected "${text}" at token ${this.i + 1}`);
  }

  or(): Fn {
    let l = this.and();
    while (this.eat("||")) {
      const a = l;
      const b = this.and();
      l = (d) => a(d) === true || b(d) === true;
    }
    return l;
  }

  private and(): Fn {
    let l = this.unary();
    while (this.eat("&&")) {
      const a = l;
      const b = this.unary();
      l = (d) => a(d) === true && b(d) === true;
    }
    return l;
  }

  private unary(): Fn {
    if (this.eat("!")) {
      const f = this.unary();
      return (d) => {
        const v = f(d);
        return typeof v === "boolean" ? !v : undefined;
      };
    }
    const l = this.primary();
    const t = this.peek();
    if (t?.kind === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(t.text)) {
      this.i++;
      const r = this.primary();
      return (d) => compare(t.text, l(d), r(d));
    }
    return l;
  }

  private primary(): Fn {
    const t = this.peek();
    if (!t) throw new Error("unexpected end of expression");
    this.i++;
    if (t.kind === "op" && t.text === "(") {
      const e = this.or();
      this.expect(")");
      return e;
    }
    if (t.kind === "num") {
      const n = Number(t.text);
      return () => n;
    }
    if (t.kind === "str") return () => t.text;
    if (t.kind === "id" && (t.text === "true" || t.text === "false")) {
      const b = t.text === "true";
      return () => b;
    }
    if (t.kind === "id" && t.text === "quantity") {
      this.expect("(");
      const s = this.peek();
      if (s?.kind !== "str") throw new Error("quantity() takes a string literal");
      this.i++;
      this.expect(")");
      const q = parseQuantity(s.text, "quantity()");
      return () => ({ q });
    }
    if (t.kind === "id" && t.text === "device") return this.device();
    throw new Error(`unsupported token ${JSON.stringify(t.text)}`);
  }

  private device(): Fn {
    this.expect(".");
    const field = this.peek();
    this.i++;
    if (field?.kind === "id" && field.text === "driver") return (d) => d.driver;
    if (field?.kind !== "id" || (field.text !== "attributes" && field.text !== "capacity"))
      throw new Error(`unsupported device field ${JSON.stringify(field?.text)}`);
    this.expect("[");
    const domain = this.peek();
    if (domain?.kind !== "str") throw new Error(`device.${field.text}[...] takes a string domain`);
    this.i++;
    this.expect("]");
    let name: string | undefined;
    if (this.eat(".")) {
      const n = this.peek();
      if (n?.kind === "id") name = n.text;
      this.i++;
    } else if (this.eat("[")) {
      const n = this.peek();
      if (n?.kind === "str") name = n.text;
      this.i++;
      this.expect("]");
    }
    if (!name) throw new Error(`device.${field.text}["${domain.text}"] needs an attribute name`);
    const key = `${domain.text}/${name}`;
    if (field.text === "attributes") return (d) => d.attributes.get(key);
    return (d) => {
      const v = d.capacity.get(key);
      return v === undefined ? undefined : { q: v };
    };
  }
}

const compiled = new Map<string, (d: SelectorDevice) => boolean>();

/** The predicate of one selector expression; throws UnsupportedSelectorError outside the subset. */
export function compileSelector(expression: string): (d: SelectorDevice) => boolean {
  const hit = compiled.get(expression);
  if (hit) return hit;
  let fn: Fn;
  try {
    const p = new Parser(tokenize(expression));
    fn = p.or();
    if (!p.done()) throw new Error("unexpected trailing input");
  } catch (err) {
    throw new UnsupportedSelectorError(expression, (err as Error).message);
  }
  const pred = (d: SelectorDevice) => fn(d) === true;
  if (compiled.size > 1000) compiled.clear();
  compiled.set(expression, pred);
  return pred;
}
