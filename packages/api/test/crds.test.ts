import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildK8sDefinitions } from "../scripts/gen-k8s-definitions.js";
import { allCrds, crdFileName, GROVE_KINDS, renderCrdYaml } from "../src/index.js";
import { k8sDefinitions } from "../src/schema/k8s-definitions.generated.js";

const crdDir = join(import.meta.dirname, "..", "crds");

type Node = Record<string, unknown>;
/** Visits every schema node with its path (properties by name, items as [], map values as {}). */
function walk(node: Node, path: string, visit: (n: Node, p: string) => void): void {
  visit(node, path);
  const props = node.properties as Record<string, Node> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) walk(v, `${path}.${k}`, visit);
  if (node.items) walk(node.items as Node, `${path}[]`, visit);
  if (typeof node.additionalProperties === "object")
    walk(node.additionalProperties as Node, `${path}{}`, visit);
}

describe("CRDs", () => {
  const crds = allCrds();

  it.each(crds.map((c) => [crdFileName(c), c] as const))(
    "committed crds/%s is what the schemas generate (run `npm run gen:crds -w @grove-ts/api`)",
    (file, crd) => {
      const committed = readFileSync(join(crdDir, file), "utf8");
      expect(committed === renderCrdYaml(crd), `crds/${file} is stale`).toBe(true);
    },
  );

  it("the committed Kubernetes definitions are what @kubernetes/client-node generates (run `npm run gen:k8s -w @grove-ts/api`)", () => {
    expect(buildK8sDefinitions()).toEqual(k8sDefinitions);
  });

  it.each(crds.map((c) => [c.spec.names.kind, c] as const))("%s has a structural schema", (_kind, crd) => {
    const schema = crd.spec.versions[0]!.schema!.openAPIV3Schema as Node;
    const problems: string[] = [];
    walk(schema, "", (n, p) => {
      if ("$ref" in n) problems.push(`${p}: $ref`);
      const intOrString = n["x-kubernetes-int-or-string"] === true;
      if (!n.type && !intOrString) problems.push(`${p}: no type`);
      if (n.type === "array" && !n.items) problems.push(`${p}: array without items`);
      if (intOrString && (n.type || JSON.stringify(n.anyOf) !== '[{"type":"integer"},{"type":"string"}]'))
        problems.push(`${p}: malformed int-or-string`);
      if (n.properties && n.additionalProperties !== undefined)
        problems.push(`${p}: properties and additionalProperties`);
      if (n["x-kubernetes-preserve-unknown-fields"] === true && n.type !== "object")
        problems.push(`${p}: preserve on non-object`);
      for (const key of (n["x-kubernetes-list-map-keys"] as string[] | undefined) ?? []) {
        const item = n.items as Node;
        const keyed =
          (item.required as string[] | undefined)?.includes(key) ||
          (item.properties as Record<string, Node>)[key]?.default !== undefined;
        if (!keyed) problems.push(`${p}: list-map key ${key} neither required nor defaulted`);
      }
      for (const branch of (n.anyOf as Node[] | undefined) ?? [])
        if (branch.description !== undefined || branch.default !== undefined)
          problems.push(`${p}: anyOf with docs`);
    });
    expect(problems).toEqual([]);
  });

  it("carries names, scope, categories and subresources of grove-api.md §1.2 (+ categories)", () => {
    const summary = crds.map((c) => ({
      name: c.metadata!.name,
      shortNames: c.spec.names.shortNames,
      scope: c.spec.scope,
      categories: c.spec.names.categories,
      subresources: c.spec.versions[0]!.subresources,
    }));
    expect(summary).toEqual([
      {
        name: "podcliquesets.grove.io",
        shortNames: ["pcs"],
        scope: "Namespaced",
        categories: ["all", "grove"],
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.hpaPodSelector",
          },
        },
      },
      {
        name: "podcliques.grove.io",
        shortNames: ["pclq"],
        scope: "Namespaced",
        categories: ["all", "grove"],
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.hpaPodSelector",
          },
        },
      },
      {
        name: "podcliquescalinggroups.grove.io",
        shortNames: ["pcsg"],
        scope: "Namespaced",
        categories: ["all", "grove"],
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector",
          },
        },
      },
      {
        name: "clustertopologybindings.grove.io",
        shortNames: ["ct"],
        scope: "Cluster",
        categories: ["grove"],
        subresources: { status: {} },
      },
      {
        name: "podgangs.scheduler.grove.io",
        shortNames: ["pg"],
        scope: "Namespaced",
        categories: ["all", "grove"],
        subresources: { status: {} },
      },
      // KAI's Queue, ours to write (../shared/spec/placement-peers.md "KAI's Queue API").
      {
        name: "queues.scheduling.run.ai",
        shortNames: [],
        scope: "Cluster",
        categories: [],
        subresources: { status: {} },
      },
    ]);
    expect([...GROVE_KINDS.map((k) => k.kind), "Queue"]).toEqual(crds.map((c) => c.spec.names.kind));
    expect(crds[5]!.spec.versions[0]!.additionalPrinterColumns!.map((c) => [c.name, c.jsonPath])).toEqual([
      ["Priority", ".spec.priority"],
      ["Parent", ".spec.parentQueue"],
      ["Children", ".status.childQueues"],
      ["DisplayName", ".spec.displayName"],
    ]);
  });

  it("embeds the complete core/v1 PodSpec with descriptions, int-or-string and Quantity fields", () => {
    const pclq = crds[1]!.spec.versions[0]!.schema!.openAPIV3Schema as Node;
    const paths = new Map<string, Node>();
    walk(pclq, "", (n, p) => paths.set(p, n));
    const containers = paths.get(".spec.podSpec.containers")!;
    expect(containers.description).toMatch(/containers/i);
    expect(paths.get(".spec.podSpec.containers[]")!.required).toEqual(["name"]);
    expect(paths.get(".spec.podSpec.containers[].ports[].containerPort")).toMatchObject({
      type: "integer",
      format: "int32",
    });
    expect(paths.get(".spec.podSpec.containers[].livenessProbe.httpGet.port")).toMatchObject({
      "x-kubernetes-int-or-string": true,
    });
    expect(paths.get(".spec.podSpec.containers[].resources.limits{}")).toMatchObject({
      "x-kubernetes-int-or-string": true,
    });
    expect(paths.get(".spec.podSpec.overhead{}")).toMatchObject({ "x-kubernetes-int-or-string": true });
    // List and map markers of Kubernetes' OpenAPI; ports is keyed by a defaulted protocol.
    expect(paths.get(".spec.podSpec.containers[].ports")).toMatchObject({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
    });
    expect(paths.get(".spec.podSpec.containers[].ports[].protocol")).toMatchObject({ default: "TCP" });
    expect(paths.get(".spec.podSpec.nodeSelector")).toMatchObject({ "x-kubernetes-map-type": "atomic" });
    expect(paths.get(".spec.podSpec.containers[].envFrom[].configMapRef")).toMatchObject({
      "x-kubernetes-map-type": "atomic",
    });
    // Template metadata is a bare object (pruned), as in controller-gen CRDs.
    expect(paths.get(".spec.podSpec.volumes[].ephemeral.volumeClaimTemplate.metadata")).toEqual({
      type: "object",
    });
    for (const field of [
      "affinity",
      "volumes",
      "initContainers",
      "tolerations",
      "topologySpreadConstraints",
      "resourceClaims",
    ])
      expect(paths.has(`.spec.podSpec.${field}`), field).toBe(true);
  });

  it("declares the CRD defaults of grove-api.md §8", () => {
    const defaults: Record<string, unknown> = {};
    // The embedded Kubernetes types carry k8s.io/api's own defaults (next test).
    const embedded = /\.(podSpec|templateSpec)\./;
    for (const crd of crds)
      walk(crd.spec.versions[0]!.schema!.openAPIV3Schema as Node, crd.spec.names.kind, (n, p) => {
        if (n.default !== undefined && !p.includes(".status.") && !embedded.test(p)) defaults[p] = n.default;
      });
    expect(defaults).toEqual({
      "PodCliqueSet.spec.replicas": 0,
      "PodCliqueSet.spec.updateStrategy.type": "RollingRecreate",
      "PodCliqueSet.spec.template.cliqueStartupType": "CliqueStartupTypeAnyOrder",
      "PodCliqueSet.spec.template.headlessServiceConfig.publishNotReadyAddresses": true,
      "PodCliqueSet.spec.template.podCliqueScalingGroups[].replicas": 1,
      "PodCliqueSet.spec.template.podCliqueScalingGroups[].minAvailable": 1,
      "PodCliqueScalingGroup.spec.replicas": 1,
      "PodCliqueScalingGroup.spec.minAvailable": 1,
    });
  });

  it("gives the embedded Kubernetes types k8s.io/api's +default= markers only (not OpenAPI's zero values)", () => {
    const defaults: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(k8sDefinitions))
      for (const [field, s] of Object.entries((def.properties ?? {}) as Record<string, Node>))
        if (s.default !== undefined) defaults[`${name}.${field}`] = s.default;
    const name = "";
    expect(defaults).toEqual({
      "V1AzureDiskVolumeSource.fsType": "ext4",
      "V1AzureDiskVolumeSource.readOnly": false,
      "V1ConfigMapEnvSource.name": name,
      "V1ConfigMapKeySelector.name": name,
      "V1ConfigMapProjection.name": name,
      "V1ConfigMapVolumeSource.name": name,
      "V1ContainerPort.protocol": "TCP",
      "V1DeviceToleration.operator": "Equal",
      "V1FileKeySelector.optional": false,
      "V1GRPCAction.service": "",
      "V1ISCSIVolumeSource.iscsiInterface": "default",
      "V1LocalObjectReference.name": name,
      "V1RBDVolumeSource.keyring": "/etc/ceph/keyring",
      "V1RBDVolumeSource.pool": "rbd",
      "V1RBDVolumeSource.user": "admin",
      "V1ScaleIOVolumeSource.fsType": "xfs",
      "V1ScaleIOVolumeSource.storageMode": "ThinProvisioned",
      "V1SecretEnvSource.name": name,
      "V1SecretKeySelector.name": name,
      "V1SecretProjection.name": name,
    });
  });
});
