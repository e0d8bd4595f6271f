// grove-place as a child process, on both engines (spec: placement-problem.md, "The command").
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gang, grid, group, LEVELS } from "./helpers.js";

const bin = fileURLToPath(new URL("../bin/grove-place.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "grove-place-"));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", timeout: 30_000 });

const good = {
  topology: LEVELS,
  nodes: grid(1, 2, 1, 4),
  gangs: [
    gang("fits", [group("x", 4)], { constraint: { required: "rack" } }),
    gang("too-big", [group("y", 5)], { constraint: { required: "rack" } }),
  ],
};
const goodFile = join(dir, "good.json");
writeFileSync(goodFile, JSON.stringify(good));
const badFile = join(dir, "bad.json");
writeFileSync(badFile, JSON.stringify({ ...good, gangs: [gang("g", [group("x", 1, { minCount: 2 })])] }));
const notJson = join(dir, "not.json");
writeFileSync(notJson, "{ nodes: ");

describe.each(["wasm", "js"])("grove-place --engine %s", (engine) => {
  it("prints the result and exits 0 also when a gang is not placed", () => {
    const r = run(["--engine", engine, goodFile]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.gangs.map((g: { placed: boolean }) => g.placed)).toEqual([true, false]);
    expect(out.gangs[1].reason).toBe("required rack: the best rack fits 4 of 5 pods of the gang's minimum");
    // Each rack has 4 GPUs: the 5 pods never fit one.
    expect(out.gangs.map((g: { code: string | null }) => g.code)).toEqual([null, "Unresolvable"]);
    expect(out.stats.engine).toBe(engine);
  });

  it("reads standard input for -", () => {
    const r = run([`--engine=${engine}`, "-"], JSON.stringify(good));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gangs[0].groups[0].nodes).toHaveLength(4);
  });

  it.each([
    [
      "an invalid problem",
      [badFile],
      /^grove-place: invalid problem: gangs\[0\]\.groups\[0\]\.minCount: minCount 2 > count 1\n$/,
    ],
    ["a missing file", [join(dir, "missing.json")], /^grove-place: cannot read .*missing\.json: ENOENT.*\n$/],
    ["bad JSON", [notJson], /^grove-place: .*not\.json is not valid JSON: .*\n$/],
  ])("exits 2 with one line on stderr for %s", (_what, args, message) => {
    const r = run(["--engine", engine, ...(args as string[])]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("grove-place usage", () => {
  it("defaults to wasm", () => {
    expect(JSON.parse(run([goodFile]).stdout).stats.engine).toBe("wasm");
  });
  it.each([[["--engine", "gpu", goodFile]], [[]], [[goodFile, goodFile]], [["--fast", goodFile]]])(
    "rejects %j",
    (args) => {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^grove-place: .*usage: grove-place \[--engine wasm\|js\] FILE\|-\n$/);
    },
  );
});
