// network.autoMNNVLEnabled (grove-api.md §10, §15.9; grove-behaviour.md §2): the file's field, the
// start-up preflight (grove-operator exits 7 without the ComputeDomain CRD), and with the CRD the
// operator's controllers create ComputeDomains.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { computeDomainCrd } from "@grove-ts/api";
import { CustomResourceDefinitionType, type KubeObject } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { MNNVLPreflightError, parseOperatorConfig, startOperator } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

const HEAD = "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\n";
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "grove-operator.js");

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => p.kill("SIGTERM"), 60_000);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("network.autoMNNVLEnabled", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("is read from the file and must be a boolean", () => {
    expect(parseOperatorConfig(`${HEAD}network:\n  autoMNNVLEnabled: true\n`)).toMatchObject({
      autoMNNVLEnabled: true,
      ignored: [],
    });
    expect(() => parseOperatorConfig(`${HEAD}network:\n  autoMNNVLEnabled: "yes"\n`)).toThrow(
      /network\.autoMNNVLEnabled: must be a boolean/,
    );
  });

  it("enabled without the ComputeDomain CRD: grove-operator exits 7 naming the CRD", async () => {
    cluster = await startTestCluster("mnnvl-cli");
    const config = join(cluster.dir, "config.yaml");
    writeFileSync(config, `${HEAD}network:\n  autoMNNVLEnabled: true\n`);
    const r = await runCli(["--kubeconfig", cluster.kubeconfig, "--config", config, "--no-dashboard"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(
      "network.autoMNNVLEnabled is true but the ComputeDomain CRD computedomains.resource.nvidia.com is not installed",
    );
    await expect(
      startOperator({ kubeconfigPath: cluster.kubeconfig, autoMNNVLEnabled: true, scheduler: false }),
    ).rejects.toBeInstanceOf(MNNVLPreflightError);
  });

  it("enabled with the CRD: the operator starts", async () => {
    cluster = await startTestCluster("mnnvl-op");
    await cluster.api.client.create(
      CustomResourceDefinitionType,
      computeDomainCrd() as unknown as KubeObject,
    );
    const op = await startOperator({
      kubeconfigPath: cluster.kubeconfig,
      autoMNNVLEnabled: true,
      scheduler: false,
    });
    await op.stop();
  });
});
