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

/** Every path (list of keys) inside a JSON value. */
function paths(v, at = [], out = []) {
  out.push(at);
  if (v !== null && typeof v === "object")
    for (const k of Object.keys(v)) paths(v[k], [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

// Values a mutation puts somewhere: wrong types, empties, bad quantities and names, duplicates.
const POOL = [
  undefined,
  null,
  "",
  0,
  -1,
  1.5,
  7,
  "x",
  "500m",
  "-1",
  "1Gi",
  {},
  [],
  true,
  { a: 1 },
  ["x"],
  "block",
  "rack",
  "host",
  "Exists",
  "In",
  "Gt",
  "NoSchedule",
  "metadata.name",
  1e7,
];

/** A copy of `p` with one value replaced (or deleted), or a name or a list entry duplicated. */
function mutate(p, rnd) {
  const q = structuredClone(p);
  const all = paths(q).filter((x) => x.length > 0);
  const at = all[Math.floor(rnd() * all.length)];
  const parent = at.slice(0, -1).reduce((o, k) => o[k], q);
  const key = at[at.length - 1];
  const r = rnd();
  if (r < 0.15) {
    // As JSON would have it: no holes.
    if (Array.isArray(parent)) parent.splice(key, 1);
    else delete parent[key];
  } else if (r < 0.3 && Array.isArray(parent)) parent.push(structuredClone(parent[key]));
  else if (r < 0.4 && typeof parent[key] === "string") {
    // Another string of the problem: collides names, moves groups, swaps domains.
    const strings = paths(q)
      .map((x) => x.reduce((o, k) => o?.[k], q))
      .filter((x) => typeof x === "string");
    parent[key] = strings[Math.floor(rnd() * strings.length)];
  } else parent[key] = structuredClone(POOL[Math.floor(rnd() * POOL.length)]);
  return q;
}

let n = 0;
let bad = 0;
let rejected = 0;
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
  // Mutated problems, mostly invalid: the same rejection (code, field, detail) or the same result.
  let seedState = seed;
  const rnd = () => {
    seedState = (seedState * 1103515245 + 12345) % 2147483648;
    return seedState / 2147483648;
  };
  for (let m = 0; m < 4; m++) {
    const q = mutate(p, rnd);
    const engine = m % 2 === 0 ? "js" : "wasm";
    n++;
    const a = comparable(() => here.solve(q, { engine }));
    const b = comparable(() => other.solve(q, { engine }));
    if (a.startsWith('{"error"')) rejected++;
    if (a !== b) {
      bad++;
      if (bad < 5)
        console.log(
          `seed ${seed} mutation ${m} differs:\n  here  ${a.slice(0, 400)}\n  other ${b.slice(0, 400)}`,
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
console.log(`${n} comparisons (${rejected} rejections of mutated problems), ${bad} different`);
process.exit(bad === 0 ? 0 : 1);
