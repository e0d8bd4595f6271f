// A minimal CustomResourceDefinition for NVIDIA's ComputeDomain (resource.nvidia.com/v1beta1, the
// k8s-dra-driver-gpu kind Grove's auto-MNNVL creates, grove-api.md §15.9), written for grove-ts: the
// spec fields Grove sets (numNodes, channel.resourceClaimTemplate.name) are typed, the rest (the
// driver's other spec fields, its status) is kept as sent. Installed by grove-sim on clusters that
// say `computeDomains: true` and by tests on a real control plane; a real cluster gets the driver's own.
import type { CustomResourceDefinition, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";

export const COMPUTE_DOMAIN_GROUP = "resource.nvidia.com";
export const COMPUTE_DOMAIN_VERSION = "v1beta1";
export const COMPUTE_DOMAIN_CRD_NAME = "computedomains.resource.nvidia.com";

/** kubernetes-types has no x-kubernetes-* keys; the API servers read them. */
const preserve = { "x-kubernetes-preserve-unknown-fields": true } as Record<string, unknown>;

export function computeDomainCrd(): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: COMPUTE_DOMAIN_CRD_NAME },
    spec: {
      group: COMPUTE_DOMAIN_GROUP,
      scope: "Namespaced",
      names: {
        kind: "ComputeDomain",
        listKind: "ComputeDomainList",
        plural: "computedomains",
        singular: "computedomain",
      },
      versions: [
        {
          name: COMPUTE_DOMAIN_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
          schema: {
            openAPIV3Schema: <JSONSchemaProps>{
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: {
                  type: "object",
                  required: ["numNodes", "channel"],
                  ...preserve,
                  properties: {
                    numNodes: { type: "integer", minimum: 0 },
                    channel: {
                      type: "object",
                      required: ["resourceClaimTemplate"],
                      ...preserve,
                      properties: {
                        resourceClaimTemplate: {
                          type: "object",
                          required: ["name"],
                          properties: { name: { type: "string", minLength: 1 } },
                        },
                      },
                    },
                  },
                },
                status: { type: "object", ...preserve },
              },
            },
          },
        },
      ],
    },
  };
}
