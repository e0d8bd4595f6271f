// Preemption scenarios shared by the parity and incremental suites: a seeded problem solved once
// on the js engine, its placed gangs turned into running gangs at seeded priorities.
import { type Gang, type PlacementProblem, type RunningGang, solve } from "@grove-ts/placement";

/** The placed gangs of `problem` as running gangs (priorities 0-9 from `rand`); the unplaced apart. */
export function runningFromPlacement(problem: PlacementProblem, rand: () => number) {
  const placed = solve(problem, { engine: "js" });
  const running: RunningGang[] = [];
  const unplaced: Gang[] = [];
  problem.gangs.forEach((g, i) => {
    const r = placed.gangs[i];
    if (!r?.placed) {
      unplaced.push(g);
      return;
    }
    const requests = new Map(g.groups.map((x) => [x.name, x.requests ?? {}]));
    running.push({
      name: g.name,
      priority: Math.floor(rand() * 10),
      pods: r.groups.flatMap((x) => x.nodes.map((node) => ({ node, requests: requests.get(x.name) ?? {} }))),
    });
  });
  return { placed, running, unplaced };
}

/** The gang under a new name, its groups and sub-groups renamed (names are unique in a problem). */
export function renamed(g: Gang, suffix: string): Gang {
  const rename = (n: string) => `${n}-${suffix}`;
  return {
    ...g,
    name: rename(g.name),
    groups: g.groups.map((x) => ({ ...x, name: rename(x.name) })),
    ...(g.subGroups
      ? { subGroups: g.subGroups.map((s) => ({ ...s, name: rename(s.name), groups: s.groups.map(rename) })) }
      : {}),
  };
}
