// grove-sim up --placement [NAME=]POLICY: the in-process gang scheduler's policies (README "Flags").
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/args.js";
import { parseUp } from "../src/cli/up.js";

describe("grove-sim up --placement", () => {
  it("sets a policy per scheduler name, and the default without a name", () => {
    const f = parseUp(["up", "--placement", "kai-scheduler=Spread", "--placement", "BinPack"]);
    expect(f).toMatchObject({
      placementPolicies: { "kai-scheduler": "Spread" },
      defaultPlacementPolicy: "BinPack",
    });
    const none = parseUp(["up"]);
    expect(none).not.toHaveProperty("placementPolicies");
    expect(none).not.toHaveProperty("defaultPlacementPolicy");
  });

  it.each([
    [["up", "--placement", "Pack"], '--placement: the policy must be one of BinPack, Spread, got "Pack"'],
    [
      ["up", "--placement", "volcano=Spread"],
      '--placement: the scheduler name must be one of grove-scheduler, default-scheduler, kai-scheduler, got "volcano"',
    ],
    [["nodes", "--kubeconfig", "k", "--placement", "Spread"], "nodes: --placement applies to up only"],
  ])("%j: %s", (argv, message) => {
    expect(() => parseUp(argv)).toThrow(UsageError);
    expect(() => parseUp(argv)).toThrow(message);
  });
});
