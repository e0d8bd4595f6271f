import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiError,
  ConfigMapType,
  isConflict,
  isGone,
  NamespaceType,
  PodType,
  type ResourceType,
} from "@grove-ts/runtime";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  deleteBody,
  type HttpRequest,
  KubeClient,
  KubeConfigError,
  listQuery,
  loadKubeConfig,
  patchContentType,
  RequestError,
  rateLimitKey,
  resourcePath,
  toApiError,
  watchParams,
  writeQuery,
} from "../src/index.js";

const pcs: ResourceType = {
  apiVersion: "grove.io/v1alpha1",
  kind: "PodCliqueSet",
  plural: "podcliquesets",
  namespaced: true,
};
const ct: ResourceType = {
  apiVersion: "grove.io/v1alpha1",
  kind: "ClusterTopology",
  plural: "clustertopologies",
  namespaced: false,
};

describe("resourcePath", () => {
  it.each([
    [PodType, {}, "/api/v1/pods"],
    [PodType, { namespace: "ns" }, "/api/v1/namespaces/ns/pods"],
    [PodType, { namespace: "ns", name: "p" }, "/api/v1/namespaces/ns/pods/p"],
    [PodType, { namespace: "ns", name: "p", subresource: "binding" }, "/api/v1/namespaces/ns/pods/p/binding"],
    [NamespaceType, { name: "default" }, "/api/v1/namespaces/default"],
    [pcs, { namespace: "ns" }, "/apis/grove.io/v1alpha1/namespaces/ns/podcliquesets"],
    [
      pcs,
      { namespace: "ns", name: "a", subresource: "scale" },
      "/apis/grove.io/v1alpha1/namespaces/ns/podcliquesets/a/scale",
    ],
    [ct, { name: "t", namespace: "ignored" }, "/apis/grove.io/v1alpha1/clustertopologies/t"],
    [ct, { name: "t", subresource: "status" }, "/apis/grove.io/v1alpha1/clustertopologies/t/status"],
    [PodType, { namespace: "a b", name: "x/y" }, "/api/v1/namespaces/a%20b/pods/x%2Fy"],
  ] as const)("%o %o -> %s", (type, parts, want) => {
    expect(resourcePath(type, parts)).toBe(want);
  });

  it.each([
    [PodType, { name: "p" }, "namespace: required"],
    [PodType, { namespace: "ns", name: "" }, "name: required"],
    [PodType, { namespace: "ns", subresource: "status" }, "needs an object name"],
    [{ ...pcs, apiVersion: "grove.io" }, { namespace: "ns" }, "apiVersion"],
  ] as const)("refuses %o %o naming %s", (type, parts, msg) => {
    expect(() => resourcePath(type, parts)).toThrow(RequestError);
    expect(() => resourcePath(type, parts)).toThrow(msg);
  });
});

describe("query building", () => {
  it.each([
    [{}, ""],
    [
      { labelSelector: "a=b,c in (d)", limit: 5, continue: "tok" },
      "?labelSelector=a%3Db%2Cc+in+%28d%29&limit=5&continue=tok",
    ],
    [
      { fieldSelector: "metadata.name=x", resourceVersion: "0" },
      "?fieldSelector=metadata.name%3Dx&resourceVersion=0",
    ],
  ])("listQuery(%o) = %s", (o, want) => {
    expect(listQuery(o)).toBe(want);
  });

  it("watchParams passes only what is set, with bookmarks as kubectl sends them", () => {
    expect(
      watchParams({
        resourceVersion: "10",
        allowWatchBookmarks: true,
        timeoutSeconds: 30,
        labelSelector: "a=b",
      }),
    ).toEqual({
      labelSelector: "a=b",
      resourceVersion: "10",
      allowWatchBookmarks: "true",
      timeoutSeconds: "30",
    });
    expect(watchParams({})).toEqual({});
  });

  it.each([
    [{}, undefined, ""],
    [{ dryRun: true }, undefined, "?dryRun=All"],
    [{ fieldManager: "me" }, "merge", "?fieldManager=me"],
    [{}, "apply", "?fieldManager=grove-ts"],
    [{ force: true }, "apply", "?fieldManager=grove-ts&force=true"],
    [{ force: true }, "merge", ""],
  ] as const)("writeQuery(%o, %s) = %s", (o, type, want) => {
    expect(writeQuery(o, type, "grove-ts")).toBe(want);
  });

  it("patch content types are explicit for every type", () => {
    expect(patchContentType).toEqual({
      json: "application/json-patch+json",
      merge: "application/merge-patch+json",
      strategic: "application/strategic-merge-patch+json",
      apply: "application/apply-patch+yaml",
    });
  });

  it("deleteBody is a metav1.DeleteOptions", () => {
    expect(
      deleteBody({
        propagationPolicy: "Foreground",
        gracePeriodSeconds: 0,
        preconditions: { uid: "u" },
        dryRun: true,
      }),
    ).toEqual({
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u" },
      dryRun: ["All"],
    });
  });
});

describe("toApiError", () => {
  it("keeps the server's Status", () => {
    const body = JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Operation cannot be fulfilled on pods "p": the object has been modified',
      reason: "Conflict",
      details: { name: "p", kind: "pods" },
      code: 409,
    });
    const err = toApiError(409, body, "PUT /x");
    expect(err).toBeInstanceOf(ApiError);
    expect(isConflict(err)).toBe(true);
    expect(err.status.details?.name).toBe("p");
    expect(err.message).toContain("object has been modified");
  });

  it.each([
    [410, "", "Gone"],
    [404, "not json", "NotFound"],
    [422, "{}", "Invalid"],
    [418, "", "Unknown"],
  ])("synthesises a Status for %i with body %j (reason %s)", (code, body, reason) => {
    const err = toApiError(code, body, "GET /p");
    expect([err.code, err.reason]).toEqual([code, reason]);
    expect(err.message).toContain("GET /p");
  });

  it("a 410 counts as gone", () => {
    expect(isGone(toApiError(410, "", "watch"))).toBe(true);
  });
});

describe("loadKubeConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "kube-config-"));
  const file = join(dir, "config");
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: a, cluster: {server: 'http://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
      "contexts: [{name: a, context: {cluster: a, user: u}}, {name: b, context: {cluster: a, user: u}}]",
      "current-context: a",
      "users: [{name: u, user: {token: t}}]",
    ].join("\n"),
  );

  it("reads a file and switches context", () => {
    expect(loadKubeConfig({ kubeconfigPath: file }).getCurrentCluster()?.server).toBe("http://127.0.0.1:1");
    expect(loadKubeConfig({ kubeconfigPath: file, context: "b" }).getCurrentContext()).toBe("b");
  });

  it("builds one from a URL and token, skipping TLS verification for http", () => {
    const kc = loadKubeConfig({ server: "http://127.0.0.1:5/", token: "tok" });
    expect(kc.getCurrentCluster()).toMatchObject({ server: "http://127.0.0.1:5", skipTLSVerify: true });
    expect(kc.getCurrentUser()?.token).toBe("tok");
  });

  it.each([
    [{ kubeconfigPath: join(dir, "missing") }, "missing"],
    [{ kubeconfigPath: file, context: "nope" }, "context"],
    [{ kubeconfigPath: file, server: "http://x" }, "give one at most"],
  ])("refuses %o naming %s", (src, msg) => {
    expect(() => loadKubeConfig(src)).toThrow(KubeConfigError);
    expect(() => loadKubeConfig(src)).toThrow(msg);
  });
});

describe("KubeClient requests", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A client whose HTTP layer records requests and answers `reply`. */
  function recording(
    reply: (r: HttpRequest) => { status: number; body: unknown },
    opts: { qps?: number; burst?: number; rateLimitPer?: "client" | "resource" } = { qps: -1 },
  ) {
    const sent: (HttpRequest & { at: number })[] = [];
    const client = new KubeClient(loadKubeConfig({ server: "http://127.0.0.1:9" }), {
      ...opts,
      transport: async (r) => {
        sent.push({ ...r, at: Date.now() });
        const { status, body } = reply(r);
        return { status, body: typeof body === "string" ? body : JSON.stringify(body) };
      },
    });
    return { client, sent };
  }

  it("sends each patch type with its Content-Type and apply with a field manager", async () => {
    const { client, sent } = recording(() => ({ status: 200, body: { metadata: {} } }));
    for (const type of ["json", "merge", "strategic", "apply"] as const)
      await client.patch(
        ConfigMapType,
        "c",
        "ns",
        { type, body: type === "json" ? [] : {} },
        { subresource: "status" },
      );
    expect(sent.map((r) => [r.method, r.path, r.headers["Content-Type"]])).toEqual([
      ["PATCH", "/api/v1/namespaces/ns/configmaps/c/status", "application/json-patch+json"],
      ["PATCH", "/api/v1/namespaces/ns/configmaps/c/status", "application/merge-patch+json"],
      ["PATCH", "/api/v1/namespaces/ns/configmaps/c/status", "application/strategic-merge-patch+json"],
      [
        "PATCH",
        "/api/v1/namespaces/ns/configmaps/c/status?fieldManager=grove-ts",
        "application/apply-patch+yaml",
      ],
    ]);
  });

  it("get resolves undefined on 404 and throws the Status otherwise; list fills in item kinds", async () => {
    const { client } = recording((r) =>
      r.path.includes("missing")
        ? { status: 404, body: { kind: "Status", code: 404, reason: "NotFound" } }
        : r.path.includes("broken")
          ? { status: 500, body: "oops" }
          : {
              status: 200,
              body: {
                metadata: { resourceVersion: "7", continue: "c" },
                items: [{ metadata: { name: "a" } }],
              },
            },
    );
    expect(await client.get(PodType, "missing", "ns")).toBeUndefined();
    await expect(client.get(PodType, "broken", "ns")).rejects.toMatchObject({
      code: 500,
      reason: "InternalError",
    });
    expect(await client.list(PodType, { namespace: "ns", limit: 1 })).toEqual({
      items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "a" } }],
      resourceVersion: "7",
      continue: "c",
    });
  });

  it("bind posts a Binding; updateScale merge-patches /scale; delete sends DeleteOptions", async () => {
    const { client, sent } = recording(() => ({ status: 200, body: {} }));
    await client.bind("ns", "p", "node-1", "uid-1");
    await client.updateScale(pcs, "a", "ns", 3);
    await client.delete(pcs, "a", "ns", { propagationPolicy: "Orphan" });
    expect(sent.map((r) => [r.method, r.path, JSON.parse(r.body ?? "null")])).toEqual([
      [
        "POST",
        "/api/v1/namespaces/ns/pods/p/binding",
        {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "p", namespace: "ns", uid: "uid-1" },
          target: { apiVersion: "v1", kind: "Node", name: "node-1" },
        },
      ],
      ["PATCH", "/apis/grove.io/v1alpha1/namespaces/ns/podcliquesets/a/scale", { spec: { replicas: 3 } }],
      [
        "DELETE",
        "/apis/grove.io/v1alpha1/namespaces/ns/podcliquesets/a",
        { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Orphan" },
      ],
    ]);
    expect(() => client.updateScale(pcs, "a", "ns", -1)).toThrow("replicas");
  });

  it("single-object calls on namespaced kinds without a namespace go to the context's namespace", async () => {
    const { client, sent } = recording(() => ({ status: 200, body: { metadata: {} } }));
    await client.create(PodType, { metadata: { name: "p" } });
    await client.get(PodType, "p");
    await client.get(NamespaceType, "n");
    expect(client.defaultNamespace).toBe("default");
    expect(sent.map((r) => [r.path, r.body && JSON.parse(r.body).metadata.namespace])).toEqual([
      ["/api/v1/namespaces/default/pods", "default"],
      ["/api/v1/namespaces/default/pods/p", undefined],
      ["/api/v1/namespaces/n", undefined],
    ]);
  });

  it("a 2xx answer that is not JSON is an error; an empty one is fine for delete", async () => {
    const { client } = recording((r) =>
      r.method === "DELETE" ? { status: 200, body: "" } : { status: 200, body: "<html>" },
    );
    await expect(client.get(PodType, "p", "ns")).rejects.toMatchObject({
      code: 500,
      message: expect.stringContaining("not JSON"),
    });
    await expect(client.delete(PodType, "p", "ns")).resolves.toBeUndefined();
  });

  it("rate-limits with qps and burst: a burst at once, then one request per 1/qps", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { client, sent } = recording(() => ({ status: 200, body: { metadata: {} } }), {
      qps: 100,
      burst: 3,
    });
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => client.get(PodType, `p${i}`, "ns")));
    await vi.advanceTimersByTimeAsync(100);
    await all;
    expect(sent.map((r) => r.at)).toEqual([0, 0, 0, 10, 20, 30]);
  });

  it("rateLimitPer resource: one bucket per group/version/resource, subresources in theirs", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { client, sent } = recording(() => ({ status: 200, body: { metadata: {} } }), {
      qps: 100,
      burst: 2,
      rateLimitPer: "resource",
    });
    const pods = Array.from({ length: 3 }, (_, i) => client.get(PodType, `p${i}`, "ns"));
    const gangs = Array.from({ length: 3 }, (_, i) => client.get(pcs, `g${i}`, "ns"));
    // A status patch spends the pods' bucket: the fourth pod request of the burst.
    const status = client.patch(PodType, "p0", "ns", { type: "merge", body: {} }, { subresource: "status" });
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([...pods, ...gangs, status]);
    const at = (re: RegExp) => sent.filter((r) => re.test(r.path)).map((r) => r.at);
    expect(at(/\/pods\//)).toEqual([0, 0, 10, 20]);
    expect(at(/\/podcliquesets\//)).toEqual([0, 0, 10]);
  });

  it.each([
    ["/api/v1/namespaces/ns/pods/p/status", "/v1/pods"],
    ["/api/v1/pods?watch=1", "/v1/pods"],
    ["/api/v1/namespaces/ns", "/v1/namespaces"],
    ["/api/v1/namespaces", "/v1/namespaces"],
    ["/apis/scheduler.grove.io/v1alpha1/namespaces/a/podgangs", "scheduler.grove.io/v1alpha1/podgangs"],
    ["/apis/storage.k8s.io/v1/storageclasses/x", "storage.k8s.io/v1/storageclasses"],
    ["/apis", ""],
    ["/version", ""],
  ])("rateLimitKey(%s) is %j", (path, key) => {
    expect(rateLimitKey(path)).toBe(key);
  });

  it.each([
    [{ qps: 0, burst: 0 }, 10],
    [{ qps: -1 }, 20],
  ])("%o lets %i requests through without waiting", async (opts, n) => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { client, sent } = recording(() => ({ status: 200, body: { metadata: {} } }), opts);
    await Promise.all(Array.from({ length: n }, (_, i) => client.get(PodType, `p${i}`, "ns")));
    expect(sent.every((r) => r.at === 0)).toBe(true);
    expect(sent).toHaveLength(n);
  });
});
