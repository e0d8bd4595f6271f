// Label selectors (equality- and set-based) and field selectors on arbitrary dotted paths, parsed
// once per request. Parse errors are 400 BadRequest naming the bad term.
import { badRequest } from "./status.js";
import { getPath } from "./util.js";

type LabelReq =
  | { op: "=" | "!="; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] }
  | { op: "exists" | "!exists"; key: string };

export type Matcher = (labels: Record<string, string> | undefined) => boolean;

const keyRe = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

function checkKey(key: string, term: string): string {
  if (!keyRe.test(key))
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${term}"`);
  return key;
}
function checkValue(v: string, term: string): string {
  if (!valueRe.test(v) || v.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value "${v}" in "${term}"`);
  return v;
}

export function parseLabelSelector(text: string | undefined | null): Matcher {
  if (!text) return () => true;
  const reqs: LabelReq[] = [];
  for (const term of splitTerms(text)) {
    let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] as string)
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      for (const v of values) checkValue(v, term);
      reqs.push({ op: m[2] as "in" | "notin", key: checkKey(m[1] as string, term), values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const op = m[2] === "!=" ? "!=" : "=";
      reqs.push({ op, key: checkKey(m[1] as string, term), value: checkValue(m[3] as string, term) });
      continue;
    }
    m = /^(!?)\s*(\S+)$/.exec(term);
    if (m) {
      reqs.push({ op: m[1] ? "!exists" : "exists", key: checkKey(m[2] as string, term) });
      continue;
    }
    throw badRequest(`unable to parse requirement: "${term}"`);
  }
  return (labels) => {
    const l = labels ?? {};
    for (const r of reqs) {
      const has = Object.hasOwn(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case "=":
          if (!has || v !== r.value) return false;
          break;
        case "!=":
          if (has && v === r.value) return false;
          break;
        case "in":
          if (!has || !r.values.includes(v as string)) return false;
          break;
        case "notin":
          if (has && r.values.includes(v as string)) return false;
          break;
        case "exists":
          if (!has) return false;
          break;
        case "!exists":
          if (has) return false;
          break;
      }
    }
    return true;
  };
}

export type ObjectMatcher = (obj: unknown) => boolean;

/** `metadata.name=x,spec.nodeName!=,involvedObject.kind==Pod`: any dotted path, `=`, `==`, `!=`. */
export function parseFieldSelector(text: string | undefined | null): ObjectMatcher {
  if (!text) return () => true;
  const reqs: { path: string; neg: boolean; value: string }[] = [];
  for (const term of splitTerms(text)) {
    const m = /^([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m)
      throw badRequest(`invalid field selector: "${term}": expected path=value, path==value or path!=value`);
    reqs.push({ path: m[1] as string, neg: m[2] === "!=", value: (m[3] as string).trim() });
  }
  return (obj) => {
    for (const r of reqs) {
      const got = getPath(obj, r.path);
      const text = got === undefined || got === null ? "" : String(got);
      if ((text === r.value) === r.neg) return false;
    }
    return true;
  };
}
