// The Helm chart charts/grove-ts on the real control plane: helm lints it clean, renders it with the
// default values and with the authorizer and manual certificates, and what it renders (CRDs
// included) applies server-side. Then its ServiceAccount, with a token from the TokenRequest API,
// can do what the operator does (the RBAC the chart grants) and is refused what the operator never
// does (least privilege). Only the control plane runs (no operator, no webhooks of grove-sim): the
// chart's Deployment is stored, never started (no deployment controller), so its webhooks, which
// point at a Service with no pods, are never called by what this suite does.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PodCliqueSetType } from "@grove-ts/api";
import { createKubeClient } from "@grove-ts/kube";
import { groveWebhookConfigurations, parseOperatorConfig } from "@grove-ts/operator";
import {
  type Client,
  ConfigMapType,
  isApiError,
  type KubeObject,
  LeaseType,
  NamespaceType,
  NodeType,
  PodType,
  type ResourceType,
  RoleType,
  SecretType,
} from "@grove-ts/runtime";
import { kubeBinDir, type Simulator, startSimulator } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { serviceAccountKubeconfig } from "../src/service-account.js";
import { repoRoot } from "../src/shared.js";
import { kubectlPath } from "../src/target.js";

const chart = join(repoRoot, "charts/grove-ts");
const helm = join(kubeBinDir(), "helm");
const haveHelm = existsSync(helm);
if (!haveHelm) console.warn(`[kube/chart] skipped: ${helm} not built (npm run k8s:build)`);

const NAMESPACE = "grove-system";
const SA = "grove-operator";
const scratch = mkdtempSync(join(tmpdir(), "grove-chart-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Obj = KubeObject & Record<string, unknown>;

// The parts of the rendered objects the assertions read.
interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: unknown };
  readinessProbe: { httpGet: unknown };
  securityContext: unknown;
  volumeMounts: unknown[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
}
interface Deployment extends Obj {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      spec: {
        serviceAccountName: string;
        securityContext: unknown;
        containers: Container[];
        volumes: Volume[];
      };
    };
  };
}
interface Webhook {
  name: string;
  clientConfig: {
    service: { name: string; namespace: string; path: string; port: number };
    caBundle?: string;
  };
  objectSelector?: unknown;
}
interface WebhookConfiguration extends Obj {
  webhooks: Webhook[];
}
interface Service extends Obj {
  spec: { ports: { name: string; port: number; targetPort: string }[]; selector: Record<string, string> };
}
interface ConfigMap extends Obj {
  immutable: boolean;
  data: Record<string, string>;
}
interface Spec<T> extends Obj {
  spec: T;
}

function runHelm(args: string[]) {
  return spawnSync(helm, args, {
    encoding: "utf8",
    // The CRDs alone are over 1 MiB of YAML (spawnSync's default limit cuts the output there).
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(scratch, "helm-cache"),
      HELM_CONFIG_HOME: join(scratch, "helm-config"),
      HELM_DATA_HOME: join(scratch, "helm-data"),
    },
  });
}

/** `helm template` of the chart into the release namespace; throws with helm's message on failure. */
function render(set: string[] = [], extra: string[] = []): { yaml: string; objects: Obj[] } {
  const r = runHelm([
    "template",
    "grove",
    chart,
    "--namespace",
    NAMESPACE,
    ...extra,
    ...set.flatMap((s) => ["--set", s]),
  ]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
  return { yaml: r.stdout, objects };
}

/** The rendered object of that kind (and name); fails the test when there is none. */
function find<T extends Obj>(objects: Obj[], kind: string, name?: string): T {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`nothing rendered of kind ${kind}${name ? ` named ${name}` : ""}`);
  return o as T;
}

const AUTHORIZER_MANUAL = [
  "config.authorizer.enabled=true",
  "config.server.webhooks.certProvisionMode=manual",
];

describe.skipIf(!haveHelm)("charts/grove-ts", () => {
  it("helm lint is clean, also with --strict", () => {
    for (const strict of [[], ["--strict"]]) {
      const r = runHelm(["lint", chart, ...strict]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it("renders with the default values: every object, the Deployment's contract, an OperatorConfiguration the operator accepts", () => {
    const { objects } = render();
    expect(
      objects.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-cm-[0-9a-f]{8}$/, "-cm-<hash8>")).sort(),
    ).toEqual(
      [
        "ClusterRole/grove:system:grove-operator",
        "ClusterRoleBinding/grove:system:grove-operator",
        "ConfigMap/grove-operator-cm-<hash8>",
        "Deployment/grove-operator",
        "MutatingWebhookConfiguration/podcliqueset-defaulting-webhook",
        "PodDisruptionBudget/grove-operator",
        "Role/grove:system:grove-operator",
        "RoleBinding/grove:system:grove-operator",
        "Secret/grove-webhook-server-cert",
        "Service/grove-operator",
        "ServiceAccount/grove-operator",
        "ValidatingWebhookConfiguration/clustertopology-validating-webhook",
        "ValidatingWebhookConfiguration/podcliqueset-validating-webhook",
      ].sort(),
    );

    const deploy = find<Deployment>(objects, "Deployment");
    expect(deploy.spec.replicas).toBe(2);
    const pod = deploy.spec.template.spec;
    expect(pod.serviceAccountName).toBe(SA);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = pod.containers[0]!;
    expect(c.args).toEqual(["--config", "/etc/grove-operator/config.yaml"]);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]))).toEqual({
      POD_NAMESPACE: { fieldRef: { fieldPath: "metadata.namespace" } },
      GROVE_OPERATOR_SERVICE_ACCOUNT_NAME: SA,
      GROVE_INIT_CONTAINER_IMAGE: "grove-ts/grove-initc",
    });
    expect(c.ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      "webhooks:9443",
      "health:9444",
      "metrics:9445",
    ]);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health", scheme: "HTTP" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health", scheme: "HTTP" });
    // Auto mode: no certificate volume (the operator keeps the certificate in the Secret).
    expect(pod.volumes.map((v) => v.name)).toEqual(["config", "tmp"]);

    const cm = find<ConfigMap>(objects, "ConfigMap");
    expect(cm.immutable).toBe(true);
    expect(pod.volumes[0]?.configMap?.name).toBe(cm.metadata.name);
    const config = parseOperatorConfig(cm.data["config.yaml"] ?? "", "config.yaml");
    expect(config).toMatchObject({ qps: 100, burst: 150, logLevel: "info", topologyAwareScheduling: false });
    expect(config.concurrency).toEqual({ pcs: 3, pclq: 3, pcsg: 3, podgang: 5 });

    const svc = find<Service>(objects, "Service");
    expect(svc.spec.ports.map((p) => `${p.name}:${p.port}->${p.targetPort}`)).toEqual([
      "webhooks:443->webhooks",
      "metrics:9445->metrics",
    ]);
    expect(svc.spec.selector).toEqual(deploy.spec.selector.matchLabels);
    expect(find<Spec<{ minAvailable: number }>>(objects, "PodDisruptionBudget").spec.minAvailable).toBe(1);

    const hooks = objects.filter((o) => o.kind?.endsWith("WebhookConfiguration"));
    for (const h of hooks)
      for (const w of (h as WebhookConfiguration).webhooks) {
        expect(w).toMatchObject({
          admissionReviewVersions: ["v1"],
          sideEffects: "None",
          failurePolicy: "Fail",
          timeoutSeconds: 10,
          clientConfig: { service: { name: "grove-operator", namespace: NAMESPACE, port: 443 } },
        });
        expect(w.clientConfig.caBundle).toBeUndefined();
      }
    expect(
      hooks
        .flatMap((h) =>
          (h as WebhookConfiguration).webhooks.map((w) => `${w.name} ${w.clientConfig.service.path}`),
        )
        .sort(),
    ).toEqual([
      "clustertopology.validating.webhooks.grove.io /webhooks/validate-clustertopology",
      "pcs.defaulting.webhooks.grove.io /webhooks/default-podcliqueset",
      "pcs.validating.webhooks.grove.io /webhooks/validate-podcliqueset",
    ]);
  });

  it("renders with the authorizer and manual certificates: the authorizer webhook, cert-manager's CA injection, the Secret mounted", () => {
    const { objects } = render(AUTHORIZER_MANUAL);
    const authorizer = find<WebhookConfiguration>(
      objects,
      "ValidatingWebhookConfiguration",
      "authorizer-webhook",
    ).webhooks[0]!;
    expect(authorizer.name).toBe("authorizer.webhooks.grove.io");
    expect(authorizer.clientConfig.service.path).toBe("/webhooks/authorizer-webhook");
    expect(authorizer.objectSelector).toEqual({
      matchLabels: { "app.kubernetes.io/managed-by": "grove-operator" },
    });
    for (const h of objects.filter((o) => o.kind?.endsWith("WebhookConfiguration")))
      expect(h.metadata.annotations).toEqual({
        "cert-manager.io/inject-ca-from": `${NAMESPACE}/grove-webhook-server-cert`,
      });
    const pod = find<Deployment>(objects, "Deployment").spec.template.spec;
    expect(pod.volumes.find((v) => v.name === "webhook-certs")).toEqual({
      name: "webhook-certs",
      secret: { secretName: "grove-webhook-server-cert" },
    });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({
      name: "webhook-certs",
      mountPath: "/etc/grove-operator/webhook-certs",
      readOnly: true,
    });
    // The same webhooks as grove-operator builds for itself (one definition of Grove's four).
    const operatorOwn = groveWebhookConfigurations({
      target: { service: { namespace: NAMESPACE, name: "grove-operator", port: 443 } },
      authorizer: true,
    });
    expect(operatorOwn.map((c) => `${c.type.kind}/${c.object.metadata.name}`).sort()).toEqual(
      objects
        .filter((o) => o.kind?.endsWith("WebhookConfiguration"))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    );
    for (const c of operatorOwn)
      expect(find<WebhookConfiguration>(objects, c.type.kind, c.object.metadata.name).webhooks).toEqual(
        c.object.webhooks,
      );

    const cm = find<ConfigMap>(objects, "ConfigMap");
    expect(cm.metadata.name).not.toBe(find(render().objects, "ConfigMap").metadata.name);
    expect(() => parseOperatorConfig(cm.data["config.yaml"] ?? "", "config.yaml")).not.toThrow();
  });

  it("one replica renders no PodDisruptionBudget; optional objects follow their switches", () => {
    const one = render(["replicaCount=1", "webhookServerSecret.enabled=false"]).objects;
    expect(one.map((o) => o.kind)).not.toContain("PodDisruptionBudget");
    expect(one.map((o) => o.kind)).not.toContain("Secret");
    const monitored = render(["metrics.serviceMonitor.enabled=true"]).objects;
    expect(find<Spec<{ endpoints: unknown[] }>>(monitored, "ServiceMonitor").spec.endpoints).toEqual([
      expect.objectContaining({ port: "metrics", path: "/metrics", scheme: "http" }),
    ]);
  });

  it("a wrong value fails naming the value and the rule", () => {
    expect(() => render(["config.server.webhooks.certProvisionMode=self"])).toThrow(
      "at '/config/server/webhooks/certProvisionMode': value must be one of 'auto', 'manual'",
    );
    expect(() => render(["config.controllers.podClique.concurrentSyncs=0"])).toThrow(
      "at '/config/controllers/podClique/concurrentSyncs': minimum: got 0, want 1",
    );
    expect(() => render(["replicaCount=0"])).toThrow("at '/replicaCount': minimum: got 0, want 1");
  });
});

describe.skipIf(!haveHelm)("charts/grove-ts on the real control plane", () => {
  let sim: Simulator;
  let admin: Client;
  let operator: Client;
  /** kubectl's output of applying the default rendering (CRDs included), once per file. */
  let installed: string | undefined;
  const install = () => {
    installed ??= apply(render([], ["--include-crds"]).yaml);
    return installed;
  };

  beforeAll(async () => {
    sim = await startSimulator({ controlPlane: "kube", webhooks: false, operator: "external", nodes: 1 });
    admin = sim.client;
    await admin.create(NamespaceType, { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
  });
  afterAll(async () => {
    await sim?.close();
  });

  function apply(yaml: string): string {
    const file = join(scratch, `apply-${Date.now()}.yaml`);
    writeFileSync(file, yaml);
    return execFileSync(
      kubectlPath(),
      [
        "--kubeconfig",
        sim.kubeconfigPath,
        "--cache-dir",
        join(scratch, "kubectl-cache"),
        "apply",
        "--server-side",
        "--field-manager=helm-template",
        "-f",
        file,
      ],
      { encoding: "utf8", env: { ...process.env, HOME: scratch } },
    );
  }

  it("what the chart renders, CRDs included, applies server-side; then with the authorizer and manual certificates", async () => {
    const out = install();
    expect(out).toContain("deployment.apps/grove-operator serverside-applied");
    expect(out).toContain(
      "customresourcedefinition.apiextensions.k8s.io/podcliquesets.grove.io serverside-applied",
    );
    expect(await admin.get(SecretType, "grove-webhook-server-cert", NAMESPACE)).toMatchObject({
      type: "kubernetes.io/tls",
    });

    const again = apply(render(AUTHORIZER_MANUAL).yaml);
    expect(again).toContain(
      "validatingwebhookconfiguration.admissionregistration.k8s.io/authorizer-webhook serverside-applied",
    );
    const hook = await admin.get<WebhookConfiguration>(
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        plural: "validatingwebhookconfigurations",
        namespaced: false,
      },
      "authorizer-webhook",
    );
    expect(hook?.webhooks[0]?.clientConfig.service).toEqual({
      name: "grove-operator",
      namespace: NAMESPACE,
      path: "/webhooks/authorizer-webhook",
      port: 443,
    });
  });

  describe("the chart's ServiceAccount, with a TokenRequest token", () => {
    beforeAll(async () => {
      install();
      operator = createKubeClient({
        kubeconfigPath: await serviceAccountKubeconfig(sim, NAMESPACE, SA),
        qps: -1,
      });
    });

    /** Resolves the HTTP status of a refused request, or "allowed". */
    async function outcome(call: () => Promise<unknown>): Promise<number | "allowed"> {
      try {
        await call();
        return "allowed";
      } catch (err) {
        if (isApiError(err)) return err.code;
        throw err;
      }
    }

    const webhookConfig: ResourceType = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      plural: "validatingwebhookconfigurations",
      namespaced: false,
    };
    const initcRole = (name: string, resources: string[]) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace: "default" },
      rules: [{ apiGroups: [""], resources, verbs: ["get", "list", "watch"] }],
    });

    it("may do what the operator does", async () => {
      // Controllers: PodCliqueSets cluster-wide, pods.
      expect(await outcome(() => operator.list(PodCliqueSetType))).toBe("allowed");
      const pod = await operator.create<Obj>(PodType, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "chart-rbac-probe", namespace: "default" },
        spec: { schedulerName: "grove-scheduler", containers: [{ name: "c", image: "busybox" }] },
      });
      expect(pod.metadata.uid).toBeTruthy();
      // Gang scheduler: binds it.
      expect(await outcome(() => operator.bind("default", "chart-rbac-probe", sim.nodeNames[0] ?? ""))).toBe(
        "allowed",
      );
      // The Role for a PodCliqueSet's grove-initc: RBAC lets it grant only what it holds.
      expect(
        await outcome(() => operator.create(RoleType, initcRole("initc-probe", ["pods", "pods/status"]))),
      ).toBe("allowed");
      // Leader election in the release namespace.
      const lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "grove-operator-leader-election", namespace: NAMESPACE },
        spec: { holderIdentity: "probe", leaseDurationSeconds: 15 },
      };
      expect(await outcome(() => operator.create(LeaseType, lease))).toBe("allowed");
      const held = await operator.get<Spec<{ holderIdentity: string }>>(
        LeaseType,
        "grove-operator-leader-election",
        NAMESPACE,
      );
      expect(held?.spec.holderIdentity).toBe("probe");
      expect(
        await outcome(() =>
          operator.update(LeaseType, { ...held, spec: { ...held?.spec, holderIdentity: "other" } } as Obj),
        ),
      ).toBe("allowed");
      // Webhooks: its own configurations and certificate Secret.
      expect(await outcome(() => operator.get(webhookConfig, "podcliqueset-validating-webhook"))).toBe(
        "allowed",
      );
      expect(await outcome(() => operator.get(SecretType, "grove-webhook-server-cert", NAMESPACE))).toBe(
        "allowed",
      );
      expect(await outcome(() => operator.list(NodeType))).toBe("allowed");
    });

    it("is refused (403) what the operator never does", async () => {
      const node = sim.nodeNames[0] ?? "";
      const refused = {
        "delete a node": await outcome(() => operator.delete(NodeType, node)),
        "create a ClusterRole": await outcome(() =>
          operator.create(
            {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRole",
              plural: "clusterroles",
              namespaced: false,
            },
            {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRole",
              metadata: { name: "chart-probe" },
              rules: [],
            },
          ),
        ),
        "create a Role granting secrets (more than it holds)": await outcome(() =>
          operator.create(RoleType, initcRole("escalation-probe", ["secrets"])),
        ),
        "read a Lease of kube-system": await outcome(() =>
          operator.get(LeaseType, "kube-controller-manager", "kube-system"),
        ),
        "read ConfigMaps of kube-system": await outcome(() =>
          operator.list(ConfigMapType, { namespace: "kube-system" }),
        ),
        "read a webhook configuration not its own": await outcome(() =>
          operator.get(webhookConfig, "someone-elses-webhook"),
        ),
        "read a PodCliqueSet's scale subresource": await outcome(() =>
          operator.getScale(PodCliqueSetType, "x", "default"),
        ),
        "delete a namespace": await outcome(() => operator.delete(NamespaceType, "default")),
      };
      expect(refused).toEqual({
        "delete a node": 403,
        "create a ClusterRole": 403,
        "create a Role granting secrets (more than it holds)": 403,
        "read a Lease of kube-system": 403,
        "read ConfigMaps of kube-system": 403,
        "read a webhook configuration not its own": 403,
        "read a PodCliqueSet's scale subresource": 403,
        "delete a namespace": 403,
      });
    });
  });
});
