// The one field-error formatter, held to apimachinery's field.Error.Error() and ErrorList aggregation
// (k8s.io/apimachinery/pkg/util/validation/field/errors.go, v0.37.2): the API server's 422s, the
// operator's webhooks and grove-validate all print through it.
import { describe, expect, it } from "vitest";
import {
  type FieldError,
  fieldDuplicate,
  fieldErrorBody,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
  formatFieldError,
  formatFieldErrors,
  goQuote,
} from "../src/field-errors.js";
import { validatePodCliqueSet } from "../src/validation/index.js";
import { mutate, validPcs } from "./validation/builders.js";

describe("formatFieldError follows field.Error.Error()", () => {
  it.each<[string, FieldError, string]>([
    ["Required without detail", fieldRequired("spec.name"), "spec.name: Required value"],
    ["Required with detail", fieldRequired("spec.x", "must be set"), "spec.x: Required value: must be set"],
    [
      "Duplicate: the value, no detail",
      fieldDuplicate("spec.levels[1].domain", "zone"),
      'spec.levels[1].domain: Duplicate value: "zone"',
    ],
    ["Invalid string (Go %q)", fieldInvalid("a", "bad", 'x"y'), 'a: Invalid value: "x\\"y": bad'],
    [
      "Invalid number (%v)",
      fieldInvalid("spec.replicas", "must be greater than or equal to 0", -1),
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ],
    ["Invalid bool", fieldInvalid("a", "no", true), "a: Invalid value: true: no"],
    ["Invalid list (JSON)", fieldInvalid("values", "empty", []), "values: Invalid value: []: empty"],
    ["Invalid null (JSON)", fieldInvalid("a", "no", null), "a: Invalid value: null: no"],
    ["Invalid without a value (OmitValue)", fieldInvalid("a", "no"), "a: Invalid value: no"],
    [
      "NotSupported lists quoted values",
      fieldNotSupported("op", "Gt", ["In", "NotIn"]),
      'op: Unsupported value: "Gt": supported values: "In", "NotIn"',
    ],
    ["NotSupported with no list", fieldNotSupported("op", "Gt", []), 'op: Unsupported value: "Gt"'],
    ["Forbidden hides the value", fieldForbidden("a", "not allowed", "v"), "a: Forbidden: not allowed"],
    [
      "TooLong hides the value",
      fieldTooLong("a", "may not be more than 3 bytes", "abcd"),
      "a: Too long: may not be more than 3 bytes",
    ],
  ])("%s", (_, e, want) => {
    expect(formatFieldError(e)).toBe(want);
    expect(fieldErrorBody(e)).toBe(want.slice(e.field.length + 2));
  });

  it("an aggregate is one line as is, several distinct lines in brackets", () => {
    const a = fieldRequired("a");
    const b = fieldInvalid("b", "bad", 1);
    expect(formatFieldErrors([a])).toBe("a: Required value");
    expect(formatFieldErrors([a, a])).toBe("a: Required value");
    expect(formatFieldErrors([a, b, a])).toBe("[a: Required value, b: Invalid value: 1: bad]");
  });

  it.each([
    ["plain", '"plain"'],
    ["é ü", '"é ü"'],
    ["tab\there", '"tab\\there"'],
    ["nul\u0000", '"nul\\x00"'],
    ["del\u007f", '"del\\x7f"'],
    ["back\\slash", '"back\\\\slash"'],
  ])("goQuote(%j) is %s, as Go's %%q", (s, want) => {
    expect(goQuote(s)).toBe(want);
  });

  it("an empty clique name reads `Required value`, once", () => {
    const pcs = mutate(validPcs(), { "spec.template.cliques[0].name": "" });
    const lines = validatePodCliqueSet(pcs).map(formatFieldError);
    expect(lines).toContain("spec.template.cliques[0].name: Required value");
    expect(lines.join("\n")).not.toContain("Required value: Required value");
  });
});
