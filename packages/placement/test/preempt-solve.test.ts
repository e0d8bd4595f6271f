// solve() with `running` gangs and `options.preemption` (README "Preemption"): per unplaced gang,
// the running gangs of strictly lower priority to evict; problems without it are unchanged.
import { describe, expect, it } from "vitest";
import {
  type Gang,
  type PlacementNode,
  type PlacementProblem,
  PlacementProblemError,
  type RunningGang,
  solve,
} from "../src/index.js";
import { ENGINES, gang, group, node } from "./helpers.js";

/** `pods` one-GPU pods of a running gang on `where`. */
function running(name: string, priority: number, where: string, pods: number): RunningGang {
  return {
    name,
    priority,
    pods: Array.from({ length: pods }, () => ({ node: where, requests: { "nvidia.com/gpu": 1 } })),
  };
}

/** Nodes with the running pods counted in `allocated` (GPUs and pods). */
function withRunning(nodes: PlacementNode[], run: RunningGang[]): PlacementNode[] {
  return nodes.map((n) => {
    const pods = run.flatMap((g) => g.pods).filter((p) => p.node === n.name).length;
    return pods === 0 ? n : { ...n, allocated: { "nvidia.com/gpu": pods, pods } };
  });
}

const eight = (name: string, priority: number, extra: Partial<Gang> = {}) =>
  gang(name, [group(`${name}-w`, 8)], { priority, ...extra });

function problem(run: RunningGang[], gangs: Gang[], preemption = true): PlacementProblem {
  return {
    nodes: withRunning([node("n1"), node("n2")], run),
    gangs,
    running: run,
    options: { preemption },
  };
}

describe.each(ENGINES)("solve with preemption on $engine ($wasmBuild)", (opts) => {
  it("an unplaced gang names the running gangs of lower priority it needs gone", () => {
    const run = [running("low", 1, "n1", 8), running("mid", 5, "n2", 8)];
    const r = solve(problem(run, [eight("high", 10), eight("equal", 1)]), opts);
    expect(r.gangs.map((g) => [g.name, g.placed, g.victims])).toEqual([
      ["high", false, ["low"]],
      ["equal", false, []], // equal priority never preempts
    ]);
    expect(r.gangs[0]?.reason).not.toBeNull();
  });

  it("decisions build on each other: a second gang takes other victims, or none", () => {
    const run = [running("low", 1, "n1", 8), running("mid", 5, "n2", 8)];
    const r = solve(problem(run, [eight("a", 10), eight("b", 10), eight("c", 10)]), opts);
    expect(r.gangs.map((g) => g.victims)).toEqual([["low"], ["mid"], []]);
  });

  it("higher-priority gangs decide first", () => {
    const run = [running("low", 1, "n1", 8)];
    const r = solve(problem(run, [eight("first", 3), eight("second", 9)], true), opts);
    // n2 is free: "first" (priority 3) loses it to "second" (9), placed first, then evicts "low".
    expect(r.gangs.map((g) => [g.name, g.placed, g.victims])).toEqual([
      ["first", false, ["low"]],
      ["second", true, undefined],
    ]);
  });

  it("gangs placed in the same call are never victims", () => {
    const r = solve(problem([], [eight("placed", 0), eight("p2", 0), eight("high", 10)]), opts);
    // "high" goes first and takes n1, "placed" takes n2: "p2" may not evict either.
    expect(r.gangs.map((g) => [g.name, g.placed, g.victims])).toEqual([
      ["placed", true, undefined],
      ["p2", false, []],
      ["high", true, undefined],
    ]);
  });

  it("a running pod on a node the problem does not have is ignored", () => {
    const run = [running("elsewhere", 0, "gone", 8), running("low", 1, "n1", 8), running("low2", 1, "n2", 8)];
    const r = solve(problem(run, [eight("high", 10)]), opts);
    expect(r.gangs[0]?.victims).toEqual(["low"]);
  });

  it("without options.preemption nothing changes: no victims field", () => {
    const run = [running("low", 1, "n1", 8), running("mid", 5, "n2", 8)];
    const on = solve(problem(run, [eight("high", 10)], false), opts);
    expect(on.gangs[0]).not.toHaveProperty("victims");
    const { running: _, ...without } = problem(run, [eight("high", 10)], false);
    expect(on.gangs).toEqual(solve(without, opts).gangs);
  });
});

describe("running gangs and options.preemption are checked", () => {
  const ok = () => problem([running("low", 1, "n1", 8)], [eight("high", 10)]);
  it.each([
    ["options.preemption", (p: PlacementProblem) => ({ ...p, options: { preemption: "yes" } })],
    ["running", (p: PlacementProblem) => ({ ...p, running: {} })],
    [
      "running[1].name",
      (p: PlacementProblem) => ({ ...p, running: [...(p.running ?? []), running("low", 0, "n2", 1)] }),
    ],
    ["running[0].priority", (p: PlacementProblem) => ({ ...p, running: [{ name: "x", pods: [] }] })],
    [
      "running[0].pods[0].node",
      (p: PlacementProblem) => ({ ...p, running: [{ name: "x", priority: 1, pods: [{}] }] }),
    ],
    [
      "running[0].pods[0].requests[cpu]",
      (p: PlacementProblem) => ({
        ...p,
        running: [{ name: "x", priority: 1, pods: [{ node: "n1", requests: { cpu: "lots" } }] }],
      }),
    ],
    [
      "running[1].pods[0]",
      (p: PlacementProblem) => ({ ...p, running: [...(p.running ?? []), running("uncounted", 0, "n1", 1)] }),
    ],
  ])("%s", (field, edit) => {
    let err: unknown;
    try {
      solve(edit(ok()) as PlacementProblem, { engine: "js" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlacementProblemError);
    expect((err as PlacementProblemError).field).toBe(field);
  });
});
