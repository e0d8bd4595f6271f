import { groveCrds, PodCliqueSetType } from "@grove-ts/api";
import { CustomResourceDefinitionType, isApiError, type KubeObject } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer, type InProcessApiServer } from "../src/index.js";

let h: InProcessApiServer;

beforeAll(async () => {
  h = createApiServer();
  for (const crd of groveCrds())
    await h.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
});
afterAll(() => h.close());

const pcs = (name: string, cliqueNames: string[]) => ({
  apiVersion: "grove.io/v1alpha1",
  kind: "PodCliqueSet",
  metadata: { name, namespace: "default" },
  spec: {
    replicas: 1,
    template: {
      cliques: cliqueNames.map((n) => ({
        name: n,
        spec: { roleName: n, replicas: 1, podSpec: { containers: [{ name: "c", image: "nginx" }] } },
      })),
    },
  },
});

describe("Grove admission through @grove-ts/api", () => {
  it("defaults a PodCliqueSet on create", async () => {
    type Pcs = KubeObject & { spec: { template: { cliqueStartupType?: string } } };
    const out = await h.client.create<Pcs>(PodCliqueSetType, pcs("ok", ["a", "b"]) as Pcs);
    expect(out.spec.template.cliqueStartupType).toBe("CliqueStartupTypeAnyOrder");
    // The defaulter returns a new object: server-owned metadata must survive it.
    expect(out.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.metadata.generation).toBe(1);
  });

  it("rejects an invalid PodCliqueSet with 422 and field causes", async () => {
    try {
      await h.client.create(PodCliqueSetType, pcs("dup", ["a", "a"]));
      expect.unreachable();
    } catch (err) {
      if (!isApiError(err)) throw err;
      expect(err.code).toBe(422);
      expect(err.status.details?.causes?.some((c) => c.field?.startsWith("spec.template.cliques"))).toBe(
        true,
      );
    }
  });

  it.each([
    ["an empty clique name", ["", "b"], "spec.template.cliques[0].name", "Required value"],
    // The CRD's list-map key check (x-kubernetes-list-map-keys), before Grove's webhook rules.
    ["a duplicate clique name", ["a", "a"], "spec.template.cliques[1]", 'Duplicate value: {"name":"a"}'],
  ])(
    "words %s as apimachinery's field.Error does (no repeated type, no detail)",
    async (_, names, field, body) => {
      const err = await h.client.create(PodCliqueSetType, pcs("words", names)).catch((e: unknown) => e);
      if (!isApiError(err)) throw err;
      expect(err.code).toBe(422);
      expect(err.status.details?.causes).toContainEqual(expect.objectContaining({ field, message: body }));
      expect(err.status.message).toContain(`${field}: ${body}`);
      expect(err.status.message).not.toMatch(
        /Required value: Required value|Duplicate value: "a": Duplicate value/,
      );
    },
  );

  it("leaves status writes to the status subresource alone", async () => {
    const cur = await h.client.get<KubeObject & { status?: unknown }>(PodCliqueSetType, "ok", "default");
    const out = await h.client.updateStatus<KubeObject & { status?: { replicas?: number } }>(
      PodCliqueSetType,
      {
        ...(cur as KubeObject),
        status: { replicas: 1 },
      },
    );
    expect(out.status?.replicas).toBe(1);
  });
});
