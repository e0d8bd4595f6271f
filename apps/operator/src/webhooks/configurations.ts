import { LabelManagedBy, LabelName } from "@grove-ts/api";
// Grove's webhook configurations (grove-behaviour.md §15, grove-api.md §9.7), by Grove's names: the
// chart installs them pointing at the operator's Service and the operator keeps their caBundle
// current; out of a cluster (grove-sim, tests, development) the operator writes them itself with a
// `url:` client config. Both paths build them here, so they cannot drift apart.
import type { ResourceType } from "@grove-ts/runtime";
import { WEBHOOK_PATHS } from "./admission.js";

type Obj = Record<string, unknown>;

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

/** Configuration names, as Grove's chart and cert controller use them. */
export const WEBHOOK_CONFIGURATIONS = {
  defaultPodCliqueSet: "podcliqueset-defaulting-webhook",
  validatePodCliqueSet: "podcliqueset-validating-webhook",
  validateClusterTopology: "clustertopology-validating-webhook",
  authorizer: "authorizer-webhook",
} as const;

export interface WebhookConfiguration {
  type: ResourceType;
  object: Obj & { metadata: { name: string; labels?: Record<string, string> }; webhooks: Obj[] };
}

export type ClientConfigTarget =
  | { url: string }
  | { service: { namespace: string; name: string; port?: number } };

export interface ConfigurationOptions {
  /** Where kube-apiserver calls the webhooks: a base URL, or the operator's Service. */
  target: ClientConfigTarget;
  /** PEM CA that signed the serving certificate (absent: left for cert-manager's CA injector). */
  caPem?: string;
  /** Include the authorizer webhook (`authorizer.enabled`). Default false. */
  authorizer?: boolean;
  /** Default 10 (seconds), as Grove's chart. */
  timeoutSeconds?: number;
}

/** The managed objects the authorizer webhook sees (grove-api.md §9.7). */
const AUTHORIZER_RULES = [
  {
    apiGroups: [""],
    apiVersions: ["v1"],
    resources: ["secrets", "serviceaccounts", "services"],
    operations: ["UPDATE", "DELETE"],
  },
  {
    apiGroups: ["rbac.authorization.k8s.io"],
    apiVersions: ["v1"],
    resources: ["roles", "rolebindings"],
    operations: ["UPDATE", "DELETE"],
  },
  {
    apiGroups: ["autoscaling"],
    apiVersions: ["v1", "v2"],
    resources: ["horizontalpodautoscalers"],
    operations: ["UPDATE", "DELETE"],
  },
  { apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["UPDATE"] },
  {
    apiGroups: ["grove.io"],
    apiVersions: ["v1alpha1"],
    resources: ["podcliques", "podcliquescalinggroups"],
    operations: ["CREATE", "UPDATE", "DELETE"],
  },
  {
    apiGroups: ["scheduler.grove.io"],
    apiVersions: ["v1alpha1"],
    resources: ["podgangs"],
    operations: ["CREATE", "UPDATE", "DELETE"],
  },
].map((r) => ({ ...r, scope: "Namespaced" }));

/** Grove's webhook configurations: one mutating, two or three validating. */
export function groveWebhookConfigurations(options: ConfigurationOptions): WebhookConfiguration[] {
  const clientConfig = (path: string): Obj => {
    const base: Obj =
      "url" in options.target
        ? { url: `${options.target.url.replace(/\/$/, "")}${path}` }
        : { service: { port: 443, ...options.target.service, path } };
    if (options.caPem) base.caBundle = Buffer.from(options.caPem).toString("base64");
    return base;
  };
  const hook = (name: string, path: string, rules: Obj[], extra: Obj = {}): Obj => ({
    name,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: options.timeoutSeconds ?? 10,
    matchPolicy: "Equivalent",
    clientConfig: clientConfig(path),
    rules,
    ...extra,
  });
  const groveRule = (resource: string, scope: "Namespaced" | "Cluster"): Obj => ({
    apiGroups: ["grove.io"],
    apiVersions: ["v1alpha1"],
    operations: ["CREATE", "UPDATE"],
    resources: [resource],
    scope,
  });
  const config = (type: ResourceType, name: string, webhook: Obj): WebhookConfiguration => ({
    type,
    object: {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: { name, labels: { [LabelName]: "grove-operator" } },
      webhooks: [webhook],
    },
  });
  const out = [
    config(
      MutatingWebhookConfigurationType,
      WEBHOOK_CONFIGURATIONS.defaultPodCliqueSet,
      hook(
        "pcs.defaulting.webhooks.grove.io",
        WEBHOOK_PATHS.defaultPodCliqueSet,
        [groveRule("podcliquesets", "Namespaced")],
        { reinvocationPolicy: "Never" },
      ),
    ),
    config(
      ValidatingWebhookConfigurationType,
      WEBHOOK_CONFIGURATIONS.validatePodCliqueSet,
      hook("pcs.validating.webhooks.grove.io", WEBHOOK_PATHS.validatePodCliqueSet, [
        groveRule("podcliquesets", "Namespaced"),
      ]),
    ),
    config(
      ValidatingWebhookConfigurationType,
      WEBHOOK_CONFIGURATIONS.validateClusterTopology,
      hook("clustertopology.validating.webhooks.grove.io", WEBHOOK_PATHS.validateClusterTopology, [
        groveRule("clustertopologybindings", "Cluster"),
      ]),
    ),
  ];
  if (options.authorizer)
    out.push(
      config(
        ValidatingWebhookConfigurationType,
        WEBHOOK_CONFIGURATIONS.authorizer,
        hook("authorizer.webhooks.grove.io", WEBHOOK_PATHS.authorizer, AUTHORIZER_RULES, {
          objectSelector: { matchLabels: { [LabelManagedBy]: "grove-operator" } },
        }),
      ),
    );
  return out;
}
