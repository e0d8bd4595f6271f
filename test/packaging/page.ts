// The empty project the packaging suite installs the tarballs into: a small placement problem, a
// Node script and a browser page that solve it on both engines, and a typed file for tsc.
import type { GangPlacement } from "@grove-ts/placement";

const node = (name: string, rack: string, gpus: number) => ({
  name,
  labels: { "example.com/rack": rack },
  allocatable: { cpu: "64", "nvidia.com/gpu": String(gpus), pods: "110" },
});

/**
 * Rack r1 has 16 free GPUs, rack r2 12: "train" (a leader and 4 workers of 4 GPUs, rack required)
 * fits only r1; "big" (2 pods of 8 GPUs, rack required) then fits nowhere (r2 holds one).
 */
export const PROBLEM = {
  topology: { levels: [{ domain: "rack", key: "example.com/rack" }] },
  nodes: [node("n1", "r1", 8), node("n2", "r1", 8), node("n3", "r2", 8), node("n4", "r2", 4)],
  gangs: [
    {
      name: "train",
      constraint: { required: "rack" },
      groups: [
        { name: "leader", count: 1, requests: { cpu: "2" } },
        { name: "worker", count: 4, requests: { "nvidia.com/gpu": "4" } },
      ],
    },
    {
      name: "big",
      constraint: { required: "rack" },
      groups: [{ name: "big-worker", count: 2, requests: { "nvidia.com/gpu": "8" } }],
    },
  ],
};

/** What each run reports: the gangs per engine, the engine stats named, the debug build's error. */
export interface Outcome {
  wasm: GangPlacement[];
  js: GangPlacement[];
  engines: string[];
  debug?: string;
}

/** Checks a run's gangs: train on rack r1 (n1, n2) only, big not placed as unschedulable. */
export function checkPlacement(gangs: GangPlacement[]): string[] {
  const bad: string[] = [];
  const [train, big] = gangs;
  if (!train?.placed) bad.push(`train not placed: ${train?.reason}`);
  const nodes = (train?.groups ?? []).flatMap((g) => g.nodes);
  if (nodes.length !== 5 || nodes.some((n) => n !== "n1" && n !== "n2"))
    bad.push(`train's pods not all on rack r1: ${nodes.join(",")}`);
  const workers = train?.groups.find((g) => g.name === "worker")?.nodes ?? [];
  if (workers.filter((n) => n === "n1").length !== 2)
    bad.push(`train's workers not 2 per node: ${workers.join(",")}`);
  if (big?.placed !== false || big.code !== "Unschedulable") bad.push(`big: ${JSON.stringify(big)}`);
  return bad;
}

// The same code runs in Node (node-check.mjs) and in the page (main.js).
const SOLVE_BOTH = `
const out = { engines: [] };
for (const engine of ["wasm", "js"]) {
  const r = solve(problem, { engine });
  out[engine] = r.gangs;
  out.engines.push(r.stats.engine);
}
try {
  solve(problem, { engine: "wasm", wasmBuild: "debug" });
  out.debug = "ran";
} catch (e) {
  out.debug = e.message;
}
`;

export const APP_FILES: Record<string, string> = {
  "package.json": `${JSON.stringify({ name: "placement-app", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  "problem.json": JSON.stringify(PROBLEM),
  "problem.js": `export const problem = ${JSON.stringify(PROBLEM)};\n`,
  "node-check.mjs": `import { solve } from "@grove-ts/placement";
import { problem } from "./problem.js";
${SOLVE_BOTH}
console.log(JSON.stringify(out));
`,
  "index.html": `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>placement</title></head>
<body><pre id="out"></pre><script type="module" src="/main.js"></script></body></html>
`,
  "main.js": `import { solve } from "@grove-ts/placement";
import { problem } from "./problem.js";
${SOLVE_BOTH}
const pre = document.getElementById("out");
pre.textContent = JSON.stringify(out);
pre.dataset.done = "1";
`,
  "typed.ts": `import { type PlacementProblem, type PlacementResult, PlacementProblemError, solve } from "@grove-ts/placement";
import { loadPlacementWasm, type WasmBuild } from "@grove-ts/placement-wasm";

const p: PlacementProblem = ${JSON.stringify(PROBLEM)};
const r: PlacementResult = solve(p, { engine: "js" });
const placed: boolean = r.gangs[0]?.placed ?? false;
const build: WasmBuild = "release";
const pages: number = loadPlacementWasm(build).memory.buffer.byteLength / 65536;
export const seen = [placed, pages, PlacementProblemError.name];
`,
};
