#!/usr/bin/env node
// A quick, informal throughput check on the shapes (a) and (b); the official figures come
// from the tinybench suites in bench/. Run after building: node packages/placement/scripts/quick-measure.mjs
import { createSnapshot, solve } from "../dist/index.js";

const nodes = [];
for (let b = 0; b < 5; b++)
  for (let r = 0; r < 10; r++)
    for (let h = 0; h < 100; h++) {
      const name = `n-${b}-${r}-${String(h).padStart(3, "0")}`;
      nodes.push({
        name,
        labels: { block: `b${b}`, rack: `b${b}-r${r}`, host: name },
        allocatable: { cpu: "64", memory: "512Gi", "nvidia.com/gpu": "8", pods: "110" },
      });
    }
const topology = {
  levels: [
    { domain: "block", key: "block" },
    { domain: "rack", key: "rack" },
    { domain: "host", key: "host" },
  ],
};
const gangsOf = (n, pods, level) =>
  Array.from({ length: n }, (_, i) => ({
    name: `g${i}`,
    constraint: { required: level },
    groups: [{ name: `g${i}-w`, count: pods, requests: { "nvidia.com/gpu": 1 } }],
  }));
const shapes = {
  "(a) 750 x 4, rack": gangsOf(750, 4, "rack"),
  "(a) 2,250 x 4, rack": gangsOf(2250, 4, "rack"),
  "(b) 9 x 1,000, block": gangsOf(9, 1000, "block"),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(process.env.RUNS ?? 15);
const fmt = (pods, ms) => `${Math.round((pods / ms) * 1000).toLocaleString("en")} pods/s`;

for (const [name, gangs] of Object.entries(shapes)) {
  const pods = gangs.reduce((s, g) => s + g.groups[0].count, 0);
  console.log(name);
  for (const engine of ["js", "wasm"]) {
    const whole = [];
    const place = [];
    const kernel = [];
    const snap = createSnapshot(topology, nodes, { engine });
    for (let i = 0; i < 3; i++) snap.place(gangs);
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      solve({ topology, nodes, gangs }, { engine });
      whole.push(performance.now() - t);
      t = performance.now();
      const r = snap.place(gangs);
      place.push(performance.now() - t);
      kernel.push(r.stats.solveMs);
    }
    snap.dispose();
    console.log(
      `  ${engine.padEnd(4)} solve() ${fmt(pods, median(whole))}; snapshot.place ${fmt(pods, median(place))}; kernel ${fmt(pods, median(kernel))}`,
    );
  }
}
