// An independent checker of a PlacementResult against its PlacementProblem: every rule of the
// contract a result can break. It shares no code with the solver on purpose.
import type { Quantity, RConstraint, RGroup, RNode, RProblem, RRequirement, RResult } from "./contract.js";

const SUFFIX: Record<string, bigint> = {
  n: -9n,
  u: -6n,
  m: -3n,
  "": 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
};
const BINARY: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };

/** A quantity in thousandths, rounded up (as Kubernetes rounds to milli precision). */
export function milli(q: Quantity): bigint {
  const s = typeof q === "number" ? String(q) : q.trim();
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(s);
  if (!m) throw new Error(`malformed quantity ${JSON.stringify(q)}`);
  const [, sign, num = "", exp, suffix = ""] = m;
  const [int = "", frac = ""] = num.split(".");
  let mant = BigInt((int || "0") + frac);
  let pow10 = -BigInt(frac.length) + 3n;
  let pow2 = 0n;
  if (exp) pow10 += BigInt(exp.slice(1));
  else if (suffix in BINARY) pow2 = BINARY[suffix] as bigint;
  else pow10 += SUFFIX[suffix] as bigint;
  mant <<= pow2;
  let v: bigint;
  if (pow10 >= 0n) v = mant * 10n ** pow10;
  else {
    const d = 10n ** -pow10;
    v = (mant + d - 1n) / d;
  }
  return sign === "-" ? -v : v;
}

function tolerated(node: RNode, group: RGroup): boolean {
  for (const t of node.taints ?? []) {
    if (t.effect !== "NoSchedule" && t.effect !== "NoExecute") continue;
    const ok = (group.tolerations ?? []).some((tol) => {
      if (tol.effect && tol.effect !== t.effect) return false;
      const op = tol.operator ?? "Equal";
      if (!tol.key) return op === "Exists";
      if (tol.key !== t.key) return false;
      return op === "Exists" || (tol.value ?? "") === (t.value ?? "");
    });
    if (!ok) return false;
  }
  return true;
}

function requirementHolds(req: RRequirement, value: string | undefined): boolean {
  const vals = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && vals.includes(value);
    case "NotIn":
      return value === undefined || !vals.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const a = Number(value);
      const b = Number(vals[0]);
      return req.operator === "Gt" ? a > b : a < b;
    }
  }
}

function affinityHolds(node: RNode, group: RGroup): boolean {
  const terms =
    group.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const labels = node.labels ?? {};
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((e) => requirementHolds(e, labels[e.key])) &&
      fields.every((e) => requirementHolds(e, e.key === "metadata.name" ? node.name : undefined))
    );
  });
}

/** Why `node` may not take a pod of `group`, or null when it may (capacity aside). */
export function nodeRejects(node: RNode, group: RGroup): string | null {
  if (node.unschedulable) return "is cordoned";
  if (!tolerated(node, group)) return "has a taint the group does not tolerate";
  for (const [k, v] of Object.entries(group.nodeSelector ?? {}))
    if (node.labels?.[k] !== v) return `fails nodeSelector ${k}=${v}`;
  if (!affinityHolds(node, group)) return "fails the required node affinity";
  return null;
}

/**
 * Every violation of the contract by `result` for `problem`; empty when the result is valid.
 * Checks names and order, all-or-nothing on minCount, count bounds, reasons, node eligibility
 * (cordon, taints, nodeSelector, affinity), capacity in every resource including `pods`, and every
 * `required` constraint at gang, sub-group and group level.
 */
export function verifyPlacement(problem: RProblem, result: RResult): string[] {
  const out: string[] = [];
  const levels = problem.topology?.levels ?? [];
  const byName = new Map(problem.nodes.map((n) => [n.name, n]));
  const used = new Map<string, Map<string, bigint>>();
  if (!result || !Array.isArray(result.gangs)) return ["result.gangs is not an array"];
  if (result.gangs.length !== problem.gangs.length)
    out.push(`result has ${result.gangs.length} gangs, the problem ${problem.gangs.length}`);

  const domainOf = (node: RNode, level: number): string | null => {
    const parts: string[] = [];
    for (let l = 0; l <= level; l++) {
      const v = node.labels?.[(levels[l] as { key: string }).key];
      if (v === undefined) return null;
      parts.push(v);
    }
    return parts.join("\u0000");
  };
  const checkConstraint = (what: string, c: RConstraint | undefined, nodes: RNode[]) => {
    if (!c?.required || nodes.length === 0) return;
    const level = levels.findIndex((l) => l.domain === c.required);
    if (level < 0) return void out.push(`${what}: unknown domain ${c.required}`);
    const doms = new Set(nodes.map((n) => domainOf(n, level)));
    if (doms.has(null)) out.push(`${what}: required ${c.required} but a node lacks the ${c.required} label`);
    else if (doms.size > 1)
      out.push(`${what}: required ${c.required} but pods span ${doms.size} ${c.required}s`);
  };

  problem.gangs.forEach((gang, k) => {
    const res = result.gangs[k];
    if (!res) return;
    const where = `gang ${gang.name}`;
    if (res.name !== gang.name) out.push(`gangs[${k}]: name ${res.name}, expected ${gang.name}`);
    if (!res.placed) {
      if (typeof res.reason !== "string" || res.reason.length === 0)
        out.push(`${where}: unplaced without a reason`);
      if (res.groups.some((g) => g.nodes.length > 0)) out.push(`${where}: unplaced but has placed pods`);
      return;
    }
    if (res.reason !== null) out.push(`${where}: placed but reason is ${JSON.stringify(res.reason)}`);
    if (res.groups.length !== gang.groups.length)
      out.push(`${where}: ${res.groups.length} groups in the result, ${gang.groups.length} in the problem`);
    const podsOf = new Map<string, RNode[]>();
    gang.groups.forEach((group, gi) => {
      const rg = res.groups[gi];
      if (!rg) return;
      const gw = `${where} group ${group.name}`;
      if (rg.name !== group.name) out.push(`${where}: groups[${gi}] is ${rg.name}, expected ${group.name}`);
      const min = group.minCount ?? group.count;
      if (rg.nodes.length < min) out.push(`${gw}: ${rg.nodes.length} pods placed, minCount ${min}`);
      if (rg.nodes.length > group.count)
        out.push(`${gw}: ${rg.nodes.length} pods placed, count ${group.count}`);
      const nodes: RNode[] = [];
      for (const nn of rg.nodes) {
        const node = byName.get(nn);
        if (!node) {
          out.push(`${gw}: unknown node ${nn}`);
          continue;
        }
        nodes.push(node);
        const why = nodeRejects(node, group);
        if (why) out.push(`${gw}: node ${nn} ${why}`);
        const u = used.get(nn) ?? new Map<string, bigint>();
        used.set(nn, u);
        u.set("pods", (u.get("pods") ?? 0n) + 1000n);
        for (const [res, q] of Object.entries(group.requests ?? {})) {
          if (res === "pods") continue;
          u.set(res, (u.get(res) ?? 0n) + milli(q));
        }
      }
      podsOf.set(group.name, nodes);
      checkConstraint(gw, group.constraint, nodes);
    });
    for (const sg of gang.subGroups ?? [])
      checkConstraint(
        `${where} sub-group ${sg.name}`,
        sg.constraint,
        sg.groups.flatMap((g) => podsOf.get(g) ?? []),
      );
    checkConstraint(where, gang.constraint, [...podsOf.values()].flat());
    (gang.domainCaps ?? []).forEach((c, ci) => {
      const per = new Map<string, number>();
      for (const n of c.groups.flatMap((g) => podsOf.get(g) ?? [])) {
        const v = n.labels?.[c.key];
        if (v === undefined) {
          if (c.unlabeled === "none")
            out.push(`${where} domainCaps[${ci}]: a pod on ${n.name}, without ${c.key}`);
          continue;
        }
        per.set(v, (per.get(v) ?? 0) + 1);
      }
      for (const [v, n] of per) {
        const max = c.domains?.[v] ?? c.max;
        if (max !== undefined && n > max)
          out.push(`${where} domainCaps[${ci}]: ${n} pods in ${c.key}=${v}, at most ${max}`);
      }
    });
  });

  for (const [name, u] of used) {
    const node = byName.get(name) as RNode;
    for (const [res, amount] of u) {
      if (amount === 0n) continue;
      const cap = node.allocatable[res] === undefined ? 0n : milli(node.allocatable[res]);
      const pre = node.allocated?.[res] === undefined ? 0n : milli(node.allocated[res]);
      if (pre + amount > cap)
        out.push(`node ${name}: ${res} over capacity (${pre} + ${amount} > ${cap} milli)`);
    }
  }
  return out;
}
