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

  it.each([
    ["app=web,,", "expected a label key"],
    ["app=web,", "trailing ','"],
    ["app in web", "expected '('"],
    ["app in ()", "needs at least one value"],
    ["app in (a b)", "expected ',' or ')'"],
    ["=web", "expected a label key"],
    ["app web", "unexpected"],
    ["app=web tier=x", "expected ','"],
    ["ver>x", "must be an integer"],
    ["-bad=1", "label key"],
    ["app=-bad", "label value"],
    [`${"a".repeat(64)}=1`, "label key"],
    ["Bad_Prefix.com/x=1", "prefix must be a DNS subdomain"],
  ])("%j is refused naming the rule (%s)", (sel, rule) => {
    const err = (() => {
      try {
        parseLabelSelector(sel);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SelectorError);
    expect((err as SelectorError).code).toBe("InvalidSelector");
    expect((err as Error).message).toContain(rule);
  });

  it.each([
    ["app=web", "app=web"],
    ["app==web", "app=web"],
    ["app in (b,a,a)", "app in (a,b)"],
    ["!x,y,ver>1,ver<9,z notin (q)", "!x,y,ver>1,ver<9,z notin (q)"],
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
    [{ matchExpressions: [{ key: "a", operator: "In" as const, values: [] }] }, "matchExpressions[0].values"],
    [
      { matchExpressions: [{ key: "a", operator: "Exists" as const, values: ["x"] }] },
      "must be empty for Exists",
    ],
    [
      { matchExpressions: [{ key: "a", operator: "Gt" as "In", values: ["1"] }] },
      "matchExpressions[0].operator",
    ],
    [{ matchLabels: { "bad key": "x" } }, "matchLabels"],
  ])("refuses %j naming %s", (sel, field) => {
    expect(() => selectorFromLabelSelector(sel)).toThrow(field);
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

  it.each(["metadata.name", "=x", "a=b=c"])("refuses %j", (sel) => {
    expect(() => parseFieldSelector(sel)).toThrow(SelectorError);
  });

  it("fieldValue stringifies scalars and walks paths", () => {
    expect(fieldValue({ a: { b: 3 } }, "a.b")).toBe("3");
    expect(fieldValue({ a: { b: true } }, "a.b")).toBe("true");
    expect(fieldValue({ a: null }, "a.b")).toBe("");
  });
});
