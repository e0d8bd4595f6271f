// Grove's Test_AutoMNNVL, the other three configurations (grove-behaviour.md §18.7), on one cluster
// with grove-operator as its own process and the real kubectl:
// - unsupported + enabled: no ComputeDomain CRD, network.autoMNNVLEnabled: true -> grove-operator
//   exits 7 naming the CRD (Grove's start-up preflight);
// - unsupported + disabled: grove-operator without it runs; no MNNVL artifacts, no claims;
// - supported + disabled: our ComputeDomain CRD installed with kubectl, MNNVL still off -> an
//   explicit group is refused at admission (M2), `none` is accepted, still no ComputeDomains.
import { readFileSync } from "node:fs";
import { computeDomainCrd } from "@grove-ts/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E } from "./lib/harness.js";
import { CD, cdNames, claimsByClique, mnnvlWorkload, nvlCluster, podsOf } from "./lib/mnnvl.js";
import { waitFor } from "./lib/wait.js";

/** Waits on a loaded 2-core machine (the real control plane's GC is the slow part). */
const SLOW = { timeoutMs: 120_000 };

describe("Test_AutoMNNVL unsupported/disabled configurations (kubectl, grove-operator)", {
  timeout: 240_000,
}, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: nvlCluster(false), operator: "external", startOperator: false });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const gpu = (name: string, group?: string) =>
    e2e.file(
      `${name}.yaml`,
      readFileSync(mnnvlWorkload("gpu.yaml"), "utf8")
        .replace("name: mnnvl-gpu", `name: ${name}`)
        .replace(
          "metadata:\n",
          group ? `metadata:\n  annotations:\n    grove.io/mnnvl-group: "${group}"\n` : "metadata:\n",
        ),
    );
  const boundPods = (pcs: string, n: number) =>
    waitFor(
      `${n} bound pods of ${pcs}`,
      async () => {
        const ps = await podsOf(e2e, pcs);
        const bound = ps.filter((p) => p.spec.nodeName).length;
        return { ok: ps.length === n && bound === n, state: `${ps.length} pods, ${bound} bound` };
      },
      SLOW,
    );

  it("unsupported + enabled: grove-operator exits 7 naming the missing CRD", async () => {
    const config = e2e.file(
      "mnnvl-on.yaml",
      "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\nnetwork:\n  autoMNNVLEnabled: true\n",
    );
    const op = e2e.startOperator(["--config", config, "--no-dashboard"]);
    expect(await op.exited).toBe(7);
    expect(op.output()).toContain(
      `network.autoMNNVLEnabled is true but the ComputeDomain CRD ${CD} is not installed`,
    );
  });

  it("unsupported + disabled: the workload runs without ComputeDomains or claims", async () => {
    e2e.startOperator(["--no-dashboard"]);
    await e2e.kubectl.ok(["apply", "-f", gpu("plain")]);
    await boundPods("plain", 2);
    expect(await claimsByClique(e2e, "plain")).toEqual({ "plain-0-worker": undefined });
    const cds = await e2e.kubectl.run(["get", CD, "-n", "default"]);
    expect(cds.code).not.toBe(0);
    expect(cds.stderr).toContain(`the server doesn't have a resource type "computedomains"`);
  });

  it("supported + disabled: with the CRD installed an explicit group is refused, none accepted", async () => {
    await e2e.kubectl.ok(["apply", "-f", e2e.file("cd-crd.json", JSON.stringify(computeDomainCrd()))]);
    await waitFor("ComputeDomains served", async () => {
      const r = await e2e.kubectl.run(["get", CD, "-n", "default"]);
      return { ok: r.code === 0, state: r.stderr.trim() };
    });
    const refused = await e2e.kubectl.run(["apply", "-f", gpu("grouped", "default")]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      "metadata.annotations[grove.io/mnnvl-group]: Forbidden: MNNVL is not enabled in the operator configuration",
    );
    await e2e.kubectl.ok(["apply", "-f", gpu("optout", "none")]);
    await e2e.kubectl.ok(["apply", "-f", gpu("bare")]);
    await boundPods("optout", 2);
    await boundPods("bare", 2);
    expect(await cdNames(e2e)).toEqual([]);
    expect(await claimsByClique(e2e, "bare")).toEqual({ "bare-0-worker": undefined });
  });
});
