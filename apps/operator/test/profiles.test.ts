// OperatorConfiguration scheduler.profiles[].config.placement: the gang scheduler's placement policy
// per profile (scheduler) name, and the default profile's for grove-scheduler (profiles.ts).
import { describe, expect, it } from "vitest";
import { resolveCli } from "../src/cli/options.js";
import { OperatorConfigError, parseOperatorConfig } from "../src/index.js";

const HEAD = "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\n";

const problemsOf = (yaml: string): string[] => {
  try {
    parseOperatorConfig(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(OperatorConfigError);
    return (err as OperatorConfigError).problems.map((p) => `${p.field}: ${p.rule}`);
  }
  throw new Error("accepted");
};

describe("scheduler profiles' placement policy", () => {
  it("reads placement per profile; the default profile's is the default policy", () => {
    const c = parseOperatorConfig(`${HEAD}scheduler:
  profiles:
    - name: default-scheduler
      config: {gangScheduling: true, placement: BinPack}
    - name: kai-scheduler
      config: {placement: Spread}
  defaultProfileName: kai-scheduler
`);
    expect(c.placementPolicies).toEqual({ "default-scheduler": "BinPack", "kai-scheduler": "Spread" });
    expect(c.defaultPlacementPolicy).toBe("Spread");
    // Acted on now, except Grove's own profile config keys.
    expect(c.ignored).toEqual(["scheduler.profiles[0].config.gangScheduling"]);
  });

  it("Grove's profile shapes stay valid and set no policy", () => {
    const c = parseOperatorConfig(`${HEAD}scheduler:
  profiles:
    - name: default-scheduler
      config: {gangScheduling: false}
    - name: kai-scheduler
`);
    expect(c.placementPolicies).toBeUndefined();
    expect(c.defaultPlacementPolicy).toBeUndefined();
    expect(c.ignored).toEqual(["scheduler.profiles"]);
  });

  it("a profile that is not the default sets no default policy", () => {
    const c = parseOperatorConfig(
      `${HEAD}scheduler: {profiles: [{name: kai-scheduler, config: {placement: Spread}}]}`,
    );
    expect(c.placementPolicies).toEqual({ "kai-scheduler": "Spread" });
    expect(c.defaultPlacementPolicy).toBeUndefined();
  });

  it.each([
    {
      yaml: `${HEAD}scheduler: {profiles: [{name: kai-scheduler, config: {placement: Pack}}]}`,
      problem: 'scheduler.profiles[0].config.placement: must be one of BinPack, Spread, got "Pack"',
    },
    {
      yaml: `${HEAD}scheduler: {profiles: [{name: default-scheduler}, {name: kai-scheduler, config: {placement: 1}}]}`,
      problem: "scheduler.profiles[1].config.placement: must be one of BinPack, Spread, got 1",
    },
    {
      yaml: `${HEAD}scheduler: {profiles: [{name: kai-scheduler, config: spread}]}`,
      problem: "scheduler.profiles[0].config: must be a mapping",
    },
  ])("rejects $problem", ({ yaml, problem }) => {
    expect(problemsOf(yaml)).toEqual([problem]);
  });

  it("reaches the operator's options through --config", () => {
    const file = `${HEAD}scheduler:
  profiles:
    - name: default-scheduler
      config: {placement: Spread}
    - name: kai-scheduler
      config: {placement: BinPack}
`;
    const r = resolveCli(["--config", "op.yaml", "--no-webhooks"], () => file);
    expect(r.options.placementPolicies).toEqual({
      "default-scheduler": "Spread",
      "kai-scheduler": "BinPack",
    });
    expect(r.options.defaultPlacementPolicy).toBe("Spread");
    const none = resolveCli(["--no-webhooks"]);
    expect(none.options.placementPolicies).toBeUndefined();
    expect(none.options.defaultPlacementPolicy).toBeUndefined();
  });
});
