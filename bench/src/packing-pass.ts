// The placement engines' packing pass (placement README "Locality never costs pods") against a
// build from before a change, both loaded in one process from their dist/index.js:
//   npx tsx bench/src/packing-pass.ts time <before>/dist/index.js <after>/dist/index.js
//     median stats.solveMs of snapshot.place(), RUNS (41) runs alternating on one snapshot, on
//     groveMix(1.2, 1) and on a full cluster (groveMix(1.2, 1)'s answer bound) with 50 pending gangs
//     that do not fit (groveMix(1.2, 2)'s first 50), as the scheduler sees a busy cluster.
//   npx tsx bench/src/packing-pass.ts dump <build>/dist/index.js out.json
//     a digest of every result (js, wasm release, wasm debug) on the 800 seeded problems (the
//     quality bench's generators, seeds 1 to 400), the parity suite's problems and groveMix;
//     two dumps compare with `cmp`.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { pathToFileURL } from "node:url";
import type * as Placement from "@grove-ts/placement";
import { randomProblem } from "@grove-ts/testing";
import { groveMix } from "./shapes.js";
import { smallProblem } from "./small.js";

type Lib = typeof Placement;
const load = async (path: string): Promise<Lib> => (await import(pathToFileURL(path).href)) as Lib;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

function problems(): { name: string; p: Placement.PlacementProblem }[] {
  const out: { name: string; p: Placement.PlacementProblem }[] = [];
  const add = (name: string, p: unknown) => out.push({ name, p: p as Placement.PlacementProblem });
  for (const s of range(1, 400)) {
    add(`small-${s}`, smallProblem(s, { maxNodes: 64, maxGangs: 20 }));
    add(`random-${s}`, randomProblem(s, { nodes: 8 + ((13 * s) % 57), gangs: 4 + (s % 17) }));
  }
  for (const s of range(1, 440)) add(`parity-${s}`, randomProblem(s, {}));
  for (const s of range(1001, 20)) add(`parity-${s}`, randomProblem(s, { levels: 0 }));
  for (const s of range(2001, 30)) add(`parity-${s}`, randomProblem(s, { nodes: 1 + (s % 6), gangs: 10 }));
  for (const s of range(3001, 12))
    add(
      `parity-${s}`,
      randomProblem(s, { nodes: 200 + ((s * 37) % 300), gangs: 40, maxPods: 12, levels: 1 + (s % 4) }),
    );
  for (const s of range(6001, 120))
    add(
      `parity-${s}`,
      randomProblem(s, { preferences: true, ...(s % 4 === 0 ? { nodes: 100 + (s % 200), gangs: 20 } : {}) }),
    );
  for (const s of range(7001, 120))
    add(
      `parity-${s}`,
      randomProblem(s, {
        domainCaps: true,
        preferences: s % 3 === 0,
        ...(s % 4 === 0 ? { nodes: 100 + (s % 200), gangs: 20 } : {}),
      }),
    );
  for (const s of range(4001, 3))
    add(`parity-${s}`, randomProblem(s, { nodes: 2000, gangs: 80, maxPods: 24, levels: 2 + (s % 3) }));
  for (const f of [0.9, 1.0, 1.1, 1.2, 1.5])
    for (const s of [1, 2]) add(`groveMix-${f}-${s}`, groveMix(f, s));
  return out;
}

async function dump(path: string, file: string): Promise<void> {
  const lib = await load(path);
  const engines: Placement.SolveOptions[] = [
    { engine: "js" },
    { engine: "wasm", wasmBuild: "release" },
    { engine: "wasm", wasmBuild: "debug" },
  ];
  const res: Record<string, string> = {};
  for (const { name, p } of problems())
    for (const e of engines) {
      const r = lib.solve(p, e);
      const h = createHash("sha256").update(JSON.stringify(r.gangs)).digest("hex").slice(0, 16);
      res[`${name} ${e.engine}${e.wasmBuild ?? ""}`] = `${h} ${r.stats?.podsPlaced}`;
    }
  writeFileSync(file, `${JSON.stringify(res, null, 1)}\n`);
  console.log(`${Object.keys(res).length} results -> ${file}`);
}

async function time(before: string, after: string): Promise<void> {
  const libs = [await load(before), await load(after)];
  const runs = Number(process.env.RUNS ?? 41);
  const mix = groveMix(1.2, 1) as unknown as Placement.PlacementProblem;
  const filled = (libs[1] as Lib).solve(mix, { engine: "wasm" });
  const requests = new Map<string, Record<string, Placement.Quantity>>();
  for (const g of mix.gangs)
    for (const gr of g.groups) requests.set(`${g.name}/${gr.name}`, gr.requests ?? {});
  const binds: [string, Record<string, Placement.Quantity>][] = [];
  for (const g of filled.gangs)
    for (const gr of g.groups)
      for (const n of gr.nodes) binds.push([n, requests.get(`${g.name}/${gr.name}`) ?? {}]);
  const cases = [
    { name: "groveMix(1.2, 1)", binds: [] as typeof binds, gangs: mix.gangs },
    {
      name: "full cluster + 50 pending",
      binds,
      gangs: (groveMix(1.2, 2) as unknown as Placement.PlacementProblem).gangs.slice(0, 50),
    },
  ];
  const load1 = os.loadavg().map((x) => x.toFixed(1));
  console.log(
    `load ${load1.join(" ")}; node ${process.version}; ${os.cpus()[0]?.model} x${os.cpus().length}; ${runs} runs`,
  );
  for (const c of cases)
    for (const engine of ["wasm", "js"] as const) {
      const snaps = libs.map((lib) => {
        const s = lib.createSnapshot(mix.topology, mix.nodes, { engine });
        for (const [n, r] of c.binds) s.bind(n, r);
        return s;
      });
      const ms: number[][] = [[], []];
      const info: string[] = [];
      for (let i = 0; i < 3; i++) for (const s of snaps) s.place(c.gangs);
      for (let i = 0; i < runs; i++)
        snaps.forEach((s, j) => {
          const r = s.place(c.gangs);
          ms[j]?.push(r.stats?.solveMs ?? 0);
          const placed = r.gangs.filter((g) => g.placed).length;
          if (i === 0)
            info.push(
              `${r.stats?.podsPlaced} pods, ${placed}/${r.gangs.length} gangs, ${r.stats?.attempts} attempts`,
            );
        });
      const [a, b] = ms.map(median) as [number, number];
      console.log(
        `${c.name} ${engine}: before ${a.toFixed(1)} ms, after ${b.toFixed(1)} ms (${(b / a).toFixed(2)}x); ` +
          `before ${info[0]}; after ${info[1]}`,
      );
      for (const s of snaps) s.dispose();
    }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === "dump" && a && b) await dump(a, b);
else if (mode === "time" && a && b) await time(a, b);
else
  console.error(
    "usage: packing-pass.ts dump <dist/index.js> <out.json> | time <before dist/index.js> <after dist/index.js>",
  );
