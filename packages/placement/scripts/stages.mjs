#!/usr/bin/env node
// Where solve()'s time goes, stage by stage (check, cluster encoding, call encoding, kernel,
// decode, release), per engine, on quick-measure's cluster: median and fastest ms per stage.
// Run after building: node packages/placement/scripts/stages.mjs [shape] ; RUNS (default 15).
// DIST=path/to/placement/dist measures another build (e.g. an older commit's).
import { gangsOf, median, nodes, topology } from "./cluster.mjs";

const dist = new URL(`${process.env.DIST ?? "../dist"}/`, import.meta.url);
const { checkProblem } = await import(new URL("check.js", dist).href);
const { decode } = await import(new URL("decode.js", dist).href);
const { CallEncoding, ClusterEncoding } = await import(new URL("encode.js", dist).href);
const { engine } = await import(new URL("engines.js", dist).href);
const { resourceNames } = await import(new URL("solve.js", dist).href);

const shapes = { a: gangsOf(1500, 4, "rack"), b: gangsOf(9, 1000, "block") };
const gangs = shapes[process.argv[2] ?? "b"];
const runs = Number(process.env.RUNS ?? 15);
// CPU time by default; WALL=1 for wall time (report the fastest run: less distorted by load).
const cpu = process.env.WALL
  ? () => performance.now()
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
const stages = ["check", "resources", "cluster", "call", "kernel", "decode", "release", "total"];
const samples = { js: {}, wasm: {} };
for (const e of ["js", "wasm"]) for (const s of stages) samples[e][s] = [];
// Which engine goes first is drawn per round, so that recurring collector pauses do not land in
// one engine's calls every time.
let seed = 12345;
const coin = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed < 1073741824;
};
for (let i = 0; i < runs + 5; i++)
  for (const name of coin() ? ["js", "wasm"] : ["wasm", "js"]) {
    const eng = engine(name);
    const t = [cpu()];
    const p = checkProblem({ topology, nodes, gangs });
    t.push(cpu());
    const resources = resourceNames(p.nodes, p.gangs);
    t.push(cpu());
    const cluster = new ClusterEncoding(p.levels, p.nodes, resources, eng, false);
    t.push(cpu());
    const call = new CallEncoding(cluster, p.gangs, false, eng);
    t.push(cpu());
    eng.run(cluster.region, call.region);
    t.push(cpu());
    decode(call, p.levels);
    t.push(cpu());
    eng.release(call.region);
    eng.release(cluster.region);
    t.push(cpu());
    if (i < 5) continue;
    for (let s = 0; s < 7; s++) samples[name][stages[s]].push(t[s + 1] - t[s]);
    samples[name].total.push(t[7] - t[0]);
  }
const min = (xs) => Math.min(...xs);
for (const e of ["js", "wasm"])
  console.log(
    e.padEnd(5),
    stages.map((s) => `${s} ${median(samples[e][s]).toFixed(2)}/${min(samples[e][s]).toFixed(2)}`).join("  "),
  );
console.log("(median/fastest ms per stage)");
