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

export const fieldRequired = (path: FieldPath | string, message = "Required value"): FieldError =>
  make("FieldValueRequired")(path, message);
export const fieldInvalid = make("FieldValueInvalid");
export const fieldDuplicate = (
  path: FieldPath | string,
  value: unknown,
  message = "Duplicate value",
): FieldError => make("FieldValueDuplicate")(path, message, value);
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
    `supported values: ${supported.map((s) => `"${s}"`).join(", ")}`,
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

/** One line as kube-apiserver words it: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function formatFieldError(e: FieldError): string {
  const words = typeWords[e.type];
  const value = e.value === undefined ? "" : ` ${JSON.stringify(e.value)}:`;
  const message = e.message === words ? "" : ` ${e.message}`;
  return `${e.field}: ${words}:${value}${message}`.replace(/:$/, "");
}
