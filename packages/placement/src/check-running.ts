// Checks a problem's `running` gangs (README "Preemption"): the gangs already running that
// solve() may name as victims when `options.preemption` is on. Shape and quantities only: whether a
// node exists is the caller's view (a pod on an unknown node is ignored, as preempt() does).
import { array, fail, name, object, path, quantities } from "./check-common.js";
import type { RunningGang } from "./types.js";

export function checkRunning(v: unknown, field = "running"): RunningGang[] {
  if (v === undefined || v === null) return [];
  const raw = array(v, field);
  const names = new Set<string>();
  return raw.map((gv, i) => {
    const f = () => `${field}[${i}]`;
    const o = object(gv, f);
    const n = name(o.name, () => `${path(f)}.name`);
    if (names.has(n))
      fail("FieldValueDuplicate", () => `${path(f)}.name`, `duplicate running gang ${JSON.stringify(n)}`);
    names.add(n);
    if (o.priority === undefined || o.priority === null)
      fail("FieldValueRequired", () => `${path(f)}.priority`, "is required");
    if (typeof o.priority !== "number" || !Number.isFinite(o.priority))
      fail("FieldValueTypeInvalid", () => `${path(f)}.priority`, "must be a number");
    const pods = array(o.pods, () => `${path(f)}.pods`).map((pv, j) => {
      const pf = () => `${path(f)}.pods[${j}]`;
      const po = object(pv, pf);
      name(po.node, () => `${path(pf)}.node`);
      quantities(po.requests, () => `${path(pf)}.requests`);
      return po as RunningGang["pods"][number];
    });
    return { name: n, priority: o.priority as number, pods };
  });
}
