// validateObjectMeta with each kind's name rule and the core finalizer rule: the one ObjectMeta
// check the API server and the webhook share. Messages are kube-apiserver v1.37.2's (the same
// cases run against it in test/contract/object-meta.test.ts).
import { describe, expect, it } from "vitest";
import { formatFieldError } from "../../src/field-errors.js";
import {
  FieldPath,
  type NameValidator,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  type ObjectMetaOptions,
} from "../../src/validation/apimachinery.js";
import { validateObjectMeta } from "../../src/validation/index.js";

const check = (meta: unknown, opts: Partial<ObjectMetaOptions> = {}): string[] =>
  validateObjectMeta(meta, FieldPath.root("metadata"), { requiresNamespace: false, ...opts }).map(
    formatFieldError,
  );

describe("name rules (ValidateNameFunc)", () => {
  it.each<[string, NameValidator, string, boolean, string[]]>([
    ["subdomain", nameIsDNSSubdomain, "a.b", false, []],
    ["subdomain prefix masks a trailing dash", nameIsDNSSubdomain, "a_-", true, []],
    [
      "subdomain prefix keeps other characters",
      nameIsDNSSubdomain,
      "Bad_",
      true,
      ["a lowercase RFC 1123 subdomain"],
    ],
    ["label refuses dots", nameIsDNSLabel, "a.b-", true, ["must not contain dots"]],
    ["path segment", nameIsPathSegment, "grove.io:pcs:x", false, []],
    ["path segment '..'", nameIsPathSegment, "..", false, ["may not be '..'"]],
    ["path segment prefix '..' is fine", nameIsPathSegment, "..", true, []],
    [
      "path segment '/' and '%'",
      nameIsPathSegment,
      "a/%",
      false,
      ["may not contain '/'", "may not contain '%'"],
    ],
  ])("%s", (_, fn, name, prefix, want) => {
    const got = fn(name, prefix);
    expect(got).toHaveLength(want.length);
    for (const [i, w] of want.entries()) expect(got[i]).toContain(w);
  });
});

describe("validateObjectMeta", () => {
  it("checks generateName and name by the kind's rule", () => {
    expect(check({ generateName: "a.b-", name: "a.b-xyz12" }, { nameFn: nameIsDNSLabel })).toEqual([
      'metadata.generateName: Invalid value: "a.b-": must not contain dots',
      'metadata.name: Invalid value: "a.b-xyz12": must not contain dots',
    ]);
  });

  it("applies the core finalizer rule only when asked", () => {
    const meta = { name: "a", finalizers: ["plain", "kubernetes", "example.com/x"] };
    expect(check(meta)).toEqual([]);
    expect(check(meta, { kubeFinalizers: true })).toEqual([
      'metadata.finalizers[0]: Invalid value: "plain": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it("refuses orphan with foregroundDeletion, and finalizers that are not strings", () => {
    expect(check({ name: "a", finalizers: ["orphan", "foregroundDeletion"] })).toEqual([
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
    expect(check({ name: "a", finalizers: [1] })).toEqual([
      "metadata.finalizers: Invalid value: [1]: must be a list of strings",
    ]);
  });

  it("checks owner references", () => {
    expect(
      check({ name: "a", ownerReferences: [{ apiVersion: "apps/", kind: "K", name: "n", uid: "u" }, {}] }),
    ).toEqual([
      'metadata.ownerReferences[0].apiVersion: Invalid value: "apps/": must be <group>/<version> or <version>',
      "metadata.ownerReferences[1].apiVersion: Required value: must not be empty",
      "metadata.ownerReferences[1].kind: Required value: must not be empty",
      "metadata.ownerReferences[1].name: Required value: must not be empty",
      "metadata.ownerReferences[1].uid: Required value: must not be empty",
    ]);
  });

  it("counts the annotation size limit in bytes", () => {
    expect(check({ name: "a", annotations: { a: "é".repeat(131_072) } })).toEqual([
      "metadata.annotations: Too long: may not be more than 262144 bytes",
    ]);
    expect(check({ name: "a", annotations: { a: "e".repeat(131_072) } })).toEqual([]);
  });

  it("refuses labels and annotations that are not maps", () => {
    expect(check({ name: "a", labels: "x" })).toEqual([
      'metadata.labels: Invalid value: "x": must be a map of string keys to string values',
    ]);
  });
});
