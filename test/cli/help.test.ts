// Every command's --help exits 0, says what every flag the parser accepts does, and points at no
// document outside the repository. The flag lists come from the parsers' sources (node:util
// parseArgs option tables, grove-initc's switch); grove-place's loop is small enough to list.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const src = (path: string): string => readFileSync(join(root, path), "utf8");

/** Long flag names of the `options: { name: { type: ... } }` tables of node:util parseArgs calls. */
function parseArgsFlags(path: string): string[] {
  return [...src(path).matchAll(/^\s*"?([a-z][a-z-]*)"?:\s*\{\s*type:\s*"(?:string|boolean)"/gm)].map(
    (m) => `--${m[1]}`,
  );
}
/** Long flag names of a hand-written `switch (flag) { case "name": ... }` parser. */
function switchFlags(path: string): string[] {
  return [...src(path).matchAll(/^\s*case "([a-z][a-z-]*)":/gm)].map((m) => `--${m[1]}`);
}

interface Command {
  name: string;
  bin: string;
  args: string[];
  flags: string[];
}

const commands: Command[] = [
  ...[["--help"], ["up", "--help"], ["nodes", "--help"], ["-h"]].map((args) => ({
    name: "grove-sim",
    bin: "apps/simulator/bin/grove-sim.js",
    args,
    flags: parseArgsFlags("apps/simulator/src/cli/up.ts"),
  })),
  {
    name: "grove-operator",
    bin: "apps/operator/bin/grove-operator.js",
    args: ["--help"],
    flags: parseArgsFlags("apps/operator/src/cli/options.ts"),
  },
  {
    name: "grove-apiserver",
    bin: "packages/apiserver/bin/grove-apiserver.js",
    args: ["--help"],
    flags: parseArgsFlags("packages/apiserver/src/cli/grove-apiserver.ts"),
  },
  {
    name: "grove-validate",
    bin: "packages/api/bin/grove-validate.js",
    args: ["--help"],
    flags: parseArgsFlags("packages/api/src/cli/main.ts"),
  },
  {
    name: "grove-place",
    bin: "packages/placement/bin/grove-place.js",
    args: ["--help"],
    flags: ["--engine", "--help"],
  },
  // The kubectl grove plugin: --resource is top's own flag, every other flag is everyone's.
  ...[["--help"], ["tree", "--help"], ["why", "--help"], ["top", "--help"], ["explain-placement", "-h"]].map(
    (args) => ({
      name: "kubectl-grove",
      bin: "apps/kubectl-grove/bin/kubectl-grove.js",
      args,
      flags: parseArgsFlags("apps/kubectl-grove/src/cli/options.ts").filter(
        (f) => f !== "--resource" || args[0] === "top",
      ),
    }),
  ),
  {
    name: "grove-initc",
    bin: "apps/initc/bin/grove-initc.js",
    args: ["--help"],
    flags: switchFlags("apps/initc/src/options.ts"),
  },
];

/** Names of documents that live beside the repository, not in a user's clone. */
const OUTSIDE =
  /spec\/|grove-api\.md|grove-behaviour\.md|kube-api-compat\.md|placement-problem\.md|placement-peers\.md|style-anchors\.md|STYLE\.md|TOOLCHAIN\.md|\.\.\/shared/;

describe.each(commands)("$name $args", ({ bin, args, flags }) => {
  const r = spawnSync(process.execPath, [join(root, bin), ...args], { encoding: "utf8", timeout: 30_000 });

  it("exits 0 and prints the help on stdout", () => {
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: /i);
  });

  it("says what every flag the parser accepts does", () => {
    expect(flags.length).toBeGreaterThan(1);
    expect(flags).toContain("--help");
    for (const flag of flags) {
      // The flag as an entry of the flag list: at the start of a line, then its description.
      const line = r.stdout.split("\n").find((l) => new RegExp(`^\\s+(-[a-z], )?${flag}\\b`).test(l));
      expect(line, `${flag} has no line of its own`).toBeDefined();
      // What follows the flag and its value's name (PATH, N|none, wasm|js) on that line or the next.
      const lines = r.stdout.split("\n");
      const at = lines.indexOf(line as string);
      const rest =
        `${(line as string).replace(/^\s+(-[a-z], )?--[a-z-]+/, "")} ${lines[at + 1] ?? ""}`.trim();
      const words = rest.split(/\s+/).filter((w) => !/^[[\]A-Z0-9_|=.:<>-]+$/.test(w) && !w.includes("|"));
      expect(words.join(" ").length, `${flag} is not described`).toBeGreaterThan(8);
    }
  });

  it("cites no document outside the repository", () => {
    expect(r.stdout).not.toMatch(OUTSIDE);
  });
});
