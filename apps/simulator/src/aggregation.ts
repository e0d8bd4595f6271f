// API aggregation on the real control plane: kube-apiserver's aggregator proxies a group version to
// an extension API server named by an APIService, as it proxies metrics.k8s.io to metrics-server.
// Here that server is grove-sim's own (the same handlers our API server mounts: metrics/apis.ts):
//   - kube-apiserver gets the front-proxy flags: a front-proxy CA it trusts for request headers
//     (--requestheader-*), and a client certificate signed by it that it presents to extension
//     servers (--proxy-client-*); made once and kept with the control plane's certificates;
//   - grove-sim serves the groups over HTTPS on loopback, with a serving certificate for
//     <service>.<namespace>.svc (the name the aggregator verifies), and answers only requests that
//     present the front-proxy client certificate;
//   - a Service of type ExternalName `localhost` and one APIService per group version (service
//     port = grove-sim's port, caBundle = its CA): without --enable-aggregator-routing the
//     aggregator resolves an ExternalName Service to https://<externalName>:<APIService port>
//     (k8s.io/apiserver/pkg/util/proxy ResolveCluster), so no cluster network is needed.
// The user the front proxy names (X-Remote-User) is not authorized again: kube-apiserver's RBAC
// already allowed the request (the HPA controller's role lists metrics.k8s.io and
// custom.metrics.k8s.io).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { type MountedApi, mountedApiHandler } from "@grove-ts/apiserver";
import { type Client, isNotFound, type KubeObject, type Logger, type ResourceType } from "@grove-ts/runtime";
import { createCertificateAuthority, generateKeyPairAsync, issueCertificate } from "@grove-ts/runtime/pki";

/** The CN of the client certificate kube-apiserver presents to extension servers. */
export const FRONT_PROXY_CLIENT = "front-proxy-client";
/** The Service the APIServices name. */
export const METRICS_SERVICE = { name: "grove-sim-metrics", namespace: "kube-system" };

export interface FrontProxyPki {
  caCrt: string;
  clientCrt: string;
  clientKey: string;
  /** The front-proxy CA, PEM: what an extension server verifies the proxy's certificate with. */
  caPem: string;
}

/**
 * The front-proxy CA and client certificate in `dir`, made on first use and kept. Their keys are
 * made off the event loop, so a start-up can run this while it waits for etcd.
 */
export async function ensureFrontProxyPki(dir: string): Promise<FrontProxyPki> {
  const files = {
    caCrt: join(dir, "front-proxy-ca.crt"),
    caKey: join(dir, "front-proxy-ca.key"),
    clientCrt: join(dir, "front-proxy-client.crt"),
    clientKey: join(dir, "front-proxy-client.key"),
  };
  if (!Object.values(files).every((p) => existsSync(p))) {
    const [caKeys, clientKeys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
    const ca = createCertificateAuthority("grove-sim-front-proxy-ca", 3650, { keys: caKeys });
    const client = issueCertificate(ca, {
      commonName: FRONT_PROXY_CLIENT,
      usage: "client",
      keys: clientKeys,
    });
    mkdirSync(dir, { recursive: true });
    const write = (p: string, s: string) => writeFileSync(p, s, { mode: 0o600 });
    write(files.caCrt, ca.certPem);
    write(files.caKey, ca.keyPem);
    write(files.clientCrt, client.certPem);
    write(files.clientKey, client.keyPem);
  }
  return { ...files, caPem: readFileSync(files.caCrt, "utf8") };
}

/** The extension server's serving certificate and the CA that signed it (the APIServices' caBundle). */
export interface ServingCert {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * A serving certificate for <service>.<namespace>.svc (the name the aggregator verifies), signed
 * by a CA made for it; the keys are made off the event loop (start it before the control plane).
 */
export async function metricsServingCert(): Promise<ServingCert> {
  const { name, namespace } = METRICS_SERVICE;
  const [caKeys, keys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
  const ca = createCertificateAuthority("grove-sim-metrics-ca", 3650, { keys: caKeys });
  const serving = issueCertificate(ca, {
    commonName: `${name}.${namespace}.svc`,
    dnsNames: [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`, "localhost"],
    ipAddresses: ["127.0.0.1"],
    usage: "server",
    keys,
  });
  return { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
}

/** kube-apiserver's flags for aggregation (what kubeadm sets). */
export function aggregationFlags(pki: FrontProxyPki): string[] {
  return [
    `--requestheader-client-ca-file=${pki.caCrt}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${pki.clientCrt}`,
    `--proxy-client-key-file=${pki.clientKey}`,
  ];
}

const ServiceType: ResourceType = { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true };
const APIServiceType: ResourceType = {
  apiVersion: "apiregistration.k8s.io/v1",
  kind: "APIService",
  plural: "apiservices",
  namespaced: false,
};

/** Creates `obj`, or replaces the spec of the one there (a restart over kept data has another port and CA). */
async function apply(client: Client, type: ResourceType, obj: KubeObject & { spec: unknown }): Promise<void> {
  const live = await client.get<KubeObject & { spec: unknown }>(
    type,
    obj.metadata.name ?? "",
    obj.metadata.namespace,
  );
  if (!live) await client.create(type, obj);
  else await client.update(type, { ...live, spec: obj.spec });
}

export interface AggregatedApis {
  /** https://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `apis` over HTTPS behind kube-apiserver's aggregator and registers them (Service and
 * APIServices); resolves once every APIService is Available.
 */
export async function serveAggregatedApis(
  client: Client,
  apis: readonly MountedApi[],
  frontProxyCaPem: string,
  options: { logger: Logger; timeoutMs?: number; serving?: Promise<ServingCert> },
): Promise<AggregatedApis> {
  const log = options.logger.with({ component: "aggregated-apis" });
  const { name, namespace } = METRICS_SERVICE;
  const ext = await startExtensionServer(apis, frontProxyCaPem, options.serving ?? metricsServingCert());
  const { port, close } = ext;
  try {
    await apply(client, ServiceType, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "grove-sim" } },
      spec: { type: "ExternalName", externalName: "localhost" },
    });
    const caBundle = Buffer.from(ext.caPem).toString("base64");
    const names = apis.map((a) => `${a.version}.${a.group}`);
    for (const a of apis)
      await apply(client, APIServiceType, {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: {
          name: `${a.version}.${a.group}`,
          labels: { "app.kubernetes.io/managed-by": "grove-sim" },
        },
        spec: {
          group: a.group,
          version: a.version,
          service: { name, namespace, port },
          caBundle,
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      });
    await waitAvailable(client, names, options.timeoutMs ?? 60_000);
    log.info("APIServices available", { apiServices: names.join(","), port });
    return { url: `https://127.0.0.1:${port}`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface ExtensionServer {
  port: number;
  /** The CA of the serving certificate (the APIServices' caBundle). */
  caPem: string;
  close(): Promise<void>;
}

/**
 * `apis` over HTTPS on 127.0.0.1 (a free port), with a serving certificate for
 * <service>.<namespace>.svc signed by a CA made here, answering only the front proxy: a client
 * certificate signed by `frontProxyCaPem` with the CN front-proxy-client (health checks excepted).
 */
export async function startExtensionServer(
  apis: readonly MountedApi[],
  frontProxyCaPem: string,
  serving: ServingCert | Promise<ServingCert> = metricsServingCert(),
): Promise<ExtensionServer> {
  const tls = await serving;
  const authorize = (req: { socket: unknown }): string | undefined => {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return "a client certificate signed by the front-proxy CA is required";
    const cn = socket.getPeerCertificate()?.subject?.CN;
    return cn === FRONT_PROXY_CLIENT
      ? undefined
      : `client certificate ${String(cn)} is not the front proxy's`;
  };
  const server: Server = createServer(
    {
      key: tls.keyPem,
      cert: tls.certPem,
      ca: frontProxyCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    mountedApiHandler(apis, authorize),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    caPem: tls.caPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface ApiServiceStatus extends KubeObject {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function waitAvailable(client: Client, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const n of names) {
    for (;;) {
      const s = await client.get<ApiServiceStatus>(APIServiceType, n).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      const c = s?.status?.conditions?.find((x) => x.type === "Available");
      if (c?.status === "True") break;
      if (Date.now() > deadline)
        throw new Error(
          `APIService ${n} did not become Available within ${timeoutMs / 1000} s: ${c ? `${c.reason}: ${c.message}` : "no status"}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
