// Field selectors a custom resource supports: metadata.name, metadata.namespace (namespaced kinds)
// and its version's selectableFields; anything else is kube-apiserver's 400 `field label not
// supported: <f>` (apiextensions-apiserver's crConverter). Built-in kinds are in
// test/contract/selectors.test.ts, checked against kube-apiserver itself.
import {
  CustomResourceDefinitionType,
  isApiError,
  type KubeObject,
  type ResourceType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer, type InProcessApiServer } from "../src/index.js";
import { widgetCrd } from "./fixtures.js";

const crd = structuredClone(widgetCrd) as unknown as KubeObject & {
  spec: { versions: Record<string, unknown>[] };
};
(crd.spec.versions[0] as Record<string, unknown>).selectableFields = [{ jsonPath: ".spec.size" }];
const Widget: ResourceType = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  plural: "widgets",
  namespaced: true,
};

let h: InProcessApiServer;
beforeAll(async () => {
  h = createApiServer({ groveAdmission: false });
  await h.client.create(CustomResourceDefinitionType, crd);
  for (const [name, size] of [
    ["w1", "small"],
    ["w2", "large"],
  ])
    await h.client.create(Widget, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name, namespace: "default" },
      spec: { replicas: 1, size },
    } as KubeObject);
});
afterAll(() => h.close());

describe("field selectors on a custom resource", () => {
  it.each([
    ["spec.size=small", ["w1"]],
    ["spec.size!=small,metadata.namespace=default", ["w2"]],
    ["metadata.name=w2", ["w2"]],
  ])("%j selects %j", async (fieldSelector, want) => {
    const got = await h.client.list(Widget, { namespace: "default", fieldSelector });
    expect(got.items.map((o) => o.metadata.name)).toEqual(want);
  });

  it.each([
    ["spec.replicas=1", "field label not supported: spec.replicas"],
    ["status.phase=x,spec.size=small", "field label not supported: status.phase"],
  ])("%j is a 400: %s", async (fieldSelector, message) => {
    const err = await h.client.list(Widget, { namespace: "default", fieldSelector }).catch((e: unknown) => e);
    expect(isApiError(err) && { code: err.code, message: err.status.message }).toEqual({
      code: 400,
      message,
    });
  });
});
