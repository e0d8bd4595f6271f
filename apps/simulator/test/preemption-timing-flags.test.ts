// grove-sim up --nomination-margin MS / --eviction-backoff MS: the in-process gang scheduler's
// preemption timings (packages/scheduler README "Preemption").
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/args.js";
import { parseUp, USAGE } from "../src/cli/up.js";

describe("grove-sim up --nomination-margin / --eviction-backoff", () => {
  it("take milliseconds; unset leaves the scheduler's defaults (30000, 1000)", () => {
    expect(parseUp(["up", "--nomination-margin", "0", "--eviction-backoff", "250"])).toMatchObject({
      nominationMarginMs: 0,
      evictionBackoffMs: 250,
    });
    const none = parseUp(["up"]);
    expect(none).not.toHaveProperty("nominationMarginMs");
    expect(none).not.toHaveProperty("evictionBackoffMs");
    expect(USAGE).toContain("--nomination-margin MS");
    expect(USAGE).toContain("--eviction-backoff MS");
  });

  it.each([
    [
      ["up", "--nomination-margin", "30s"],
      '--nomination-margin: must be an integer from 0 to 86400000, got "30s"',
    ],
    [["up", "--eviction-backoff", "0"], '--eviction-backoff: must be an integer from 1 to 3600000, got "0"'],
    [
      ["nodes", "--kubeconfig", "k", "--eviction-backoff", "5"],
      "nodes: --eviction-backoff applies to up only",
    ],
  ])("%j: %s", (argv, message) => {
    expect(() => parseUp(argv)).toThrow(UsageError);
    expect(() => parseUp(argv)).toThrow(message);
  });
});
