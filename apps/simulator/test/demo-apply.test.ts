// `npm start` applies examples/ the way `kubectl apply` creates objects (issue 16, item 6): a user's
// `kubectl apply -f examples/` afterwards gets no "missing last-applied-configuration" warning and
// finds every object unchanged. The real kubectl against grove-sim on our API server and, where the
// Kubernetes binaries are built, on the real control plane.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PodCliqueSetType } from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyExamples, LastAppliedAnnotation, lastAppliedConfiguration } from "../src/cli/demo-apply.js";
import { loadExamples } from "../src/cli/demo-view.js";
import {
  type ControlPlaneMode,
  kubeBinDir,
  missingKubeBinaries,
  type Simulator,
  startSimulator,
} from "../src/index.js";

const EXAMPLES = fileURLToPath(new URL("../../../examples", import.meta.url));
const machineKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
/** kubectl 1.32 (the machine's) against ours; the one built for the release against kube-apiserver. */
const kubectlFor = (t: ControlPlaneMode) =>
  t === "kube" || !machineKubectl ? join(kubeBinDir(), "kubectl") : "kubectl";
const targets: ControlPlaneMode[] = [
  "grove",
  ...(missingKubeBinaries().filter((b) => b !== "helm").length === 0 ? (["kube"] as const) : []),
];
if (targets.length === 1) console.warn("[demo apply] kube target skipped: Kubernetes binaries not built");

describe.each(targets)("npm start's examples, re-applied with kubectl (%s)", (target) => {
  let sim: Simulator;
  let dir: string;
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        kubectlFor(target),
        ["--kubeconfig", sim.kubeconfigPath, "--cache-dir", join(dir, "cache"), ...args],
        { env: { ...process.env, HOME: dir }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "grove-demo-apply-"));
    sim = await startSimulator({ nodes: 16, controlPlane: target, kubeconfigPath: join(dir, "kubeconfig") });
    const lines: string[] = [];
    await applyExamples(sim.client, loadExamples(EXAMPLES), { write: (s: string) => lines.push(s) });
    expect(lines.join("")).toContain("podcliqueset.grove.io/agg created");
  }, 180_000);
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the annotation is byte for byte the one kubectl writes on create (read before any kubectl apply)", async () => {
    for (const { file, obj } of loadExamples(EXAMPLES).objects) {
      const r = await kubectl([
        "create",
        "--save-config",
        "--dry-run=client",
        "-o",
        "json",
        "-f",
        join(EXAMPLES, file),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const theirs = (JSON.parse(r.stdout) as KubeObject).metadata.annotations?.[LastAppliedAnnotation];
      expect(theirs).toMatch(/^\{"apiVersion":"grove\.io\/v1alpha1",.*\}\n$/);
      expect(lastAppliedConfiguration({ ...obj, metadata: { ...obj.metadata, namespace: "default" } })).toBe(
        theirs,
      );
      const stored = await sim.client.get(PodCliqueSetType, obj.metadata.name as string, "default");
      expect(stored?.metadata.annotations?.[LastAppliedAnnotation]).toBe(theirs);
    }
  });

  it("kubectl apply -f examples/: no warning, every object found as applied", async () => {
    const r = await kubectl(["apply", "-f", EXAMPLES]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    // "configured" where the webhook's defaults sit inside a list: a JSON merge patch (what kubectl
    // sends for a custom resource) replaces a list whole, as after any kubectl apply of these files.
    const names = loadExamples(EXAMPLES).objects.map((o) => o.obj.metadata.name);
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(names.length);
    names.forEach((n, i) => {
      expect(lines[i]).toMatch(new RegExp(`^podcliqueset\\.grove\\.io/${n} (unchanged|configured)$`));
    });
  });
});
