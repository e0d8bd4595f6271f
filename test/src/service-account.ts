// A kubeconfig that acts as a ServiceAccount: what a pod of that account would be, for a process run
// out of the cluster (grove-operator with the chart's RBAC) or for requests a test expects RBAC to
// allow or refuse. The token comes from the TokenRequest API (POST
// /api/v1/namespaces/NS/serviceaccounts/NAME/token), asked with the cluster's admin kubeconfig.
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { dirname, join } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, string | undefined> }[];
  contexts?: { name: string; context: { cluster: string; user: string } }[];
}

export interface ServiceAccountKubeconfigOptions {
  /** Token lifetime; default 3600 (kube-apiserver's minimum is 600). */
  expirationSeconds?: number;
  /** Where to write the kubeconfig; default next to the admin kubeconfig, named after the account. */
  out?: string;
}

/** The admin kubeconfig's current cluster and user, with its credentials decoded. */
function adminAccess(kubeconfigPath: string) {
  const kc = parseYaml(readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
  const ctx = kc.contexts?.find((c) => c.name === kc["current-context"]) ?? kc.contexts?.[0];
  const cluster = kc.clusters?.find((c) => c.name === ctx?.context.cluster);
  const user = kc.users?.find((u) => u.name === ctx?.context.user)?.user ?? {};
  if (!cluster) throw new Error(`${kubeconfigPath}: no cluster for context ${kc["current-context"]}`);
  const b64 = (v: string | undefined) => (v ? Buffer.from(v, "base64").toString("utf8") : undefined);
  return {
    cluster,
    server: String(cluster.cluster.server),
    ca: b64(cluster.cluster["certificate-authority-data"] as string | undefined),
    cert: b64(user["client-certificate-data"]),
    key: b64(user["client-key-data"]),
    token: user.token,
  };
}

/** POSTs a TokenRequest for `namespace/name` and resolves the token. */
function requestToken(
  access: ReturnType<typeof adminAccess>,
  namespace: string,
  name: string,
  expirationSeconds: number,
): Promise<string> {
  const url = new URL(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`,
    access.server,
  );
  const body = JSON.stringify({
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds },
  });
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...(access.token ? { authorization: `Bearer ${access.token}` } : {}),
        },
        ...(access.ca ? { ca: access.ca } : {}),
        ...(access.cert && access.key ? { cert: access.cert, key: access.key } : {}),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => {
          let parsed: { status?: { token?: string }; message?: string } = {};
          try {
            parsed = JSON.parse(text);
          } catch {
            // Reported below with the status code.
          }
          const token = parsed.status?.token;
          if (res.statusCode === 201 && token) resolve(token);
          else
            reject(
              new Error(
                `TokenRequest for serviceaccount ${namespace}/${name}: HTTP ${res.statusCode}: ${parsed.message ?? text.slice(0, 200)}`,
              ),
            );
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Writes a kubeconfig for the ServiceAccount `namespace/name` of the cluster `sim.kubeconfigPath`
 * (an admin kubeconfig, e.g. a Simulator's) names, and resolves its path. The account must exist.
 */
export async function serviceAccountKubeconfig(
  sim: { kubeconfigPath: string },
  namespace: string,
  name: string,
  options: ServiceAccountKubeconfigOptions = {},
): Promise<string> {
  const access = adminAccess(sim.kubeconfigPath);
  const token = await requestToken(access, namespace, name, options.expirationSeconds ?? 3600);
  const user = `system:serviceaccount:${namespace}:${name}`;
  const out = options.out ?? join(dirname(sim.kubeconfigPath), `sa-${namespace}-${name}.kubeconfig`);
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [access.cluster],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: access.cluster.name, user } }],
    "current-context": user,
  };
  writeFileSync(out, toYaml(kubeconfig), { mode: 0o600 });
  return out;
}
