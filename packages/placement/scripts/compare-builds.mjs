#!/usr/bin/env node
// Compares this package's build with another build of it (e.g. one of an older commit) on seeded
// random problems, engine by engine: solve(), and a snapshot (bind, cordon, commit, re-place).
// Results (gangs, attempts, pods placed) and rejections (code, field, detail) must be identical.
// node packages/placement/scripts/compare-builds.mjs path/to/other/dist/index.js [seeds=600]
import { pathToFileURL } from "node:url";
import { randomProblem } from "@grove-ts/testing";

const here = await import("../dist/index.js");
const other = await import(pathToFileURL(process.argv[2]).href);
const seeds = Number(process.argv[3] ?? 600);

const comparable = (f) => {
  try {
    const r = f();
    return JSON.stringify({ gangs: r.gangs, attempts: r.stats?.attempts, placed: r.stats?.podsPlaced });
  } catch (e) {
    return JSON.stringify({ error: e.constructor.name, code: e.code, field: e.field, message: e.message });
  }
};

function snapshotRun(lib, p, engine) {
  const out = [];
  const snap = lib.createSnapshot(p.topology, p.nodes, { engine });
  const first = p.nodes[0]?.name;
  out.push(comparable(() => snap.place(p.gangs, { commit: true })));
  // Updates answer nothing; an empty result stands for "done" so that rejections still compare.
  const step = (f) =>
    comparable(() => {
      f();
      return { gangs: [] };
    });
  if (first !== undefined) {
    out.push(step(() => snap.bind(first, { cpu: "1", "nvidia.com/gpu": "1" }, 2)));
    out.push(step(() => snap.cordon(p.nodes[1]?.name ?? first)));
    out.push(step(() => snap.free(first, { cpu: "1" }, 1)));
    out.push(step(() => snap.free(first, { "example.com/none": "1" }, 1)));
  }
  out.push(comparable(() => snap.place(p.gangs, { spread: true })));
  snap.addNode({ name: "added-x", labels: {}, allocatable: { cpu: "4", pods: "10" } });
  out.push(comparable(() => snap.place(p.gangs)));
  snap.dispose();
  return out.join("\n");
}

let n = 0;
let bad = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const opts =
    seed % 50 === 0 ? { nodes: 300 + seed, gangs: 40, maxPods: 12 } : seed % 7 === 0 ? { levels: 0 } : {};
  const p = randomProblem(seed, opts);
  // A variant with nodes in reverse order exercises the encoder's general (unsorted) path.
  const rev = { ...p, nodes: [...p.nodes].reverse() };
  for (const engine of ["js", "wasm"])
    for (const [what, prob] of [
      ["solve", p],
      ["solve reversed", rev],
    ]) {
      n++;
      const a = comparable(() => here.solve(prob, { engine }));
      const b = comparable(() => other.solve(prob, { engine }));
      if (a !== b) {
        bad++;
        if (bad < 5)
          console.log(
            `seed ${seed} ${engine} ${what} differs:\n  here  ${a.slice(0, 400)}\n  other ${b.slice(0, 400)}`,
          );
      }
    }
  for (const engine of ["js", "wasm"]) {
    n++;
    const a = snapshotRun(here, p, engine);
    const b = snapshotRun(other, p, engine);
    if (a !== b) {
      bad++;
      if (bad < 5)
        console.log(
          `seed ${seed} ${engine} snapshot differs:\n  here  ${a.slice(0, 600)}\n  other ${b.slice(0, 600)}`,
        );
    }
  }
}
console.log(`${n} comparisons, ${bad} different`);
process.exit(bad === 0 ? 0 : 1);
