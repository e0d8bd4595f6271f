// Where the KubeConfig comes from: a file (as kubectl's --kubeconfig), the in-cluster service
// account, or the usual defaults ($KUBECONFIG, ~/.kube/config, in-cluster).
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export interface KubeConfigSource {
  /** Path to a kubeconfig file. */
  kubeconfigPath?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). */
  inCluster?: boolean;
  /** In-cluster mode: a prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  inClusterRoot?: string;
  /** A context other than current-context. */
  context?: string;
  /** A server URL and bearer token instead of a file (http:// servers get insecure-skip-tls-verify, as kube-api-compat §0 requires). */
  server?: string;
  token?: string;
}

export class KubeConfigError extends Error {
  readonly code = "KubeConfigInvalid";
  constructor(message: string) {
    super(message);
    this.name = "KubeConfigError";
  }
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const given = [source.kubeconfigPath, source.inCluster, source.server].filter(
    (v) => v !== undefined && v !== false,
  );
  if (given.length > 1) throw new KubeConfigError("kubeconfigPath, inCluster and server: give one at most");
  try {
    if (source.server) {
      const url = new URL(source.server);
      kc.loadFromOptions({
        clusters: [{ name: "grove", server: url.origin, skipTLSVerify: url.protocol === "http:" }],
        users: [{ name: "grove", ...(source.token ? { token: source.token } : {}) }],
        contexts: [{ name: "grove", cluster: "grove", user: "grove" }],
        currentContext: "grove",
      });
    } else if (source.kubeconfigPath) kc.loadFromFile(source.kubeconfigPath);
    else if (source.inCluster) {
      if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT)
        throw new Error(
          "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod (give a kubeconfig)",
        );
      const token = `${source.inClusterRoot ?? ""}/var/run/secrets/kubernetes.io/serviceaccount/token`;
      if (!existsSync(token)) throw new Error(`${token}: no service account token mounted`);
      kc.loadFromCluster(source.inClusterRoot);
    } else kc.loadFromDefault();
  } catch (err) {
    throw new KubeConfigError(
      `kubeconfig ${source.server ?? source.kubeconfigPath ?? (source.inCluster ? "(in-cluster)" : "(default)")}: ${(err as Error).message}`,
    );
  }
  if (source.context) {
    if (!kc.getContextObject(source.context))
      throw new KubeConfigError(`context: ${JSON.stringify(source.context)} is not in the kubeconfig`);
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster())
    throw new KubeConfigError("kubeconfig: the current context names no cluster (check current-context)");
  return kc;
}
