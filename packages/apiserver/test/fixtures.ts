// Small, self-contained CRDs and objects for the apiserver's own tests.
import type { KubeObject, ResourceType } from "@grove-ts/runtime";

export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: {
      plural: "widgets",
      singular: "widget",
      kind: "Widget",
      listKind: "WidgetList",
      shortNames: ["wd"],
      categories: ["all"],
    },
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
        additionalPrinterColumns: [
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  replicas: { type: "integer", minimum: 0, default: 1 },
                  size: { type: "string", enum: ["small", "large"] },
                  mode: { type: "string", default: "fast" },
                  tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
                  port: { "x-kubernetes-int-or-string": true },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
              status: {
                type: "object",
                properties: {
                  replicas: { type: "integer" },
                  selector: { type: "string" },
                  conditions: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: { type: { type: "string" }, status: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

export const WidgetType: ResourceType = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  plural: "widgets",
  namespaced: true,
};

export interface Widget extends KubeObject {
  spec?: {
    replicas?: number;
    size?: string;
    mode?: string;
    tags?: string[];
    port?: number | string;
    extra?: unknown;
  };
  status?: { replicas?: number; selector?: string; conditions?: { type: string; status: string }[] };
}

export const widget = (
  name: string,
  spec: Widget["spec"] = { size: "small" },
  extra: Partial<Widget["metadata"]> = {},
): Widget => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name, namespace: "default", ...extra },
  spec,
});

export const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", labels: { app: "demo" } },
  spec: { containers: [{ name: "main", image: "nginx", env: [{ name: "A", value: "1" }] }] },
  ...extra,
});
