// Which API server the end-to-end suites run against: ours ("grove", the default) or the real
// control plane built from source ("kube": etcd, kube-apiserver, kube-controller-manager). The
// vitest config runs the suites once per target, each project setting GROVE_TARGET.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ControlPlaneMode, kubeBinDir } from "@grove-ts/simulator";

export type Target = ControlPlaneMode;

export const target: Target = process.env.GROVE_TARGET === "kube" ? "kube" : "grove";

let machineKubectl: boolean | undefined;

/**
 * The kubectl a suite runs: against the real control plane the one built for its release (version
 * skew); against ours the machine's, or the built one where the machine has none.
 */
export function kubectlPath(): string {
  const built = join(kubeBinDir(), "kubectl");
  if (target === "kube") return built;
  if (process.env.KUBECTL) return process.env.KUBECTL;
  machineKubectl ??= spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
  return machineKubectl || !existsSync(built) ? "kubectl" : built;
}
