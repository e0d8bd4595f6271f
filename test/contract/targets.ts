// The Client implementations the contract runs against. In the "grove" test project: the API
// server's in-process client, and @grove-ts/kube's client over HTTP to the same server code started
// on a free port. In the "kube" project (GROVE_TARGET=kube, the binaries built): only
// @grove-ts/kube's client over HTTPS to the real kube-apiserver (etcd, kube-apiserver and
// kube-controller-manager from source), the reference our API server is measured against.
import { createApiServer, InProcessClient, startApiServer } from "@grove-ts/apiserver";
import { createKubeClient } from "@grove-ts/kube";
import type { Client, KubeObject, ResourceType } from "@grove-ts/runtime";
import { missingKubeBinaries, startControlPlane } from "@grove-ts/simulator";

export interface Target {
  client: Client;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Writes the server's watch history keeps before a version is 410 Gone. */
  historySize?: number;
  /** How often watches that asked for bookmarks get one. */
  bookmarkMs?: number;
}

export interface TargetDef {
  name: string;
  /**
   * Whether start() honours TargetOptions (our API server's knobs). kube-apiserver has none: its
   * watch cache and bookmark period are its own, so cases that need them find another way or skip.
   */
  serverKnobs: boolean;
  /** kube-controller-manager runs beside the server and writes kube-root-ca.crt into every namespace. */
  controllerManager: boolean;
  start(o?: TargetOptions): Promise<Target>;
}

const groveTargets: TargetDef[] = [
  {
    name: "in-process client",
    serverKnobs: true,
    controllerManager: false,
    start: async ({ bookmarkMs, ...o } = {}) => {
      const s = createApiServer({ groveAdmission: false, ...o });
      return { client: bookmarkMs ? new InProcessClient(s.server, bookmarkMs) : s.client, close: s.close };
    },
  },
  {
    name: "kube client over HTTP",
    serverKnobs: true,
    controllerManager: false,
    start: async (o = {}) => {
      const s = await startApiServer({ port: 0, groveAdmission: false, ...o });
      // Rate limiting off: the suite is about semantics, and the limiter has its own unit tests.
      const client = createKubeClient({ server: s.url, token: s.token, qps: -1 });
      return { client, close: s.close };
    },
  },
];

const kubeTarget: TargetDef = {
  name: "kube client over HTTPS to the real kube-apiserver",
  serverKnobs: false,
  controllerManager: true,
  start: async (o = {}) => {
    // A case that needs a knob must skip here (serverKnobs), not run silently without it.
    if (Object.keys(o).length)
      throw new Error(`kube-apiserver has no ${Object.keys(o).join(", ")}: skip the case (serverKnobs)`);
    const cp = await startControlPlane();
    return { client: createKubeClient({ kubeconfigPath: cp.kubeconfigPath, qps: -1 }), close: cp.stop };
  },
};

/** What startControlPlane needs (helm and kube-scheduler are not part of it). */
const kubeMissing = missingKubeBinaries().filter((p) => p !== "helm" && p !== "kube-scheduler");
const kubeRun = process.env.GROVE_TARGET === "kube";
if (kubeRun && kubeMissing.length)
  console.warn(
    `[contract] GROVE_TARGET=kube but ${kubeMissing.join(", ")} not built (npm run k8s:build): running against our API server`,
  );

export const targets: TargetDef[] = kubeRun && kubeMissing.length === 0 ? [kubeTarget] : groveTargets;

export const WidgetType: ResourceType = {
  apiVersion: "contract.grove.io/v1",
  kind: "Widget",
  plural: "widgets",
  namespaced: true,
};

/** A namespaced CRD with status and scale subresources, as the Grove kinds have. */
export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.contract.grove.io" },
  spec: {
    group: "contract.grove.io",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector",
          },
        },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: { replicas: { type: "integer" }, color: { type: "string" } },
              },
              status: {
                type: "object",
                properties: {
                  replicas: { type: "integer" },
                  selector: { type: "string" },
                  phase: { type: "string" },
                },
              },
            },
          },
        },
      },
    ],
  },
};

export interface Widget extends KubeObject {
  spec?: { replicas?: number; color?: string };
  status?: { replicas?: number; selector?: string; phase?: string };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    containers: { name: string; image: string; env?: { name: string; value: string }[] }[];
  };
  status?: { phase?: string };
}

/** Polls `check` until it returns true; fails naming `what` after `limitMs` (a bound, not a timing assertion). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 5000,
): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`never happened within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
