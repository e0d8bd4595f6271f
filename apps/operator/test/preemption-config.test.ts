// OperatorConfiguration scheduler.nonPreemptiblePriority (a grove-ts extension): the gang
// scheduler's preemption limit, KAI's 100 when unset (packages/scheduler README "Preemption").
import { describe, expect, it } from "vitest";
import { resolveCli } from "../src/cli/options.js";
import { OperatorConfigError, parseOperatorConfig } from "../src/index.js";

const HEAD = "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\n";

describe("scheduler.nonPreemptiblePriority", () => {
  it("reads an integer or null, acted on (not listed as ignored), and hands it to the scheduler", () => {
    const file = `${HEAD}scheduler:\n  nonPreemptiblePriority: 1000\n`;
    const c = parseOperatorConfig(file);
    expect(c.nonPreemptiblePriority).toBe(1000);
    expect(c.ignored).toEqual([]);
    expect(
      parseOperatorConfig(`${HEAD}scheduler:\n  nonPreemptiblePriority: null\n`).nonPreemptiblePriority,
    ).toBe(null);
    expect(parseOperatorConfig(HEAD).nonPreemptiblePriority).toBeUndefined();
    const r = resolveCli(["--config", "op.yaml", "--no-webhooks"], () => file);
    expect(r.options.nonPreemptiblePriority).toBe(1000);
    expect(resolveCli(["--no-webhooks"]).options.nonPreemptiblePriority).toBeUndefined();
  });

  it.each(["1.5", "high", "[100]"])("refuses %s naming the field and the rule", (v) => {
    let problems: string[] = [];
    try {
      parseOperatorConfig(`${HEAD}scheduler:\n  nonPreemptiblePriority: ${v}\n`);
    } catch (err) {
      expect(err).toBeInstanceOf(OperatorConfigError);
      problems = (err as OperatorConfigError).problems.map((p) => `${p.field}: ${p.rule}`);
    }
    expect(problems).toEqual([
      expect.stringMatching(/^scheduler\.nonPreemptiblePriority: must be an integer or null, got /),
    ]);
  });
});

describe("scheduler.nominationMargin and scheduler.evictionBackoff", () => {
  it("reads durations, acted on (not listed as ignored), and hands them to the scheduler in ms", () => {
    const file = `${HEAD}scheduler:\n  nominationMargin: 1m30s\n  evictionBackoff: 250ms\n`;
    const c = parseOperatorConfig(file);
    expect(c).toMatchObject({ nominationMarginMs: 90_000, evictionBackoffMs: 250 });
    expect(c.ignored).toEqual([]);
    expect(parseOperatorConfig(`${HEAD}scheduler:\n  nominationMargin: 0s\n`).nominationMarginMs).toBe(0);
    const r = resolveCli(["--config", "op.yaml", "--no-webhooks"], () => file);
    expect(r.options).toMatchObject({ nominationMarginMs: 90_000, evictionBackoffMs: 250 });
    const none = resolveCli(["--no-webhooks"]).options;
    expect(none).not.toHaveProperty("nominationMarginMs");
    expect(none).not.toHaveProperty("evictionBackoffMs");
  });

  it.each([
    [
      "nominationMargin",
      "30",
      'scheduler.nominationMargin: must be a duration such as "30s" or "500ms", got 30',
    ],
    [
      "nominationMargin",
      "-5s",
      'scheduler.nominationMargin: must be a duration such as "30s" or "500ms", got "-5s"',
    ],
    [
      "evictionBackoff",
      "0s",
      'scheduler.evictionBackoff: must be a duration of at least 1ms such as "30s" or "500ms", got "0s"',
    ],
    [
      "evictionBackoff",
      "soon",
      'scheduler.evictionBackoff: must be a duration of at least 1ms such as "30s" or "500ms", got "soon"',
    ],
  ])("refuses %s: %s naming the field and the rule", (field, v, want) => {
    let problems: string[] = [];
    try {
      parseOperatorConfig(`${HEAD}scheduler:\n  ${field}: ${v}\n`);
    } catch (err) {
      expect(err).toBeInstanceOf(OperatorConfigError);
      problems = (err as OperatorConfigError).problems.map((p) => `${p.field}: ${p.rule}`);
    }
    expect(problems).toEqual([want]);
  });
});
