// Kubernetes-style field errors (k8s.io/apimachinery/pkg/util/validation/field): every rejection
// names the field path it is about, e.g. `spec.template.cliques[1].spec.startsAfter[0]`.

export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueDuplicate"
  | "FieldValueNotFound"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueTypeInvalid"
  | "InternalError";

export interface FieldError {
  /** Dotted path with list indices, as Kubernetes prints it: `spec.template.cliques[1].name`. */
  field: string;
  type: FieldErrorType;
  value?: unknown;
  message: string;
}

/** Builds field paths the way apimachinery's field.Path does. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  child(...names: string[]): FieldPath {
    return new FieldPath([this.text, ...names].filter((s) => s !== "").join("."));
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

const make =
  (type: FieldErrorType) =>
  (path: FieldPath | string, message: string, value?: unknown): FieldError => {
    const e: FieldError = { field: String(path), type, message };
    if (value !== undefined) e.value = value;
    return e;
  };

/** field.Required: no value shown; `detail` only when there is one ("" in apimachinery's default). */
export const fieldRequired = (path: FieldPath | string, detail = ""): FieldError =>
  make("FieldValueRequired")(path, detail);
export const fieldInvalid = make("FieldValueInvalid");
/** field.Duplicate: the value, never a detail. */
export const fieldDuplicate = (path: FieldPath | string, value: unknown): FieldError =>
  make("FieldValueDuplicate")(path, "", value);
export const fieldNotFound = make("FieldValueNotFound");
export const fieldForbidden = make("FieldValueForbidden");
export const fieldTooLong = make("FieldValueTooLong");
export const fieldNotSupported = (
  path: FieldPath | string,
  value: unknown,
  supported: readonly string[],
): FieldError =>
  make("FieldValueNotSupported")(
    path,
    supported.length ? `supported values: ${supported.map(goQuote).join(", ")}` : "",
    value,
  );

const typeWords: Record<FieldErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueNotFound: "Not found",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueTypeInvalid: "Invalid value",
  InternalError: "Internal error",
};

/** The types whose text never shows the bad value (field.Error.ErrorBody's first case). */
const valueHidden = new Set<FieldErrorType>([
  "FieldValueRequired",
  "FieldValueForbidden",
  "FieldValueTooLong",
  "InternalError",
]);

/** Go's strconv.Quote (fmt's %q) for a string: how apimachinery prints a string value. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff)
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** How field.Error prints a bad value: %v for numbers and booleans, %q for strings, JSON otherwise. */
function valueText(v: unknown): string {
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v ?? null) ?? "null";
}

/**
 * apimachinery's field.Error.ErrorBody(): the type's words, the bad value where the type shows one
 * (`undefined` stands for field.OmitValue), then `: detail` when there is a detail. This is the
 * message of a Status cause.
 */
export function fieldErrorBody(e: FieldError): string {
  let s = typeWords[e.type] ?? `<unknown error ${goQuote(e.type)}>`;
  if (!valueHidden.has(e.type) && e.value !== undefined) s += `: ${valueText(e.value)}`;
  return e.message ? `${s}: ${e.message}` : s;
}

/** field.Error.Error(): `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/**
 * ErrorList.ToAggregate().Error(): the distinct lines, one as is, several as `[a, b]`; what
 * kube-apiserver puts after `<Kind> "<name>" is invalid: `.
 */
export function formatFieldErrors(errs: readonly FieldError[]): string {
  const lines = [...new Set(errs.map(formatFieldError))];
  return lines.length === 1 ? (lines[0] as string) : `[${lines.join(", ")}]`;
}
