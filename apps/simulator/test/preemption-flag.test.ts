// grove-sim up --non-preemptible-priority N|none: the in-process gang scheduler's preemption limit
// (packages/scheduler README "Preemption").
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/args.js";
import { parseUp } from "../src/cli/up.js";

describe("grove-sim up --non-preemptible-priority", () => {
  it("takes a priority value, or none for no limit; unset leaves the scheduler's default (100)", () => {
    expect(parseUp(["up", "--non-preemptible-priority", "1000"])).toMatchObject({
      nonPreemptiblePriority: 1000,
    });
    expect(parseUp(["up", "--non-preemptible-priority=-5"])).toMatchObject({ nonPreemptiblePriority: -5 });
    expect(parseUp(["up", "--non-preemptible-priority", "none"])).toMatchObject({
      nonPreemptiblePriority: null,
    });
    expect(parseUp(["up"])).not.toHaveProperty("nonPreemptiblePriority");
  });

  it.each([
    [
      ["up", "--non-preemptible-priority", "high"],
      '--non-preemptible-priority: must be an integer (a priority value) or none, got "high"',
    ],
    [
      ["up", "--non-preemptible-priority", "2147483648"],
      '--non-preemptible-priority: must be an integer (a priority value) or none, got "2147483648"',
    ],
    [
      ["nodes", "--kubeconfig", "k", "--non-preemptible-priority", "5"],
      "nodes: --non-preemptible-priority applies to up only",
    ],
  ])("%j: %s", (argv, message) => {
    expect(() => parseUp(argv)).toThrow(UsageError);
    expect(() => parseUp(argv)).toThrow(message);
  });
});
