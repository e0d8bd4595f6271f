// The root README shows one `kubectl grove tree` output pasted from a run. Names and nodes differ
// from run to run, so what is checked is its shape: every line is one of the line kinds the
// renderer prints, and the same line kinds describe the renderer's output now (the fixture's).
// A change of format fails one side or the other until the README block is pasted again.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTree, renderTree } from "../src/index.js";
import { fixture } from "./fixture.js";

const BRANCH = "(?:│  |   )*(?:├─ |└─ )";
const STATE =
  "(?:Running/Ready|Running/NotReady|Pending(?: \\(\\w+\\))?|SchedulingGated|Terminating|Init:\\d+/\\d+|\\w+)";
const SHAPES: [string, RegExp][] = [
  ["pcs", /^PodCliqueSet [\w.-]+\/[\w.-]+ \(replicas \d+, available \d+\)$/],
  [
    "pcsg",
    new RegExp(`^${BRANCH}PodCliqueScalingGroup [\\w.-]+ \\(replicas \\d+(?:, minAvailable \\d+)?\\)$`),
  ],
  ["pclq", new RegExp(`^${BRANCH}PodClique [\\w.-]+ \\(ready \\d+/\\d+(?:, minAvailable \\d+)?\\)$`)],
  ["pod", new RegExp(`^${BRANCH}[\\w.-]+ +${STATE} +(?:<none>|[\\w.-]+(?: +(?:[\\w.-]+=[\\w.-]+ ?)+)?)$`)],
];

const shapeOf = (line: string): string | undefined => SHAPES.find(([, re]) => re.test(line))?.[0];

function readmeBlock(): string[] {
  const text = readFileSync(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8");
  const at = text.indexOf("<!-- kubectl-grove-tree:");
  expect(at, "README has the kubectl-grove-tree block").toBeGreaterThan(0);
  const m = /```text\n([\s\S]*?)```/.exec(text.slice(at));
  return (m?.[1] ?? "").split("\n").filter((l) => l !== "");
}

describe("README's kubectl grove tree block", () => {
  it("every line of the renderer's output now has a known shape", () => {
    const lines = renderTree(buildTree(fixture())).split("\n").filter(Boolean);
    for (const l of lines) expect(shapeOf(l), l).toBeDefined();
  });

  it("every line of the README block has one of those shapes, with a pod line under each clique", () => {
    const lines = readmeBlock();
    expect(lines.length).toBeGreaterThan(3);
    const shapes = lines.map((l) => {
      const s = shapeOf(l);
      expect(s, `README line has no known shape: ${l}`).toBeDefined();
      return s;
    });
    expect(shapes[0]).toBe("pcs");
    expect(shapes).toContain("pclq");
    expect(shapes).toContain("pod");
    // Pod columns line up within a clique, as the renderer pads them.
    const pods = lines.filter((l) => shapeOf(l) === "pod");
    expect(pods.some((l) => /\s{2}\S+\s{2}/.test(l))).toBe(true);
  });
});
