#!/usr/bin/env node
// Domain caps (Gang.domainCaps), this build against another (e.g. one of an older commit, copied
// with its @grove-ts/placement-wasm beside it): identical results on 300 seeded capped problems
// and the shapes below (js, wasm release, wasm debug), then the median stats.solveMs of `runs`
// calls per shape, the builds and engines taking turns in one process.
// node packages/placement/scripts/caps-measure.mjs path/to/other/dist/index.js [runs=21] [all|same|time]
import os from "node:os";
import { pathToFileURL } from "node:url";
import { randomProblem } from "@grove-ts/testing";

const newLib = await import("../dist/index.js");
const oldLib = await import(pathToFileURL(process.argv[2]).href);
const runs = Number(process.argv[3] ?? 21);
const mode = process.argv[4] ?? "all";

// 5,000 nodes: 5 blocks x 50 racks x 20 hosts, 8 GPUs each.
const nodes = [];
for (let b = 0; b < 5; b++)
  for (let r = 0; r < 50; r++)
    for (let h = 0; h < 20; h++) {
      const name = `n-${b}-${r}-${h}`;
      nodes.push({
        name,
        labels: { block: `b${b}`, rack: `b${b}-r${r}`, host: name },
        allocatable: { cpu: "128", memory: "2048Gi", "nvidia.com/gpu": "8", pods: "110" },
      });
    }
const topology = {
  levels: [
    { domain: "block", key: "block" },
    { domain: "rack", key: "rack" },
    { domain: "host", key: "host" },
  ],
};
const gangs = (req, max) =>
  Array.from({ length: 20 }, (_, i) => ({
    name: `g${i}`,
    ...(req ? { constraint: { required: req } } : {}),
    groups: [{ name: `w${i}`, count: 64, requests: { "nvidia.com/gpu": 1 } }],
    domainCaps: [{ key: "rack", groups: [`w${i}`], max }],
  }));
const shapes = {
  "20x64 max1/rack": { topology, nodes, gangs: gangs(null, 1) },
  "20x64 max1/rack, required block": { topology, nodes, gangs: gangs("block", 1) },
  "20x64 max3/rack, required block": { topology, nodes, gangs: gangs("block", 3) },
  "20x64 no caps (reference)": { topology, nodes, gangs: gangs(null, 1).map(({ domainCaps: _, ...g }) => g) },
};
const same = (a, b) => JSON.stringify(a.gangs) === JSON.stringify(b.gangs);
const E = [
  ["js", "release"],
  ["wasm", "release"],
  ["wasm", "debug"],
];
// Identity: seeded capped problems, larger ones.
if (mode !== "time") {
  let n = 0,
    bad = 0,
    placed = 0;
  for (let s = 9000; s < 9300; s++) {
    const opts = {
      domainCaps: true,
      preferences: s % 3 === 0,
      nodes: 200 + (s % 7) * 150,
      gangs: 10 + (s % 5) * 6,
    };
    const p = randomProblem(s, opts);
    if (!p.gangs.some((g) => g.domainCaps)) continue;
    n++;
    const ref = oldLib.solve(p, { engine: "js" });
    placed += ref.gangs.filter((g) => g.placed).length;
    for (const [e, b] of E) {
      const o = oldLib.solve(p, { engine: e, build: b }),
        m = newLib.solve(p, { engine: e, build: b });
      if (!same(o, m) || !same(ref, m)) {
        bad++;
        console.log("DIFF seed", s, e, b);
      }
    }
  }
  for (const [name, p] of Object.entries(shapes))
    for (const [e, b] of E) {
      const o = oldLib.solve(p, { engine: e, build: b }),
        m = newLib.solve(p, { engine: e, build: b });
      if (!same(o, m)) {
        bad++;
        console.log("DIFF shape", name, e, b);
      }
      if (e === "js") console.log(name, "placed", m.gangs.filter((g) => g.placed).length, "of 20");
    }
  console.log({ problems: n, gangsPlacedRef: placed, mismatches: bad });
}
if (mode !== "same") {
  console.log(
    `${new Date().toISOString()} load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} node ${process.version} ${os.cpus()[0].model} x${os.cpus().length}`,
  );
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const [name, p] of Object.entries(shapes)) {
    const t = { "old js": [], "new js": [], "old wasm": [], "new wasm": [] };
    for (let i = 0; i < runs + 2; i++)
      for (const e of ["js", "wasm"])
        for (const [lab, lib] of [
          ["old", oldLib],
          ["new", newLib],
        ]) {
          const r = lib.solve(p, { engine: e });
          if (i >= 2) t[`${lab} ${e}`].push(r.stats.solveMs);
        }
    console.log(
      name,
      Object.entries(t)
        .map(([k, v]) => `${k} ${med(v).toFixed(1)} ms`)
        .join(", "),
    );
  }
}
