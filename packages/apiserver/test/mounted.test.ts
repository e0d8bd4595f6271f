// Mounted group versions (src/mounted.ts): a read-only group served by a handler is listed by every
// kind of discovery as kube-apiserver lists an APIService's group, its GETs reach the handler, other
// methods are 405, and a group the registry serves cannot be mounted over. mountedApiHandler serves
// the same handler alone, as an extension API server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, status } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MountedApi, mountedApiHandler, type RunningApiServer, startApiServer } from "../src/index.js";

const widgets: MountedApi = {
  group: "widgets.example.com",
  version: "v1beta1",
  resources: () => [
    { name: "gadgets", namespaced: true, kind: "Gadget", verbs: ["get", "list"] },
    { name: "pods/speed", namespaced: true, kind: "SpeedList", verbs: ["get"] },
  ],
  get(path, query) {
    if (path[0] === "missing") throw new ApiError(status(404, "NotFound", "no such widget"));
    return { kind: "Echo", path: [...path], selector: query.get("labelSelector") };
  },
};

let s: RunningApiServer;
let unmount: () => void;
beforeAll(async () => {
  s = await startApiServer({});
  unmount = s.server.mountApi(widgets);
});
afterAll(() => s.close());

async function get(base: string, path: string, accept?: string, method = "GET") {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(accept ? { accept } : {}) },
  });
  return { code: r.status, body: (await r.json()) as Record<string, unknown> };
}

const aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

describe("a mounted group version on our API server", () => {
  it("is listed by legacy discovery: /apis, /apis/<group> and /apis/<group>/<version>", async () => {
    const groups = (await get(s.url, "/apis")).body.groups as { name: string }[];
    expect(groups.find((g) => g.name === "widgets.example.com")).toEqual({
      name: "widgets.example.com",
      versions: [{ groupVersion: "widgets.example.com/v1beta1", version: "v1beta1" }],
      preferredVersion: { groupVersion: "widgets.example.com/v1beta1", version: "v1beta1" },
    });
    expect((await get(s.url, "/apis/widgets.example.com")).body).toMatchObject({
      kind: "APIGroup",
      name: "widgets.example.com",
    });
    expect((await get(s.url, "/apis/widgets.example.com/v1beta1")).body).toEqual({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: "widgets.example.com/v1beta1",
      resources: [
        { name: "gadgets", singularName: "", namespaced: true, kind: "Gadget", verbs: ["get", "list"] },
        { name: "pods/speed", singularName: "", namespaced: true, kind: "SpeedList", verbs: ["get"] },
      ],
    });
  });

  it("is listed by aggregated discovery, a/b as a subresource of a made-up parent", async () => {
    const items = (await get(s.url, "/apis", aggregated)).body.items as { metadata: { name: string } }[];
    expect(items.find((i) => i.metadata.name === "widgets.example.com")).toEqual({
      metadata: { name: "widgets.example.com", creationTimestamp: null },
      versions: [
        {
          version: "v1beta1",
          freshness: "Current",
          resources: [
            {
              resource: "gadgets",
              responseKind: { group: "widgets.example.com", version: "v1beta1", kind: "Gadget" },
              scope: "Namespaced",
              singularResource: "",
              verbs: ["get", "list"],
            },
            {
              resource: "pods",
              responseKind: {},
              scope: "Namespaced",
              singularResource: "",
              verbs: [],
              subresources: [
                {
                  subresource: "speed",
                  responseKind: { group: "widgets.example.com", version: "v1beta1", kind: "SpeedList" },
                  verbs: ["get"],
                },
              ],
            },
          ],
        },
      ],
    });
    const core = (await get(s.url, "/api", aggregated)).body.items as { metadata: { name: string } }[];
    expect(core.map((i) => i.metadata.name)).toEqual([""]);
  });

  it("answers GETs through the handler, its errors as Status; other methods are 405", async () => {
    const r = await get(
      s.url,
      "/apis/widgets.example.com/v1beta1/namespaces/a/pods/*/speed?labelSelector=x%3Dy",
    );
    expect(r).toEqual({
      code: 200,
      body: { kind: "Echo", path: ["namespaces", "a", "pods", "*", "speed"], selector: "x=y" },
    });
    expect(await get(s.url, "/apis/widgets.example.com/v1beta1/missing")).toMatchObject({
      code: 404,
      body: { kind: "Status", message: "no such widget" },
    });
    expect((await get(s.url, "/apis/widgets.example.com/v1beta1/gadgets", undefined, "DELETE")).code).toBe(
      405,
    );
  });

  it("cannot take a group the registry serves, nor be mounted twice; unmounted, it is gone", async () => {
    expect(() => s.server.mountApi({ ...widgets, group: "scheduling.k8s.io" })).toThrow(
      /served by the registry/,
    );
    expect(() => s.server.mountApi(widgets)).toThrow(/mounted already/);
    unmount();
    expect((await get(s.url, "/apis/widgets.example.com/v1beta1")).code).toBe(404);
    expect((await get(s.url, "/apis/widgets.example.com/v1beta1/gadgets")).code).toBe(404);
    unmount = s.server.mountApi(widgets);
  });
});

describe("mountedApiHandler: the group alone, as an extension API server", () => {
  let srv: Server;
  let base: string;
  beforeAll(async () => {
    srv = createServer(
      mountedApiHandler([widgets], (req) => (req.headers["x-remote-user"] ? undefined : "no front proxy")),
    );
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  const fetchAs = async (path: string, accept?: string) => {
    const r = await fetch(`${base}${path}`, {
      headers: { "x-remote-user": "u", ...(accept ? { accept } : {}) },
    });
    return { code: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it("serves discovery and GETs, and refuses what authorize refuses", async () => {
    expect((await fetchAs("/apis")).body.groups).toHaveLength(1);
    expect(((await fetchAs("/apis", aggregated)).body.items as unknown[]).length).toBe(1);
    expect((await fetchAs("/apis/widgets.example.com")).code).toBe(200);
    expect((await fetchAs("/apis/widgets.example.com/v1beta1")).body.groupVersion).toBe(
      "widgets.example.com/v1beta1",
    );
    expect((await fetchAs("/apis/widgets.example.com/v1beta1/gadgets")).body.path).toEqual(["gadgets"]);
    expect((await fetchAs("/apis/other/v1/x")).code).toBe(404);
    expect((await fetch(`${base}/apis`)).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
