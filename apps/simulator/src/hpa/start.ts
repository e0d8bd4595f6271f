// grove-sim on our API server: the HPA controller kube-controller-manager would run, reading the
// metrics APIs grove-sim mounts on that server through the same kubeconfig a user has.
import { clientNodeTransport, loadKubeConfig } from "@grove-ts/kube";
import type { Client, Logger } from "@grove-ts/runtime";
import { createHpaController, type HpaController } from "./controller.js";
import { restMetrics } from "./metrics.js";
import type { HpaSettings } from "./settings.js";

export async function startHpaController(
  client: Client,
  kubeconfigPath: string,
  settings: HpaSettings,
  logger: Logger,
): Promise<HpaController> {
  const transport = clientNodeTransport(loadKubeConfig({ kubeconfigPath }));
  const metrics = restMetrics((path) =>
    transport({ method: "GET", path, headers: { Accept: "application/json" } }),
  );
  const hpa = createHpaController(client, metrics, { ...settings, logger });
  await hpa.start();
  return hpa;
}
