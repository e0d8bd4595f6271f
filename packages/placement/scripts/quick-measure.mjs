#!/usr/bin/env node
// A quick, informal throughput check on the shapes (a) and (b), on the bench's cluster
// (bench/src/shapes.ts); the official figures come from the tinybench suites in bench/. Run after
// building: node packages/placement/scripts/quick-measure.mjs [path/to/placement/dist/index.js]
// Besides wall time it reports CPU time per call (process.cpuUsage), which the shared machine's
// load distorts far less. RUNS sets the samples per figure (default 15).
import os from "node:os";
import { pathToFileURL } from "node:url";
import { gangsOf, median, nodes, topology } from "./cluster.mjs";

const lib = process.argv[2] ? pathToFileURL(process.argv[2]).href : "../dist/index.js";
const { createSnapshot, solve } = await import(lib);

const shapes = {
  "(a) 750 x 4, rack": gangsOf(750, 4, "rack"),
  "(a) 1,500 x 4, rack": gangsOf(1500, 4, "rack"),
  "(a) 2,250 x 4, rack": gangsOf(2250, 4, "rack"),
  "(b) 9 x 1,000, block": gangsOf(9, 1000, "block"),
};
const runs = Number(process.env.RUNS ?? 15);
const rate = (pods, ms) => (pods / ms) * 1000;
const fmt = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${Math.round(r / 1e3)} k`);

/** One timed call: wall and CPU milliseconds, and what `extra` reads from the result. */
function once(f, extra) {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = f();
  const wall = performance.now() - t;
  const u = process.cpuUsage(c);
  return { wall, cpu: (u.user + u.system) / 1000, extra: extra ? extra(r) : 0 };
}

/** Medians of wall and CPU; the kernel's figure is the fastest run (it is deterministic, and
 * under load the slower runs mostly measure time spent descheduled). */
function summary(xs) {
  return {
    wall: median(xs.map((x) => x.wall)),
    cpu: median(xs.map((x) => x.cpu)),
    extra: Math.min(...xs.map((x) => x.extra)),
  };
}

console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}; node ${process.version}`,
);
for (const [name, gangs] of Object.entries(shapes)) {
  const pods = gangs.reduce((s, g) => s + g.groups[0].count, 0);
  // The engines take turns, call by call, so both see the same load.
  const engines = ["js", "wasm"];
  const snaps = Object.fromEntries(engines.map((e) => [e, createSnapshot(topology, nodes, { engine: e })]));
  const samples = Object.fromEntries(engines.map((e) => [e, { whole: [], place: [] }]));
  for (let i = 0; i < 8; i++)
    for (const engine of engines) {
      snaps[engine].place(gangs);
      solve({ topology, nodes, gangs }, { engine });
    }
  // Which engine goes first is drawn per round: with a fixed order the collector, whose pauses
  // recur every few calls, can land in one engine's calls every time and bill it alone.
  let seed = 12345;
  const coin = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed < 1073741824;
  };
  for (let i = 0; i < runs; i++)
    for (const engine of coin() ? engines : [...engines].reverse()) {
      samples[engine].whole.push(once(() => solve({ topology, nodes, gangs }, { engine })));
      samples[engine].place.push(
        once(
          () => snaps[engine].place(gangs),
          (r) => r.stats.solveMs,
        ),
      );
    }
  const out = {};
  for (const engine of engines) {
    snaps[engine].dispose();
    out[engine] = { whole: summary(samples[engine].whole), place: summary(samples[engine].place) };
  }
  console.log(name);
  for (const engine of ["js", "wasm"]) {
    const { whole, place } = out[engine];
    console.log(
      `  ${engine.padEnd(4)} solve() ${fmt(rate(pods, whole.cpu))} pods/s cpu (${fmt(rate(pods, whole.wall))} wall)` +
        `; snapshot.place ${fmt(rate(pods, place.cpu))} cpu (${fmt(rate(pods, place.wall))} wall)` +
        `; kernel ${fmt(rate(pods, place.extra))} (fastest run, wall)`,
    );
  }
  const r = (k, f) => (out.js[k][f] / out.wasm[k][f]).toFixed(2);
  console.log(
    `  wasm/js: solve() ${r("whole", "cpu")} cpu (${r("whole", "wall")} wall); snapshot.place ${r("place", "cpu")} cpu (${r("place", "wall")} wall); kernel ${r("place", "extra")}`,
  );
}
