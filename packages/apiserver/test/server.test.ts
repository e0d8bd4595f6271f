import {
  ConfigMapType,
  CustomResourceDefinitionType,
  isApiError,
  type KubeObject,
  NamespaceType,
  PodType,
  RoleType,
  type WatchEvent,
} from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiServer, type InProcessApiServer } from "../src/index.js";
import { pod, type Widget, WidgetType, widget, widgetCrd } from "./fixtures.js";

let h: InProcessApiServer;

beforeEach(async () => {
  h = createApiServer({ historySize: 50 });
  await h.client.create(CustomResourceDefinitionType, widgetCrd);
});
afterEach(() => h.close());

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isApiError(err)) return `${err.code} ${err.reason}`;
    throw err;
  }
  return "ok";
}

describe("object semantics", () => {
  it("stamps uid, creationTimestamp, generation and increasing resourceVersions", async () => {
    const a = await h.client.create(WidgetType, widget("a"));
    const b = await h.client.create(WidgetType, widget("b"));
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.metadata.generation).toBe(1);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
  });

  it("bumps generation only for spec changes and keeps no-op updates at the same version", async () => {
    const a = await h.client.create<Widget>(WidgetType, widget("a"));
    const labelled = await h.client.update<Widget>(WidgetType, {
      ...a,
      metadata: { ...a.metadata, labels: { x: "1" } },
    });
    expect(labelled.metadata.generation).toBe(1);
    const same = await h.client.update<Widget>(WidgetType, labelled);
    expect(same.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    const changed = await h.client.update<Widget>(WidgetType, {
      ...labelled,
      spec: { ...labelled.spec, replicas: 5 },
    });
    expect(changed.metadata.generation).toBe(2);
    const st = await h.client.updateStatus<Widget>(WidgetType, { ...changed, status: { replicas: 5 } });
    expect(st.metadata.generation).toBe(2);
    expect(st.status?.replicas).toBe(5);
  });

  it("rejects stale resourceVersions with 409 Conflict and duplicates with AlreadyExists", async () => {
    const a = await h.client.create<Widget>(WidgetType, widget("a"));
    await h.client.update(WidgetType, { ...a, spec: { size: "large" } });
    expect(await reason(h.client.update(WidgetType, { ...a, spec: { size: "small" } }))).toBe("409 Conflict");
    expect(await reason(h.client.create(WidgetType, widget("a")))).toBe("409 AlreadyExists");
  });

  it("generates names from generateName", async () => {
    const a = await h.client.create(
      WidgetType,
      widget("", { size: "small" }, { name: undefined, generateName: "w-" }),
    );
    expect(a.metadata.name).toMatch(/^w-[a-z0-9]{5}$/);
  });

  it.each([
    [ConfigMapType, "grove.io:pcs:demo", "422 Invalid"],
    [RoleType, "grove.io:pcs:demo", "ok"],
    [RoleType, "a/b", "422 Invalid"],
    [RoleType, "..", "422 Invalid"],
    [RoleType, "100%", "422 Invalid"],
  ])(
    "validates %s name %s as Kubernetes does (DNS subdomain; RBAC: path segment)",
    async (type, name, want) => {
      const obj = {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { name, namespace: "default" },
        rules: [],
      };
      expect(await reason(h.client.create(type, obj))).toBe(want);
    },
  );

  it("ignores status on main-resource writes when the status subresource is on", async () => {
    const a = await h.client.create<Widget>(WidgetType, { ...widget("a"), status: { replicas: 9 } });
    expect(a.status).toBeUndefined();
    const s = await h.client.updateStatus<Widget>(WidgetType, { ...a, status: { replicas: 2 } });
    const u = await h.client.update<Widget>(WidgetType, {
      ...s,
      status: { replicas: 7 },
      spec: { size: "large" },
    });
    expect(u.status?.replicas).toBe(2);
  });

  it("returns deep copies: mutating a result never reaches the store", async () => {
    const a = await h.client.create<Widget>(WidgetType, widget("a", { size: "small", tags: ["x"] }));
    a.spec?.tags?.push("mutated");
    const got = await h.client.get<Widget>(WidgetType, "a", "default");
    expect(got?.spec?.tags).toEqual(["x"]);
    (got as Widget).metadata.name = "zzz";
    expect((await h.client.get<Widget>(WidgetType, "a", "default"))?.metadata.name).toBe("a");
  });

  it("refuses objects in missing or terminating namespaces", async () => {
    expect(
      await reason(
        h.client.create(WidgetType, { ...widget("a"), metadata: { name: "a", namespace: "nope" } }),
      ),
    ).toBe("404 NotFound");
  });
});

describe("custom resources: schema pruning, defaulting, validation", () => {
  it("defaults and prunes (Warn reports unknown fields; Strict refuses them)", async () => {
    const warnings: string[] = [];
    const def = h.server.defFor(WidgetType);
    const a = h.server.create(
      def,
      "default",
      { ...widget("a"), spec: { size: "small", bogus: 1, extra: { free: 1 } } },
      { warnings },
    );
    expect(a.spec).toEqual({ size: "small", replicas: 1, mode: "fast", extra: { free: 1 } });
    expect(warnings).toEqual(['unknown field "spec.bogus"']);
    expect(() =>
      h.server.create(
        def,
        "default",
        { ...widget("b"), spec: { size: "small", bogus: 1 } },
        { fieldValidation: "Strict" },
      ),
    ).toThrow(/strict decoding error: unknown field "spec.bogus"/);
  });

  it.each([
    [{ size: "medium" }, "spec.size", "FieldValueNotSupported"],
    [{}, "spec.size", "FieldValueRequired"],
    [{ size: "small", replicas: -1 }, "spec.replicas", "FieldValueInvalid"],
    [{ size: "small", replicas: "3" }, "spec.replicas", "FieldValueTypeInvalid"],
    [{ size: "small", tags: ["a", "a"] }, "spec.tags[1]", "FieldValueDuplicate"],
    [{ size: "small", port: true }, "spec.port", "FieldValueTypeInvalid"],
  ])("rejects %j with a 422 cause on %s", async (spec, field, type) => {
    try {
      await h.client.create(WidgetType, widget("bad", spec as Widget["spec"]));
      expect.unreachable();
    } catch (err) {
      if (!isApiError(err)) throw err;
      expect(err.code).toBe(422);
      expect(err.status.details?.causes).toContainEqual(expect.objectContaining({ field, reason: type }));
    }
  });

  it("accepts int-or-string values", async () => {
    await h.client.create(WidgetType, widget("i", { size: "small", port: 80 }));
    await h.client.create(WidgetType, widget("s", { size: "small", port: "http" }));
  });

  it("stops serving a kind when its CRD is deleted, dropping its objects", async () => {
    await h.client.create(WidgetType, widget("a"));
    await h.client.delete(CustomResourceDefinitionType, "widgets.example.com");
    expect(() => h.server.defFor(WidgetType)).toThrow(/could not find/);
    await h.client.create(CustomResourceDefinitionType, widgetCrd);
    expect((await h.client.list(WidgetType)).items).toEqual([]);
  });

  it("rejects invalid CRDs", async () => {
    const bad = structuredClone(widgetCrd);
    bad.metadata.name = "wrong.example.com";
    expect(await reason(h.client.create(CustomResourceDefinitionType, bad))).toBe("422 Invalid");
  });

  it("rejects non-structural schemas, naming the node", async () => {
    const bad = structuredClone(widgetCrd) as unknown as {
      metadata: { name: string };
      spec: {
        versions: {
          schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
        }[];
      };
    };
    (
      bad.spec.versions[0] as (typeof bad.spec.versions)[0]
    ).schema.openAPIV3Schema.properties.spec.properties.loose = { properties: { a: { type: "string" } } };
    try {
      await h.client.create(CustomResourceDefinitionType, bad as unknown as KubeObject);
      expect.unreachable();
    } catch (err) {
      if (!isApiError(err)) throw err;
      expect(err.message).toContain(
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[loose].type: Required value: must not be empty for specified object fields",
      );
    }
  });
});

describe("admission", () => {
  it("runs mutating hooks, then schema defaulting, then validating hooks; rejections are 422 with causes", async () => {
    const seen: string[] = [];
    h.server.addMutatingHook({ group: "example.com", kind: "Widget" }, (req) => {
      seen.push(`mutate:${String((req.object.spec as { mode?: string }).mode)}`);
      (req.object.metadata as { labels?: Record<string, string> }).labels = { mutated: "yes" };
      return undefined;
    });
    h.server.addValidatingHook({ group: "example.com" }, (req) => {
      const spec = req.object.spec as { replicas: number; mode: string };
      seen.push(`validate:${spec.mode}`);
      return spec.replicas > 3
        ? {
            errors: [
              {
                field: "spec.replicas",
                type: "FieldValueInvalid",
                value: spec.replicas,
                message: "too many",
              },
            ],
          }
        : { warnings: ["careful"] };
    });
    const a = await h.client.create(WidgetType, widget("a"));
    expect(a.metadata.labels).toEqual({ mutated: "yes" });
    expect(seen).toEqual(["mutate:fast", "validate:fast"]);
    try {
      await h.client.create(WidgetType, widget("b", { size: "small", replicas: 4 }));
      expect.unreachable();
    } catch (err) {
      if (!isApiError(err)) throw err;
      expect(err.code).toBe(422);
      expect(err.message).toBe(
        'Widget.example.com "b" is invalid: spec.replicas: Invalid value: 4: too many',
      );
      expect(err.status.details?.causes).toEqual([
        { reason: "FieldValueInvalid", message: "Invalid value: 4: too many", field: "spec.replicas" },
      ]);
    }
  });
  it("runs mutating hooks before the strategy prepares the object, as kube-apiserver does", async () => {
    // A mutating webhook cannot set what PrepareForCreate/PrepareForUpdate own (status on the main
    // resource, when the status subresource is on): the strategy runs after it and wins.
    h.server.addMutatingHook({ group: "example.com", kind: "Widget" }, (req) => {
      req.object.status = { replicas: 42 };
      return undefined;
    });
    const a = await h.client.create<Widget>(WidgetType, widget("a"));
    expect(a.status).toBeUndefined();
    const u = await h.client.update<Widget>(WidgetType, { ...a, spec: { ...a.spec, replicas: 2 } });
    expect(u.status).toBeUndefined();
  });
});

describe("patches", () => {
  it.each([
    [
      "merge",
      { spec: { replicas: 3, tags: ["b"] } },
      { size: "small", replicas: 3, mode: "fast", tags: ["b"] },
    ],
    [
      "json",
      [{ op: "replace", path: "/spec/replicas", value: 4 }],
      { size: "small", replicas: 4, mode: "fast", tags: ["a"] },
    ],
    [
      "apply",
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "a" }, spec: { mode: "slow" } },
      { size: "small", replicas: 1, mode: "slow", tags: ["a"] },
    ],
  ] as const)("%s patch on a custom resource", async (type, body, want) => {
    await h.client.create(WidgetType, widget("a", { size: "small", tags: ["a"] }));
    const out = await h.client.patch<Widget>(WidgetType, "a", "default", { type, body });
    expect(out.spec).toEqual(want);
  });

  it("refuses strategic merge patch on custom resources with 415", async () => {
    await h.client.create(WidgetType, widget("a"));
    expect(
      await reason(h.client.patch(WidgetType, "a", "default", { type: "strategic", body: { spec: {} } })),
    ).toBe("415 UnsupportedMediaType");
  });

  it("server-side apply creates a missing object", async () => {
    const out = await h.client.patch<Widget>(WidgetType, "new", "default", {
      type: "apply",
      body: {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "new" },
        spec: { size: "large" },
      },
    });
    expect(out.metadata.uid).toBeDefined();
  });

  it("a failing json-patch test operation is 422 and changes nothing", async () => {
    const a = await h.client.create(WidgetType, widget("a"));
    expect(
      await reason(
        h.client.patch(WidgetType, "a", "default", {
          type: "json",
          body: [{ op: "test", path: "/spec/size", value: "large" }],
        }),
      ),
    ).toBe("422 Invalid");
    expect((await h.client.get(WidgetType, "a", "default"))?.metadata.resourceVersion).toBe(
      a.metadata.resourceVersion,
    );
  });

  it("strategic merge patch on pods merges containers and env by name and honours $setElementOrder", async () => {
    await h.client.create(PodType, pod("p"));
    await h.client.create(PodType, pod("q"));
    const out = await h.client.patch<
      KubeObject & { spec: { containers: { name: string; image: string; env?: unknown[] }[] } }
    >(PodType, "p", "default", {
      type: "strategic",
      body: { spec: { $setElementOrder: undefined, containers: [{ name: "main", image: "nginx:2" }] } },
    });
    expect(out.spec.containers).toEqual([
      { name: "main", image: "nginx:2", env: [{ name: "A", value: "1" }] },
    ]);
  });
});

describe("pods", () => {
  it("keeps the pod spec immutable except images, and removes scheduling gates only", async () => {
    await h.client.create(
      PodType,
      pod("p", { spec: { containers: [{ name: "main", image: "a" }], schedulingGates: [{ name: "g" }] } }),
    );
    expect(
      await reason(
        h.client.patch(PodType, "p", "default", {
          type: "merge",
          body: { spec: { restartPolicy: "Never" } },
        }),
      ),
    ).toBe("422 Invalid");
    expect(
      await reason(
        h.client.patch(PodType, "p", "default", {
          type: "json",
          body: [{ op: "add", path: "/spec/schedulingGates/-", value: { name: "h" } }],
        }),
      ),
    ).toBe("422 Invalid");
    expect(await reason(h.client.bind("default", "p", "node-a"))).toBe("409 Conflict");
    await h.client.patch(PodType, "p", "default", {
      type: "json",
      body: [{ op: "remove", path: "/spec/schedulingGates" }],
    });
    await h.client.bind("default", "p", "node-a");
    const p = await h.client.get<KubeObject & { spec: { nodeName: string } }>(PodType, "p", "default");
    expect(p?.spec.nodeName).toBe("node-a");
    expect(await reason(h.client.bind("default", "p", "node-b"))).toBe("409 Conflict");
  });
});

describe("scale subresource", () => {
  it("reads and writes replicas through the CRD's scale paths", async () => {
    await h.client.create(WidgetType, widget("a"));
    const s = await h.client.updateScale(WidgetType, "a", "default", 6);
    expect(s).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 6 },
      status: { replicas: 0 },
    });
    expect((await h.client.get<Widget>(WidgetType, "a", "default"))?.spec?.replicas).toBe(6);
    const p = await h.client.patch(
      WidgetType,
      "a",
      "default",
      { type: "merge", body: { spec: { replicas: 2 } } },
      { subresource: "scale" },
    );
    expect((p as unknown as { spec: { replicas: number } }).spec.replicas).toBe(2);
    expect(await reason(h.client.updateScale(WidgetType, "a", "default", -1))).toBe("422 Invalid");
  });
});

describe("lists", () => {
  it("filters by set-based label selectors and field selectors, and pages with limit/continue", async () => {
    for (const [n, tier] of [
      ["a", "web"],
      ["b", "db"],
      ["c", "web"],
      ["d", "cache"],
    ] as const)
      await h.client.create(WidgetType, widget(n, { size: "small" }, { labels: { tier } }));
    const names = async (o: Parameters<typeof h.client.list>[1]) =>
      (await h.client.list(WidgetType, o)).items.map((i) => i.metadata.name);
    expect(await names({ labelSelector: "tier in (web,db)" })).toEqual(["a", "b", "c"]);
    expect(await names({ labelSelector: "tier notin (web),tier" })).toEqual(["b", "d"]);
    expect(await names({ labelSelector: "tier!=web" })).toEqual(["b", "d"]);
    expect(await names({ fieldSelector: "metadata.name!=a,metadata.namespace=default" })).toEqual([
      "b",
      "c",
      "d",
    ]);
    const first = await h.client.list(WidgetType, { limit: 3 });
    expect(first.items).toHaveLength(3);
    const rest = await h.client.list(WidgetType, { limit: 3, continue: first.continue });
    expect(rest.items.map((i) => i.metadata.name)).toEqual(["d"]);
    expect(rest.continue).toBeUndefined();
    expect(await reason(h.client.list(WidgetType, { labelSelector: "a in (" }))).toBe("400 BadRequest");
  });
});

describe("watch", () => {
  it("replays from a resourceVersion, follows selector transitions and reports 410 for compacted versions", async () => {
    const start = (await h.client.list(WidgetType)).resourceVersion;
    const events: WatchEvent[] = [];
    const w = await h.client.watch(WidgetType, { resourceVersion: start, labelSelector: "sel=yes" }, (e) =>
      events.push(e),
    );
    const a = await h.client.create<Widget>(
      WidgetType,
      widget("a", { size: "small" }, { labels: { sel: "yes" } }),
    );
    const a2 = await h.client.patch<Widget>(WidgetType, "a", "default", {
      type: "merge",
      body: { metadata: { labels: { sel: "no" } } },
    });
    await h.client.patch(WidgetType, "a", "default", {
      type: "merge",
      body: { metadata: { labels: { sel: "yes" } } },
    });
    await h.client.delete(WidgetType, "a", "default");
    await new Promise((r) => setTimeout(r, 10));
    w.stop();
    await w.done;
    expect(events.map((e) => e.type)).toEqual(["ADDED", "DELETED", "ADDED", "DELETED"]);
    expect(events[1]?.object.metadata.resourceVersion).toBe(a2.metadata.resourceVersion);
    expect(a.metadata.resourceVersion).toBe(events[0]?.object.metadata.resourceVersion);

    // A watch from the past replays the same history.
    const replay: string[] = [];
    const r = await h.client.watch(WidgetType, { resourceVersion: start }, (e) => replay.push(e.type));
    await new Promise((res) => setTimeout(res, 10));
    r.stop();
    expect(replay).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);

    for (let i = 0; i < 60; i++)
      await h.client.create(ConfigMapType, { metadata: { name: `c${i}`, namespace: "default" } });
    const gone: WatchEvent[] = [];
    const g = await h.client.watch(WidgetType, { resourceVersion: start }, (e) => gone.push(e));
    await expect(g.done).rejects.toMatchObject({ code: 410 });
    expect(gone[0]?.type).toBe("ERROR");
  });

  it("hands every watch the same deep-frozen copy of an event, and get and list still mutable copies", async () => {
    const seen: WatchEvent<Widget>[][] = [[], []];
    const watches = await Promise.all(
      seen.map((into) => h.client.watch<Widget>(WidgetType, {}, (e) => into.push(e))),
    );
    const created = await h.client.create<Widget>(WidgetType, widget("a", { size: "small" }));
    await h.client.patch(WidgetType, "a", "default", { type: "merge", body: { spec: { size: "large" } } });
    await new Promise((r) => setTimeout(r, 10));
    for (const w of watches) w.stop();
    const [first, second] = seen as [WatchEvent<Widget>[], WatchEvent<Widget>[]];
    expect(first.map((e) => e.type)).toEqual(["ADDED", "MODIFIED"]);
    expect(second).toHaveLength(2);
    for (const [i, e] of first.entries()) {
      expect(second[i]?.object).toBe(e.object);
      expect(Object.isFrozen(e.object)).toBe(true);
      expect(Object.isFrozen(e.object.spec)).toBe(true);
      expect(() => {
        (e.object.metadata as { name: string }).name = "changed";
      }).toThrow(TypeError);
    }
    expect(first[0]?.object.spec).toMatchObject({ size: "small" });
    expect(first[1]?.object.spec).toMatchObject({ size: "large" });
    // The store is untouched, and what get, list and writes return is the caller's to change.
    const got = (await h.client.get<Widget>(WidgetType, "a", "default")) as Widget;
    got.metadata.name = "mine";
    for (const o of (await h.client.list<Widget>(WidgetType)).items) o.metadata.name = "mine";
    created.metadata.name = "mine";
    expect((await h.client.get<Widget>(WidgetType, "a", "default"))?.metadata.name).toBe("a");
  });
});

describe("deletion and garbage collection", () => {
  const owned = (name: string, owner: KubeObject, block = false) => ({
    metadata: {
      name,
      namespace: "default",
      ownerReferences: [
        {
          apiVersion: "example.com/v1",
          kind: "Widget",
          name: owner.metadata.name as string,
          uid: owner.metadata.uid as string,
          blockOwnerDeletion: block,
        },
      ],
    },
  });

  it("Background deletes the owner now and its dependents after", async () => {
    const o = await h.client.create(WidgetType, widget("o"));
    await h.client.create(ConfigMapType, owned("d1", o));
    await h.client.delete(WidgetType, "o", "default", { propagationPolicy: "Background" });
    expect(await h.client.get(WidgetType, "o", "default")).toBeUndefined();
    await h.server.settle();
    expect(await h.client.get(ConfigMapType, "d1", "default")).toBeUndefined();
  });

  it("Orphan strips the owner reference and keeps dependents", async () => {
    const o = await h.client.create(WidgetType, widget("o"));
    await h.client.create(ConfigMapType, owned("d1", o));
    await h.client.delete(WidgetType, "o", "default", { propagationPolicy: "Orphan" });
    await h.server.settle();
    const d = await h.client.get(ConfigMapType, "d1", "default");
    expect(d?.metadata.ownerReferences).toBeUndefined();
  });

  it("Foreground keeps the owner until blocking dependents are gone", async () => {
    const o = await h.client.create(WidgetType, widget("o"));
    await h.client.create(ConfigMapType, {
      ...owned("d1", o, true),
      metadata: { ...owned("d1", o, true).metadata, finalizers: ["test/hold"] },
    });
    await h.client.delete(WidgetType, "o", "default", { propagationPolicy: "Foreground" });
    await h.server.settle();
    const held = await h.client.get(WidgetType, "o", "default");
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect((await h.client.get(ConfigMapType, "d1", "default"))?.metadata.deletionTimestamp).toBeDefined();
    await h.client.patch(ConfigMapType, "d1", "default", {
      type: "merge",
      body: { metadata: { finalizers: null } },
    });
    await h.server.settle();
    expect(await h.client.get(ConfigMapType, "d1", "default")).toBeUndefined();
    expect(await h.client.get(WidgetType, "o", "default")).toBeUndefined();
  });

  it("finalizers hold deletion; removing the last one deletes; new finalizers are refused while deleting", async () => {
    await h.client.create(WidgetType, widget("f", { size: "small" }, { finalizers: ["a/b"] }));
    await h.client.delete(WidgetType, "f", "default");
    expect(
      await reason(
        h.client.patch(WidgetType, "f", "default", {
          type: "merge",
          body: { metadata: { finalizers: ["a/b", "c/d"] } },
        }),
      ),
    ).toBe("422 Invalid");
    await h.client.patch(WidgetType, "f", "default", {
      type: "json",
      body: [{ op: "remove", path: "/metadata/finalizers" }],
    });
    expect(await h.client.get(WidgetType, "f", "default")).toBeUndefined();
  });

  it("leaves dependents of owners whose kind it does not serve", async () => {
    await h.client.create(ConfigMapType, {
      metadata: {
        name: "kept",
        namespace: "default",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "d",
            uid: "11111111-1111-1111-1111-111111111111",
          },
        ],
      },
    });
    await h.server.settle();
    expect(await h.client.get(ConfigMapType, "kept", "default")).toBeDefined();
  });

  it("deletes an object whose owner never existed, and honours preconditions", async () => {
    await h.client.create(
      ConfigMapType,
      owned("orphan", { metadata: { name: "ghost", uid: "00000000-0000-0000-0000-000000000000" } }),
    );
    await h.server.settle();
    expect(await h.client.get(ConfigMapType, "orphan", "default")).toBeUndefined();
    const w = await h.client.create(WidgetType, widget("p"));
    expect(await reason(h.client.delete(WidgetType, "p", "default", { preconditions: { uid: "x" } }))).toBe(
      "409 Conflict",
    );
    await h.client.delete(WidgetType, "p", "default", { preconditions: { uid: w.metadata.uid as string } });
  });

  it("deleting a namespace deletes what it holds, then the namespace", async () => {
    await h.client.create(NamespaceType, { metadata: { name: "team" } });
    await h.client.create(WidgetType, { ...widget("a"), metadata: { name: "a", namespace: "team" } });
    await h.client.create(ConfigMapType, { metadata: { name: "c", namespace: "team" } });
    await h.client.delete(NamespaceType, "team");
    expect(
      await reason(h.client.create(ConfigMapType, { metadata: { name: "late", namespace: "team" } })),
    ).toMatch(/403|404/);
    await h.server.settle();
    expect(await h.client.get(NamespaceType, "team")).toBeUndefined();
    expect((await h.client.list(WidgetType, { namespace: "team" })).items).toEqual([]);
    expect(await reason(h.client.delete(NamespaceType, "default"))).toBe("403 Forbidden");
  });
});

describe("graceful pod deletion (kube-apiserver's, seen on the real server: packages/apiserver README)", () => {
  type PodObj = KubeObject & { metadata: { deletionGracePeriodSeconds?: number } };
  const bound = async (name: string, extraSpec: Record<string, unknown> = {}) => {
    const p = pod(name);
    await h.client.create(PodType, { ...p, spec: { ...p.spec, ...extraSpec } });
    await h.client.bind("default", name, "node-a");
  };
  const get = (name: string) => h.client.get<PodObj>(PodType, name, "default");

  it("marks a bound pod with the pod's grace period; the kubelet's grace-0 delete removes it", async () => {
    await bound("g", { terminationGracePeriodSeconds: 5 });
    const before = Date.now();
    await h.client.delete(PodType, "g", "default");
    const marked = await get("g");
    expect(marked?.metadata.deletionGracePeriodSeconds).toBe(5);
    const deadline = Date.parse(String(marked?.metadata.deletionTimestamp));
    expect(deadline).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 4_000);
    expect(deadline).toBeLessThanOrEqual(before + 6_000);
    await h.client.delete(PodType, "g", "default", { gracePeriodSeconds: 0 });
    expect(await get("g")).toBeUndefined();
  });

  it("uses 30 s without terminationGracePeriodSeconds; a shorter request moves the deadline, a longer one not", async () => {
    await bound("d");
    await h.client.delete(PodType, "d", "default");
    expect((await get("d"))?.metadata.deletionGracePeriodSeconds).toBe(30);
    await h.client.delete(PodType, "d", "default", { gracePeriodSeconds: 10 });
    expect((await get("d"))?.metadata.deletionGracePeriodSeconds).toBe(10);
    await h.client.delete(PodType, "d", "default", { gracePeriodSeconds: 20 });
    expect((await get("d"))?.metadata.deletionGracePeriodSeconds).toBe(10);
  });

  it("deletes at once a pod on no node or in a terminal phase", async () => {
    await h.client.create(PodType, pod("unbound"));
    await h.client.delete(PodType, "unbound", "default");
    expect(await get("unbound")).toBeUndefined();
    await bound("done");
    await h.client.patch(
      PodType,
      "done",
      "default",
      { type: "merge", body: { status: { phase: "Succeeded" } } },
      {
        subresource: "status",
      },
    );
    await h.client.delete(PodType, "done", "default");
    expect(await get("done")).toBeUndefined();
  });
});
