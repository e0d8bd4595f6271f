// grove-place [--engine wasm|js] FILE|-   (docs/placement.md, "The grove-place command")
// Prints the PlacementResult as JSON and exits 0, also when gangs are not placed; an invalid
// problem, an unreadable file or bad JSON: one line on stderr and exit 2.
import { readFileSync } from "node:fs";
import { PlacementProblemError } from "../errors.js";
import { solve } from "../solve.js";

const USAGE = "usage: grove-place [--engine wasm|js] FILE|-";

const HELP = `${USAGE}

Places gangs of pods on a cluster's nodes: reads one PlacementProblem as JSON (topology levels,
nodes with allocatable and allocated capacity, labels, taints, gangs of pod groups with topology
constraints, optional running gangs and options) from FILE, or from standard input with "-", and
prints the PlacementResult as JSON on stdout: per gang placed or not, each pod's node, and for a
gang not placed a reason and a code (Unschedulable or Unresolvable). The format and its rules are
in docs/placement.md and packages/placement/README.md.

Exit status: 0 a result was printed (also when some gangs are not placed); 2 bad usage, an
unreadable file, bad JSON or an invalid problem (one line on stderr naming the field and the
rule); 1 an internal error.

Flags:
  --engine wasm|js   the engine that solves: wasm (default; the AssemblyScript kernel, release
                     build) or js (the TypeScript reference engine); both give the same result
  -h, --help         this text
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`grove-place: ${message}\n`);
  process.exit(code);
}

function main(argv: string[]): void {
  let engineName: "wasm" | "js" = "wasm";
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "-h" || a === "--help") {
      process.stdout.write(HELP);
      return;
    }
    if (a === "--engine" || a.startsWith("--engine=")) {
      const v = a === "--engine" ? argv[++i] : a.slice("--engine=".length);
      if (v !== "wasm" && v !== "js")
        fail(`--engine must be wasm or js, not ${JSON.stringify(v ?? "")}; ${USAGE}`);
      engineName = v;
    } else if (a.startsWith("-") && a !== "-") fail(`unknown option ${a}; ${USAGE}`);
    else if (file !== undefined) fail(`one FILE only; ${USAGE}`);
    else file = a;
  }
  if (file === undefined) fail(`missing FILE; ${USAGE}`);
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    fail(`cannot read ${file === "-" ? "standard input" : file}: ${(e as Error).message}`);
  }
  let problem: unknown;
  try {
    problem = JSON.parse(text);
  } catch (e) {
    fail(`${file === "-" ? "standard input" : file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    const result = solve(problem, { engine: engineName });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (e) {
    if (e instanceof PlacementProblemError) fail(`invalid problem: ${e.message}`);
    fail(`internal error: ${(e as Error).stack ?? e}`, 1);
  }
}

main(process.argv.slice(2));
