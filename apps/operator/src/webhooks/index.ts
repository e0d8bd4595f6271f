// Grove's admission webhooks, served by grove-operator (every replica, leader or not): the HTTPS
// server, its certificate (auto: kept in a Secret; manual: from a directory) and the webhook
// configurations (chart-installed ones get their caBundle patched; out of a cluster the operator
// registers them itself with a url: client config).
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import {
  type ClusterTopologyBinding,
  ClusterTopologyBindingType,
  PodCliqueSetType,
  type ValidationOptions,
} from "@grove-ts/api";
import {
  type Client,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeObject,
  type Logger,
  noopLogger,
  type ResourceType,
  SharedInformer,
} from "@grove-ts/runtime";
import type { AdmissionContext, AuthorizerContext } from "./admission.js";
import {
  autoCertificates,
  type CertBundle,
  type CertSource,
  manualCertificates,
  serviceNames,
} from "./certs.js";
import {
  groveWebhookConfigurations,
  WEBHOOK_CONFIGURATIONS,
  type WebhookConfiguration,
} from "./configurations.js";
import { startWebhookServer, type WebhookServer } from "./server.js";

export * from "./admission.js";
export * from "./certs.js";
export * from "./configurations.js";
export * from "./server.js";

export const DEFAULT_WEBHOOK_SECRET = "grove-webhook-server-cert";
export const DEFAULT_CERT_DIR = "/etc/grove-operator/webhook-certs";
export const DEFAULT_SERVICE_NAME = "grove-operator";

export interface WebhookServingOptions {
  /** The operator's namespace: the certificate Secret and the Service live here. */
  namespace: string;
  /** Bind address ("" = every interface). Default 127.0.0.1 out of a cluster. */
  bindAddress?: string;
  /** 0 = a free port. */
  port: number;
  /** Grove's server.webhooks.certProvisionMode. Default "auto". */
  certProvisionMode?: "auto" | "manual";
  /** auto: the Secret. Default grove-webhook-server-cert. */
  secretName?: string;
  /** manual: where tls.crt, tls.key, ca.crt are mounted. Default /etc/grove-operator/webhook-certs. */
  certDir?: string;
  /** The Service kube-apiserver calls in a cluster. Default grove-operator. */
  serviceName?: string;
  /**
   * Out of a cluster: register the webhook configurations with `url: https://<host>:<port>` (the
   * host is added to the certificate's names). Absent: patch the caBundle of the configurations the
   * chart installed (auto mode; in manual mode cert-manager's CA injector does it).
   */
  registerHost?: string;
  /** On stop, remove the configurations this process created (url mode; updated ones stay). Default true. */
  unregisterOnStop?: boolean;
  /** Wait until kube-apiserver calls the defaulting webhook (url mode). Default false. */
  waitUntilCalled?: boolean;
  /**
   * Wait for the ClusterTopologyBinding cache before serving (default true). False where the Grove
   * CRDs are not installed yet: the cache fills once they are.
   */
  waitForSync?: boolean;
  /** Grove's authorizer webhook (managed resource protection). */
  authorizer?: {
    enabled: boolean;
    exemptServiceAccountUserNames?: string[];
    /** The operator's user name; default from GROVE_OPERATOR_SERVICE_ACCOUNT_NAME, else asked of the API server. */
    operatorUserName?: string;
  };
  /** The operator's configuration the rules depend on (TAS enabled, scheduler profiles, MNNVL). */
  validation?: Omit<ValidationOptions, "getClusterTopologyBinding">;
  /** Certificate lifetimes and checks (auto mode), for tests. */
  certValidityMs?: number;
  renewBeforeMs?: number;
  checkIntervalMs?: number;
  logger?: Logger;
}

export interface RunningWebhooks {
  url: string;
  port: number;
  /** The CA that signed the certificate being served. */
  caPem(): string;
  /** Certificate loaded, server listening and (url mode) configurations registered. */
  ready(): boolean;
  stop(): Promise<void>;
}

const SelfSubjectReviewType: ResourceType = {
  apiVersion: "authentication.k8s.io/v1",
  kind: "SelfSubjectReview",
  plural: "selfsubjectreviews",
  namespaced: false,
};

/** The operator's user name as kube-apiserver sees it (what the authorizer lets through). */
async function operatorUserName(client: Client, namespace: string): Promise<string> {
  const sa = process.env.GROVE_OPERATOR_SERVICE_ACCOUNT_NAME;
  if (sa) return `system:serviceaccount:${namespace}:${sa}`;
  try {
    const review = await client.create<KubeObject & { status?: { userInfo?: { username?: string } } }>(
      SelfSubjectReviewType,
      { apiVersion: SelfSubjectReviewType.apiVersion, kind: SelfSubjectReviewType.kind, metadata: {} },
    );
    const name = review.status?.userInfo?.username;
    if (name) return name;
  } catch {
    // Below.
  }
  throw new Error(
    "authorizer.enabled: cannot tell the operator's own user name: set GROVE_OPERATOR_SERVICE_ACCOUNT_NAME (the chart does) or use an API server that answers SelfSubjectReview",
  );
}

/** Creates or updates `config`; true when it created it. */
async function apply(client: Client, config: WebhookConfiguration): Promise<boolean> {
  // Read first: a chart-installed configuration is updated, which the chart's RBAC grants by
  // name; create (not restrictable by name) is only needed where nothing was installed.
  const name = config.object.metadata.name;
  for (let attempt = 0; ; attempt++) {
    const live = await client.get(config.type, name);
    try {
      if (!live) {
        await client.create(config.type, config.object as unknown as KubeObject);
        return true;
      }
      await client.update(config.type, {
        ...(config.object as unknown as KubeObject),
        metadata: {
          ...live.metadata,
          ...config.object.metadata,
          resourceVersion: live.metadata.resourceVersion,
        },
      });
      return false;
    } catch (err) {
      if (attempt < 3 && (isAlreadyExists(err) || isConflict(err) || isNotFound(err))) continue;
      throw err;
    }
  }
}

/** Sets `caBundle` on every webhook of the named configurations that differ; missing ones are reported. */
async function injectCaBundle(
  client: Client,
  configs: WebhookConfiguration[],
  caPem: string,
  log: Logger,
): Promise<void> {
  const caBundle = Buffer.from(caPem).toString("base64");
  for (const { type, object } of configs) {
    const name = object.metadata.name;
    // Every replica injects the same CA (they share the Secret): a conflict means another one wrote
    // first; read again and find nothing left to do.
    for (let attempt = 0; ; attempt++) {
      const live = await client.get<KubeObject & { webhooks?: { clientConfig?: { caBundle?: string } }[] }>(
        type,
        name,
      );
      if (!live) {
        log.warn("webhook configuration not found: install it (the chart does) or run with --webhook-host", {
          kind: type.kind,
          name,
        });
        break;
      }
      if ((live.webhooks ?? []).every((w) => w.clientConfig?.caBundle === caBundle)) break;
      try {
        await client.update(type, {
          ...live,
          webhooks: (live.webhooks ?? []).map((w) => ({
            ...w,
            clientConfig: { ...w.clientConfig, caBundle },
          })),
        });
        log.info("caBundle injected", { kind: type.kind, name });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 3) throw err;
      }
    }
  }
}

/** Polls a dry-run create until the defaulting webhook has filled `terminationDelay`. */
async function untilDefaulting(client: Client, timeoutMs = 15_000): Promise<void> {
  const probe = {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: "grove-operator-webhook-probe", namespace: "default" },
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
      throw new Error(`kube-apiserver did not call the admission webhooks within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Serves Grove's webhooks; see WebhookServingOptions for the certificate and registration modes. */
export async function startWebhooks(
  client: Client,
  options: WebhookServingOptions,
): Promise<RunningWebhooks> {
  const log = (options.logger ?? noopLogger).with({ component: "webhooks" });
  const mode = options.certProvisionMode ?? "auto";
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.warn("webhook shutdown step failed", { error: err });
      }
    }
  };
  try {
    const bindings = new SharedInformer<ClusterTopologyBinding & KubeObject>(
      client,
      ClusterTopologyBindingType,
      {
        logger: log,
      },
    );
    bindings.start();
    stops.push(() => bindings.stop());

    const service = options.serviceName ?? DEFAULT_SERVICE_NAME;
    const names = { dnsNames: serviceNames(service, options.namespace), ipAddresses: [] as string[] };
    if (options.registerHost) {
      if (isIP(options.registerHost)) names.ipAddresses.push(options.registerHost);
      else names.dnsNames.push(options.registerHost);
    }
    const certs: CertSource =
      mode === "manual"
        ? manualCertificates({
            dir: options.certDir ?? DEFAULT_CERT_DIR,
            ...(options.checkIntervalMs ? { checkIntervalMs: options.checkIntervalMs } : {}),
            logger: log,
          })
        : autoCertificates({
            client,
            namespace: options.namespace,
            secretName: options.secretName ?? DEFAULT_WEBHOOK_SECRET,
            names,
            ...(options.certValidityMs ? { certValidityMs: options.certValidityMs } : {}),
            ...(options.renewBeforeMs ? { renewBeforeMs: options.renewBeforeMs } : {}),
            ...(options.checkIntervalMs ? { checkIntervalMs: options.checkIntervalMs } : {}),
            logger: log,
          });
    const first = await certs.start();
    stops.push(() => certs.stop());

    let authorizer: AuthorizerContext | undefined;
    if (options.authorizer?.enabled) {
      authorizer = {
        operatorUserName:
          options.authorizer.operatorUserName ?? (await operatorUserName(client, options.namespace)),
        exemptUserNames: options.authorizer.exemptServiceAccountUserNames ?? [],
        podCliqueSetAnnotations: async (namespace, name) =>
          (await client.get(PodCliqueSetType, name, namespace))?.metadata.annotations ?? undefined,
      };
      log.info("authorizer webhook enabled", { operator: authorizer.operatorUserName });
    }
    const context = (): AdmissionContext => ({
      validation: { ...options.validation, getClusterTopologyBinding: (name) => bindings.cache.get(name) },
      ...(authorizer ? { authorizer } : {}),
    });
    const server: WebhookServer = await startWebhookServer({
      certPem: first.certPem,
      keyPem: first.keyPem,
      port: options.port,
      host: options.bindAddress ?? "127.0.0.1",
      context,
      logger: log,
    });
    stops.push(() => server.close());

    const url = options.registerHost
      ? `https://${options.registerHost.includes(":") ? `[${options.registerHost}]` : options.registerHost}:${server.port}`
      : server.url;
    const configsFor = (bundle: CertBundle) =>
      groveWebhookConfigurations({
        target: options.registerHost
          ? { url }
          : { service: { namespace: options.namespace, name: service, port: 443 } },
        ...(mode === "auto" || options.registerHost ? { caPem: bundle.caPem } : {}),
        authorizer: options.authorizer?.enabled ?? false,
      });
    let registered = false;
    /** Configurations this process created (url mode): removed again on stop. */
    const created = new Set<string>();
    const publish = async (bundle: CertBundle) => {
      const configs = configsFor(bundle);
      if (options.registerHost) {
        for (const c of configs)
          if (await apply(client, c)) created.add(`${c.type.kind}/${c.object.metadata.name}`);
        registered = true;
      } else if (mode === "auto") await injectCaBundle(client, configs, bundle.caPem, log);
    };
    certs.onChange((bundle) => {
      server.setCertificate(bundle.certPem, bundle.keyPem);
      publish(bundle).catch((err) => log.error("webhook configurations not updated", { error: err }));
    });
    if (options.waitForSync ?? true) await bindings.waitForSync();
    await publish(first);
    if (options.registerHost) {
      if (options.unregisterOnStop ?? true)
        stops.push(async () => {
          // Unregister before the server closes: a configuration naming a stopped server fails every
          // write it matches (failurePolicy Fail).
          for (const { type, object } of configsFor(first)) {
            if (!created.has(`${type.kind}/${object.metadata.name}`)) continue;
            await client.delete(type, object.metadata.name).catch((err) => {
              if (!isNotFound(err)) throw err;
            });
          }
        });
      if (options.waitUntilCalled) await untilDefaulting(client);
    } else if (mode === "auto") {
      // Re-inject on every certificate check: a `helm upgrade` resets the chart's caBundle.
      const timer = setInterval(() => {
        const b = certs.current();
        if (b)
          injectCaBundle(client, configsFor(b), b.caPem, log).catch((err) =>
            log.warn("caBundle check failed", { error: err }),
          );
      }, options.checkIntervalMs ?? 60_000);
      timer.unref();
      stops.push(() => clearInterval(timer));
    }
    log.info("admission webhooks serving", {
      url,
      certProvisionMode: mode,
      registration: options.registerHost
        ? "url"
        : mode === "auto"
          ? "caBundle injection"
          : "external (cert-manager)",
      configurations: Object.values(WEBHOOK_CONFIGURATIONS).filter(
        (n) => n !== WEBHOOK_CONFIGURATIONS.authorizer || options.authorizer?.enabled,
      ),
    });
    return {
      url,
      port: server.port,
      caPem: () => certs.current()?.caPem ?? first.caPem,
      ready: () =>
        certs.current() !== undefined && server.server.listening && (!options.registerHost || registered),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The namespace the operator runs in: POD_NAMESPACE, the service account's namespace file, else "default". */
export function operatorNamespace(
  env: NodeJS.ProcessEnv = process.env,
  saNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(saNamespaceFile, "utf8").trim();
    if (ns) return ns;
  } catch {
    // Not in a pod.
  }
  return "default";
}
