// `npm run bench:report -w @grove-ts/bench`: bench/results/*.json -> bench/results/report.html.
//   tsx src/report/main.ts [--results DIR] [--scale FILE] [--out FILE]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeReport } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));

try {
  const { values } = parseArgs({
    options: {
      results: { type: "string", default: join(here, "..", "..", "results") },
      scale: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const out = writeReport({
    resultsDir: resolve(values.results),
    ...(values.scale ? { scaleFile: resolve(values.scale) } : {}),
    ...(values.out ? { out: resolve(values.out) } : {}),
  });
  process.stdout.write(`report: ${out}\n`);
} catch (err) {
  process.stderr.write(`bench:report: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
