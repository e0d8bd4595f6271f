// Grove's admission webhooks for grove-sim on the real control plane: without them kube-apiserver
// would store PodCliqueSets undefaulted and unvalidated beyond the CRD schema. Served over HTTPS on
// loopback with a certificate of a CA made at start; the webhook configurations name that URL and
// carry the CA. (The operator's own webhook serving, with certificates kept in a Secret, is the
// deployable operator's job.)
import { type ClusterTopologyBinding, ClusterTopologyBindingType, PodCliqueSetType } from "@grove-ts/api";
import { groveWebhookConfigurations, startWebhookServer } from "@grove-ts/apiserver";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/kube";
import {
  type Client,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  type Logger,
  noopLogger,
  type ResourceType,
  SharedInformer,
} from "@grove-ts/runtime";

const admission = (kind: string, plural: string): ResourceType => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind,
  plural,
  namespaced: false,
});
export const MutatingWebhookConfigurationType = admission(
  "MutatingWebhookConfiguration",
  "mutatingwebhookconfigurations",
);
export const ValidatingWebhookConfigurationType = admission(
  "ValidatingWebhookConfiguration",
  "validatingwebhookconfigurations",
);

export interface GroveWebhooks {
  url: string;
  stop(): Promise<void>;
}

/** Creates `obj`, or replaces the existing object of that name. */
async function createOrReplace(client: Client, type: ResourceType, obj: KubeObject): Promise<void> {
  try {
    await client.create(type, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const live = await client.get(type, obj.metadata.name ?? "");
    await client.update(type, {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: live?.metadata.resourceVersion },
    });
  }
}

export interface GroveWebhooksOptions {
  logger?: Logger;
  /**
   * Wait until the ClusterTopologyBinding cache is synced (default true). False where the Grove
   * CRDs are not installed yet: the cache fills once they are.
   */
  waitForSync?: boolean;
}

/** Serves Grove's webhooks and registers them with the API server `client` talks to. */
export async function startGroveWebhooks(
  client: Client,
  options: GroveWebhooksOptions = {},
): Promise<GroveWebhooks> {
  const log = (options.logger ?? noopLogger).with({ component: "webhooks" });
  const bindings = new SharedInformer<ClusterTopologyBinding & KubeObject>(
    client,
    ClusterTopologyBindingType,
    {
      logger: log,
    },
  );
  bindings.start();
  if (options.waitForSync ?? true) await bindings.waitForSync();
  const ca = createCertificateAuthority("grove-sim-webhook-ca");
  const serving = issueCertificate(ca, {
    commonName: "grove-webhooks",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
  const server = await startWebhookServer({
    ...serving,
    validation: () => ({ getClusterTopologyBinding: (name) => bindings.cache.get(name) }),
  });
  const configs = groveWebhookConfigurations(server.url, ca.certPem);
  const stop = async () => {
    // Unregister first: a configuration that names a stopped server fails every write (Fail policy).
    for (const [type, obj] of [
      [MutatingWebhookConfigurationType, configs.mutating],
      [ValidatingWebhookConfigurationType, configs.validating],
    ] as const)
      await client
        .delete(type, String((obj.metadata as { name: string }).name))
        .catch((err) => isNotFound(err) || log.warn("webhook configuration not removed", { error: err }));
    await server.close();
    await bindings.stop();
  };
  try {
    await createOrReplace(
      client,
      MutatingWebhookConfigurationType,
      configs.mutating as unknown as KubeObject,
    );
    await createOrReplace(
      client,
      ValidatingWebhookConfigurationType,
      configs.validating as unknown as KubeObject,
    );
    // kube-apiserver picks up webhook configurations asynchronously: where the CRDs are there, wait
    // until a dry-run PodCliqueSet comes back defaulted, so no write right after start misses them.
    if (options.waitForSync ?? true) await untilDefaulting(client);
  } catch (err) {
    await stop();
    throw err;
  }
  log.info("admission webhooks registered", { url: server.url });
  return { url: server.url, stop };
}

/** Polls a dry-run create until the defaulting webhook has filled `terminationDelay` (10 s at most). */
async function untilDefaulting(client: Client, timeoutMs = 10_000): Promise<void> {
  const probe = {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: "grove-sim-webhook-probe", namespace: "default" },
    spec: {
      replicas: 1,
      template: {
        cliques: [
          {
            name: "probe",
            spec: {
              roleName: "probe",
              replicas: 1,
              podSpec: { containers: [{ name: "c", image: "probe" }] },
            },
          },
        ],
      },
    },
  } as unknown as KubeObject;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client
      .create<KubeObject & { spec?: { template?: { terminationDelay?: string } } }>(PodCliqueSetType, probe, {
        dryRun: true,
      })
      .catch(() => undefined);
    if (out?.spec?.template?.terminationDelay) return;
    if (Date.now() > deadline)
      throw new Error(`the admission webhooks were not called within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
