// The REST surface over real HTTP: authentication, limits, error documents, discovery, OpenAPI,
// Tables and watch streaming.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApiServer, startApiServer } from "../src/index.js";
import { widgetCrd } from "./fixtures.js";

let s: RunningApiServer;
const base = "/apis/example.com/v1/namespaces/default/widgets";

beforeAll(async () => {
  s = await startApiServer({ heartbeatMs: 100, bookmarkMs: 150, historySize: 20 });
  await req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    body: JSON.stringify(widgetCrd),
  });
});
afterAll(() => s.close());

async function req(
  method: string,
  path: string,
  o: { body?: string | Buffer; type?: string; token?: string | null; accept?: string } = {},
): Promise<{ code: number; json: Record<string, unknown>; headers: Headers; text: string }> {
  const headers: Record<string, string> = {};
  if (o.token !== null) headers.authorization = `Bearer ${o.token ?? s.token}`;
  if (o.type) headers["content-type"] = o.type;
  else if (o.body !== undefined) headers["content-type"] = "application/json";
  if (o.accept) headers.accept = o.accept;
  const body = typeof o.body === "string" || o.body === undefined ? o.body : new Uint8Array(o.body);
  const r = await fetch(`${s.url}${path}`, { method, headers, body });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { code: r.status, json, headers: r.headers, text };
}

const widgetBody = (name: string) =>
  JSON.stringify({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name },
    spec: { size: "small" },
  });

describe("bad input gets a Status document", () => {
  it.each([
    ["no token", "GET", "/api/v1/namespaces", { token: null }, 401, "Unauthorized"],
    ["a wrong token", "GET", "/api/v1/namespaces", { token: "nope" }, 401, "Unauthorized"],
    ["an unknown path", "GET", "/nope/at/all", {}, 404, "NotFound"],
    ["an unknown resource", "GET", "/api/v1/gizmos", {}, 404, "NotFound"],
    ["a cluster kind under a namespace", "GET", "/api/v1/namespaces/default/nodes", {}, 404, "NotFound"],
    ["malformed JSON", "POST", base, { body: '{"metadata": {', type: "application/json" }, 400, "BadRequest"],
    ["malformed YAML", "POST", base, { body: "a: [b\n c: :", type: "application/yaml" }, 400, "BadRequest"],
    [
      "deep nesting (a fatal yaml OOM before the guard)",
      "POST",
      base,
      { body: "[".repeat(5000), type: "application/yaml" },
      400,
      "BadRequest",
    ],
    ["a JSON array body", "POST", base, { body: "[1,2]" }, 400, "BadRequest"],
    ["an empty body", "POST", base, { body: "" }, 400, "BadRequest"],
    [
      "a kind mismatch",
      "POST",
      base,
      { body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }) },
      400,
      "BadRequest",
    ],
    [
      "an unsupported patch type",
      "PATCH",
      `${base}/w`,
      { body: "{}", type: "text/plain" },
      415,
      "UnsupportedMediaType",
    ],
    [
      "a protobuf body",
      "POST",
      "/api/v1/namespaces",
      { body: Buffer.from([0x6b, 0x38, 0x73, 0]), type: "application/vnd.kubernetes.protobuf" },
      415,
      "UnsupportedMediaType",
    ],
    ["a bad label selector", "GET", `${base}?labelSelector=a%20in%20(`, {}, 400, "BadRequest"],
    ["a bad dryRun", "POST", `${base}?dryRun=Some`, { body: widgetBody("d") }, 400, "BadRequest"],
    ["a missing object", "GET", `${base}/missing`, {}, 404, "NotFound"],
  ] as const)("%s", async (_name, method, path, o, code, reason) => {
    const r = await req(method, path, o);
    expect(r.code).toBe(code);
    expect(r.json).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason });
  });

  it("413 for bodies over 3 MiB", async () => {
    const big = JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "big" },
      data: { a: "x".repeat(3 * 1024 * 1024) },
    });
    const r = await req("POST", "/api/v1/namespaces/default/configmaps", { body: big });
    expect(r.code).toBe(413);
    expect(r.json.reason).toBe("RequestEntityTooLarge");
    expect((await req("GET", "/healthz", { token: null })).text).toBe("ok");
  });

  it("sends warnings as Warning headers and honours dryRun=All", async () => {
    const body = JSON.stringify({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "warn" },
      spec: { size: "small", zzz: 1 },
    });
    const dry = await req("POST", `${base}?dryRun=All`, { body });
    expect(dry.code).toBe(201);
    expect(dry.headers.get("warning")).toBe('299 - "unknown field \\"spec.zzz\\""');
    expect((await req("GET", `${base}/warn`)).code).toBe(404);
  });
});

describe("discovery, version and OpenAPI", () => {
  it("answers /version with minor 32 without a token", async () => {
    expect((await req("GET", "/version", { token: null })).json).toMatchObject({ major: "1", minor: "32" });
  });

  it("serves aggregated discovery with kubectl's exact content type, and legacy discovery otherwise", async () => {
    const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    const agg = await req("GET", "/apis", { accept });
    expect(agg.headers.get("content-type")).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    const group = (
      agg.json.items as { metadata: { name: string }; versions: { resources: Record<string, unknown>[] }[] }[]
    ).find((g) => g.metadata.name === "example.com");
    expect(group?.versions[0]?.resources[0]).toMatchObject({
      resource: "widgets",
      shortNames: ["wd"],
      categories: ["all"],
      subresources: [
        { subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" } },
        { subresource: "status" },
      ],
    });
    const legacy = await req("GET", "/apis/example.com/v1");
    expect((legacy.json.resources as { name: string }[]).map((r) => r.name)).toEqual([
      "widgets",
      "widgets/scale",
      "widgets/status",
    ]);
    expect((await req("GET", "/api")).json).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
  });

  it("serves an OpenAPI v3 index and per-group documents with a patch operation carrying fieldValidation", async () => {
    const idx = await req("GET", "/openapi/v3");
    const ref = (idx.json.paths as Record<string, { serverRelativeURL: string }>)["apis/example.com/v1"];
    expect(ref?.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/example.com\/v1\?hash=[0-9A-F]{32}$/);
    const doc = await req("GET", ref?.serverRelativeURL as string);
    const patch = (doc.json.paths as Record<string, { patch: { parameters: { name: string }[] } }>)[
      "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"
    ]?.patch;
    expect(patch?.parameters.map((p) => p.name)).toContain("fieldValidation");
    expect(
      (doc.json.components as { schemas: Record<string, unknown> }).schemas["com.example.v1.Widget"],
    ).toMatchObject({
      "x-kubernetes-group-version-kind": [{ group: "example.com", version: "v1", kind: "Widget" }],
    });
    expect((await req("GET", "/openapi/v2")).json).toMatchObject({ swagger: "2.0" });
  });
});

describe("tables", () => {
  it("renders CRD printer columns with server-side Age", async () => {
    await req("POST", base, { body: widgetBody("t1") });
    const t = await req("GET", `${base}?limit=500`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(t.json.kind).toBe("Table");
    expect((t.json.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual([
      "Name",
      "Replicas",
      "Ready",
      "Age",
    ]);
    const row = (t.json.rows as { cells: unknown[]; object: { kind: string } }[]).find(
      (r) => r.cells[0] === "t1",
    );
    expect(row?.cells.slice(0, 3)).toEqual(["t1", 1, null]);
    expect(row?.cells[3]).toMatch(/^\d+s$/);
    expect(row?.object.kind).toBe("PartialObjectMetadata");
  });
});

describe("pod table STATUS while initializing (kube-apiserver's printer)", () => {
  const pods = "/api/v1/namespaces/default/pods";
  const status = async (name: string): Promise<unknown> => {
    const t = await req("GET", `${pods}/${name}`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    return (t.json.rows as { cells: unknown[] }[])[0]?.cells[2];
  };
  const pod = (name: string) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: {
        initContainers: [{ name: "wait", image: "x" }],
        containers: [{ name: "main", image: "x" }],
      },
    });
  const patchStatus = (name: string, st: object) =>
    req("PATCH", `${pods}/${name}/status`, {
      body: JSON.stringify({ status: st }),
      type: "application/merge-patch+json",
    });

  it("Init:0/1 while the first init container runs, PodInitializing nowhere; Running once initialized", async () => {
    await req("POST", pods, { body: pod("init1") });
    await patchStatus("init1", {
      phase: "Pending",
      conditions: [{ type: "Initialized", status: "False" }],
      initContainerStatuses: [{ name: "wait", ready: false, restartCount: 0, state: { running: {} } }],
      containerStatuses: [
        { name: "main", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
      ],
    });
    expect(await status("init1")).toBe("Init:0/1");
    await patchStatus("init1", {
      phase: "Running",
      conditions: [{ type: "Initialized", status: "True" }],
      initContainerStatuses: [
        {
          name: "wait",
          ready: true,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        },
      ],
      containerStatuses: [{ name: "main", ready: true, restartCount: 0, state: { running: {} } }],
    });
    expect(await status("init1")).toBe("Running");
  });

  it("Init:<reason> for a failed or crash-looping init container", async () => {
    await req("POST", pods, { body: pod("init2") });
    await patchStatus("init2", {
      phase: "Pending",
      initContainerStatuses: [
        { name: "wait", ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } },
      ],
    });
    expect(await status("init2")).toBe("Init:CrashLoopBackOff");
    await patchStatus("init2", {
      initContainerStatuses: [
        { name: "wait", ready: false, restartCount: 2, state: { terminated: { exitCode: 1 } } },
      ],
    });
    expect(await status("init2")).toBe("Init:ExitCode:1");
  });
});

describe("watch over HTTP", () => {
  async function readLines(path: string, until: (lines: string[]) => boolean): Promise<string[]> {
    const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(r.status).toBe(200);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = "";
    const lines: string[] = [];
    while (!until(lines)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value);
      const parts = buf.split("\n");
      buf = parts.pop() ?? "";
      lines.push(...parts);
    }
    await reader.cancel();
    return lines;
  }

  it("flushes headers at once, sends heartbeats and bookmarks when asked", async () => {
    const rv = ((await req("GET", base)).json.metadata as { resourceVersion: string }).resourceVersion;
    const lines = await readLines(`${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, (l) =>
      l.some((x) => x.includes("BOOKMARK")),
    );
    expect(lines).toContain("");
    const bm = JSON.parse(lines.find((x) => x.includes("BOOKMARK")) as string) as {
      object: { metadata: { resourceVersion: string } };
    };
    expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it("sends ERROR 410 Expired and closes when the version left the history window", async () => {
    for (let i = 0; i < 30; i++)
      await req("POST", "/api/v1/namespaces/default/configmaps", {
        body: JSON.stringify({ metadata: { name: `c${i}` } }),
      });
    const lines = await readLines(`${base}?watch=true&resourceVersion=1`, () => false);
    const ev = JSON.parse(lines.find((l) => l.trim() !== "") as string) as {
      type: string;
      object: { code: number; reason: string };
    };
    expect(ev).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
  });

  describe("watch-list (sendInitialEvents), as client-go's reflector asks since 1.35", () => {
    const cms = "/api/v1/namespaces/default/configmaps";
    type Line = {
      type: string;
      object: { metadata: { name?: string; annotations?: Record<string, string> } };
    };
    const parse = (lines: string[]): Line[] =>
      lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Line);
    const isEnd = (l: string) => l.includes("k8s.io/initial-events-end");
    let fromRv = "";
    beforeAll(async () => {
      const a = await req("POST", cms, {
        body: JSON.stringify({ metadata: { name: "wl-a", labels: { wl: "1" } } }),
      });
      fromRv = (a.json.metadata as { resourceVersion: string }).resourceVersion;
      await req("POST", cms, { body: JSON.stringify({ metadata: { name: "wl-b", labels: { wl: "1" } } }) });
    });

    it("the whole state whatever the version (NotOlderThan), then the initial-events-end bookmark", async () => {
      const q = `watch=true&labelSelector=wl%3D1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${fromRv}`;
      const events = parse(await readLines(`${cms}?${q}`, (l) => l.some(isEnd)));
      expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
        ["ADDED", "wl-a"],
        ["ADDED", "wl-b"],
        ["BOOKMARK", undefined],
      ]);
      expect(events[2]?.object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
    });

    it("a watch from no version or 0 that asked for bookmarks ends its initial state the same way", async () => {
      for (const rv of ["", "&resourceVersion=0"]) {
        const events = parse(
          await readLines(`${cms}?watch=true&labelSelector=wl%3D1&allowWatchBookmarks=true${rv}`, (l) =>
            l.some(isEnd),
          ),
        );
        expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED", "BOOKMARK"]);
      }
    });

    it("sendInitialEvents=false without a version starts from now", async () => {
      const q = "watch=true&labelSelector=wl%3D1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan";
      // A heartbeat (an empty line) comes after anything the start of the watch sends.
      const lines = await readLines(`${cms}?${q}`, (l) => l.includes(""));
      expect(parse(lines)).toEqual([]);
    });

    it.each([
      [
        "sendInitialEvents=true&allowWatchBookmarks=true",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      ],
      [
        "resourceVersionMatch=NotOlderThan&resourceVersion=1",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      ],
      [
        "sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=1",
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
      ],
    ])("%s is 422 Invalid, worded as kube-apiserver words it", async (q, message) => {
      const r = await req("GET", `${cms}?watch=true&${q}`);
      expect(r.code).toBe(422);
      expect(r.json).toMatchObject({
        reason: "Invalid",
        message,
        details: { group: "meta.k8s.io", kind: "ListOptions" },
      });
    });
  });

  it("ends the stream after timeoutSeconds and replays ADDED for resourceVersion=0", async () => {
    const lines = await readLines(`${base}?watch=true&resourceVersion=0&timeoutSeconds=1`, () => false);
    const added = lines.filter((l) => l.includes('"ADDED"'));
    expect(added.length).toBeGreaterThan(0);
  });
});

describe("bindings", () => {
  it("binds through pods/{name}/binding and through the legacy bindings resource", async () => {
    const pod = (name: string) =>
      JSON.stringify({ metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    await req("POST", "/api/v1/namespaces/default/pods", { body: pod("b1") });
    await req("POST", "/api/v1/namespaces/default/pods", { body: pod("b2") });
    const target = (name: string) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name },
        target: { kind: "Node", name: "n1" },
      });
    const first = await req("POST", "/api/v1/namespaces/default/pods/b1/binding", { body: target("b1") });
    expect(first.json).toMatchObject({ status: "Success" });
    expect((await req("POST", "/api/v1/namespaces/default/bindings", { body: target("b2") })).code).toBe(201);
    for (const n of ["b1", "b2"])
      expect(
        ((await req("GET", `/api/v1/namespaces/default/pods/${n}`)).json.spec as { nodeName: string })
          .nodeName,
      ).toBe("n1");
    const again = await req("POST", "/api/v1/namespaces/default/bindings", { body: target("b2") });
    expect(again.json).toMatchObject({ code: 409, reason: "Conflict" });
  });
});
