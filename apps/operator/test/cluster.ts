// The cluster every operator test starts from: our API server on loopback (a kubeconfig for the
// operator's HTTP client), the Grove CRDs, optionally kube-controller-manager's token controller
// (the controllers wait for the SA token Secret's data) and a few nodes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groveCrds } from "@grove-ts/api";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import {
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  SecretType,
  type WatchHandle,
} from "@grove-ts/runtime";

export interface TestCluster {
  api: RunningApiServer;
  kubeconfig: string;
  dir: string;
  close(): Promise<void>;
}

export interface TestClusterOptions {
  /** Fill service-account token Secrets as kube-controller-manager does. Default true. */
  tokens?: boolean;
  /** Nodes of 4 CPU / 8Gi to create. Default none. */
  nodes?: string[];
}

export async function startTestCluster(
  prefix: string,
  options: TestClusterOptions = {},
): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const kubeconfig = join(dir, "kubeconfig");
  const api = await startApiServer({ kubeconfigPath: kubeconfig });
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  let tokens: WatchHandle | undefined;
  if (options.tokens ?? true)
    tokens = await api.client.watch<KubeObject & { type?: string; data?: Record<string, string> }>(
      SecretType,
      {},
      (ev) => {
        const s = ev.object;
        if (ev.type !== "ADDED" || s.type !== "kubernetes.io/service-account-token" || s.data?.token) return;
        void api.client
          .patch(SecretType, s.metadata.name ?? "", s.metadata.namespace, {
            type: "merge",
            body: { data: { token: Buffer.from("t").toString("base64") } },
          })
          .catch(() => {});
      },
    );
  for (const name of options.nodes ?? [])
    await api.client.create(NodeType, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name } },
      status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
    } as KubeObject);
  return {
    api,
    kubeconfig,
    dir,
    close: async () => {
      tokens?.stop();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Retries `check` (which throws until it holds) every 50 ms; rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
