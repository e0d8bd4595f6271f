import { describe, expect, it } from "vitest";
import {
  fieldValue,
  nothingSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  selectorFromLabelSelector,
  selectorFromLabels,
} from "../src/index.js";

const L = { app: "web", tier: "front", ver: "3", empty: "" };

describe("parseLabelSelector matches as kubectl's selectors do", () => {
  it.each([
    ["", L, true],
    ["app=web", L, true],
    ["app==web", L, true],
    ["app=db", L, false],
    ["app!=db", L, true],
    ["app!=web", L, false],
    ["missing!=x", L, true],
    ["app in (web,db)", L, true],
    ["app in (db)", L, false],
    ["missing in (x)", L, false],
    ["app notin (db, cache)", L, true],
    ["app notin (web)", L, false],
    ["missing notin (x)", L, true],
    ["app", L, true],
    ["missing", L, false],
    ["!missing", L, true],
    ["!app", L, false],
    ["ver>2", L, true],
    ["ver>3", L, false],
    ["ver<4", L, true],
    ["app>1", L, false],
    ["empty=", L, true],
    ["empty=,app=web", L, true],
    ["app=web,tier=front", L, true],
    ["app=web,tier=back", L, false],
    [" app = web , tier in ( front , back ) ", L, true],
    ["example.com/role=x", { "example.com/role": "x" }, true],
    ["app=web", undefined, false],
    ["!app", undefined, true],
  ] as const)("%j on %j is %s", (sel, labels, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  const keyRule =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const valueRule =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  // kube-apiserver v1.37.2's answers, word for word (test/contract/selectors.test.ts asks it).
  it.each([
    ["app=web,,", "found ',', expected: identifier after ','"],
    ["app=web,", "found '', expected: identifier after ','"],
    ["app in web", "unable to parse requirement: found 'web' expected: '('"],
    ["app in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ["=web", "found '=', expected: !, identifier, or 'end of string'"],
    ["app web", "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
    ["app=web tier=x", "found 'tier', expected: ',' or 'end of string'"],
    [
      "ver>x",
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ["-bad=1", `unable to parse requirement: <nil>: Invalid value: "-bad": ${keyRule}`],
    ["app=-bad", `unable to parse requirement: values[0][app]: Invalid value: "-bad": ${valueRule}`],
    [
      `${"a".repeat(64)}=1`,
      `unable to parse requirement: <nil>: Invalid value: "${"a".repeat(64)}": name part must be no more than 63 bytes`,
    ],
    [
      "a in (-b,-c)",
      `unable to parse requirement: [values[0][a]: Invalid value: "-b": ${valueRule}, values[1][a]: Invalid value: "-c": ${valueRule}]`,
    ],
    ["!", "unable to parse requirement: found '', expected: identifier"],
  ])("%j is refused with kube-apiserver's message", (sel, message) => {
    const err = (() => {
      try {
        parseLabelSelector(sel);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SelectorError);
    expect((err as SelectorError).code).toBe("InvalidSelector");
    expect((err as Error).message).toBe(message);
  });

  it.each([
    ["a>1", { a: "2" }, true],
    ["a>1", { a: "1" }, false],
    ["a<1", { a: "-5" }, true],
    ["a>1", { a: "x" }, false],
    ["a in ()", { a: "" }, true],
    ["a in (x,)", { a: "" }, true],
    ["in", { in: "" }, true],
    ["a in (in)", { a: "in" }, true],
  ] as const)("%j on %j is %s (Gt/Lt, empty values, keywords as names)", (sel, labels, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  it.each([
    ["app=web", "app=web"],
    ["app==web", "app=web"],
    ["app in (b,a,a)", "app in (a,b)"],
    // Sorted by key, as labels.Parse sorts the requirements.
    ["!x,y,ver>1,ver<9,z notin (q)", "ver>1,ver<9,!x,y,z notin (q)"],
  ])("%j prints canonically as %j and parses back the same", (sel, canon) => {
    const s = parseLabelSelector(sel);
    expect(s.toString()).toBe(canon);
    expect(parseLabelSelector(s.toString()).requirements).toEqual(s.requirements);
  });
});

describe("selectorFromLabelSelector (metav1.LabelSelector)", () => {
  it.each([
    [undefined, L, false],
    [{}, L, true],
    [{ matchLabels: { app: "web" } }, L, true],
    [{ matchLabels: { app: "db" } }, L, false],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] }, L, true],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, L, false],
    [{ matchExpressions: [{ key: "app", operator: "Exists" }] }, L, true],
    [{ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, L, false],
  ] as const)("%j on labels is %s", (sel, labels, want) => {
    expect(selectorFromLabelSelector(sel).matches(labels)).toBe(want);
  });

  it("undefined is the nothing selector, {} selects everything", () => {
    expect(selectorFromLabelSelector(undefined)).toBe(nothingSelector);
    expect(selectorFromLabelSelector({}).empty).toBe(true);
  });

  it.each([
    [
      { matchExpressions: [{ key: "a", operator: "In" as const, values: [] }] },
      "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: "a", operator: "Exists" as const, values: ["x"] }] },
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    [
      { matchExpressions: [{ key: "a", operator: "Gt" as "In", values: ["1"] }] },
      '"Gt" is not a valid label selector operator',
    ],
    [{ matchLabels: { "bad key": "x" } }, 'key: Invalid value: "bad key": name part must consist of'],
  ])("refuses %j as metav1.LabelSelectorAsSelector does", (sel, message) => {
    expect(() => selectorFromLabelSelector(sel)).toThrow(message);
  });

  it("selectorFromLabels formats as a query string sorted by key", () => {
    expect(selectorFromLabels({ b: "2", a: "1" }).toString()).toBe("a=1,b=2");
  });
});

describe("field selectors", () => {
  const pod = {
    metadata: { name: "p1", namespace: "ns" },
    spec: { nodeName: "" },
    status: { phase: "Running" },
  };
  it.each([
    ["", true],
    ["metadata.name=p1", true],
    ["metadata.name==p1", true],
    ["metadata.name!=p1", false],
    ["metadata.namespace=ns,status.phase=Running", true],
    ["status.phase!=Running", false],
    ["spec.nodeName=", true],
    ["spec.nodeName!=", false],
    ["spec.missing=", true],
  ])("%j on a pod is %s", (sel, want) => {
    expect(parseFieldSelector(sel).matches(pod)).toBe(want);
  });

  it("unescapes values and round-trips", () => {
    const s = parseFieldSelector("metadata.name=a\\,b\\=c");
    expect(s.requirements).toEqual([{ field: "metadata.name", operator: "=", value: "a,b=c" }]);
    expect(parseFieldSelector(s.toString()).requirements).toEqual(s.requirements);
  });

  it.each([
    ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ["a=b,c>d", "invalid selector: 'a=b,c>d'; can't understand 'c>d'"],
    ["a=b=c", "invalid field selector: unescaped character in value: 61"],
    ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
  ])("refuses %j with kube-apiserver's message", (sel, message) => {
    expect(() => parseFieldSelector(sel)).toThrow(new SelectorError(sel, message));
  });

  it("a term with neither field nor value selects everything (ParseSelector drops it)", () => {
    expect(parseFieldSelector("==").empty).toBe(true);
    expect(parseFieldSelector("a=b,!=").requirements).toEqual([{ field: "a", operator: "=", value: "b" }]);
  });

  it("a transform (the server's field-label conversion) rewrites or refuses each term, after parsing, in sorted order", () => {
    const known = (field: string, value: string) =>
      field === "spec.host"
        ? { field: "spec.nodeName", value }
        : field === "b"
          ? { field, value }
          : `field label not supported: ${field}`;
    expect(parseFieldSelector("spec.host=n1,b=2", known).requirements).toEqual([
      { field: "b", operator: "=", value: "2" },
      { field: "spec.nodeName", operator: "=", value: "n1" },
    ]);
    expect(() => parseFieldSelector("z=1,y=2", known)).toThrow(
      new SelectorError("z=1,y=2", "field label not supported: y"),
    );
    // A syntax error anywhere comes before any conversion error.
    expect(() => parseFieldSelector("a=1,z>2", known)).toThrow("can't understand 'z>2'");
  });

  it("splits at the first operator and trims nothing; empty terms are skipped", () => {
    expect(parseFieldSelector(",a = b,").requirements).toEqual([{ field: "a ", operator: "=", value: " b" }]);
    expect(parseFieldSelector("x==y").requirements).toEqual([{ field: "x", operator: "=", value: "y" }]);
  });

  it("fieldValue stringifies scalars and walks paths", () => {
    expect(fieldValue({ a: { b: 3 } }, "a.b")).toBe("3");
    expect(fieldValue({ a: { b: true } }, "a.b")).toBe("true");
    expect(fieldValue({ a: null }, "a.b")).toBe("");
  });
});
