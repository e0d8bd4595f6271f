// The server part against our in-process API server (no browser): the model it serves, the push
// over SSE when the API changes, read-only, the bearer token off loopback, and nothing left behind.
import { createServer } from "node:net";
import { groveCrds, PodGangType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import { CustomResourceDefinitionType, type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Dashboard, type DashboardModel, parseAddr, startDashboard } from "../src/index.js";

let api: InProcessApiServer;
const open: Dashboard[] = [];

beforeEach(async () => {
  api = createApiServer();
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  for (const i of [0, 1])
    await api.client.create(NodeType, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: `gpu-${i}`, labels: { "kubernetes.io/rack": `rack-${i}` } },
      status: { allocatable: { "nvidia.com/gpu": "8" } },
    } as KubeObject);
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  await api.close();
});

async function start(opts: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<Dashboard> {
  const d = await startDashboard({ client: api.client, throttleMs: 20, ...opts });
  open.push(d);
  return d;
}

const podGang = (name: string): KubeObject =>
  ({
    apiVersion: PodGangType.apiVersion,
    kind: "PodGang",
    metadata: { name, namespace: "default" },
    spec: {
      podgroups: [
        { name: `${name}-w`, podReferences: [{ name: `${name}-0`, namespace: "default" }], minReplicas: 1 },
      ],
    },
  }) as KubeObject;

const gpuPod = (name: string, gang: string, nodeName: string): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { "grove.io/podgang": gang } },
    spec: {
      nodeName,
      containers: [{ name: "c", image: "x", resources: { requests: { "nvidia.com/gpu": "4" } } }],
    },
  }) as KubeObject;

/** Reads SSE `model` events from the dashboard until `until` holds for one. */
async function nextModel(url: string, until: (m: DashboardModel) => boolean): Promise<DashboardModel> {
  const ctl = new AbortController();
  const res = await fetch(`${url}api/events`, { signal: ctl.signal });
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error("event stream ended");
      buf += chunk.value;
      let end = buf.indexOf("\n\n");
      while (end >= 0) {
        const data = buf
          .slice(0, end)
          .split("\n")
          .find((l) => l.startsWith("data: "));
        buf = buf.slice(end + 2);
        if (data) {
          const m = JSON.parse(data.slice(6)) as DashboardModel;
          if (until(m)) return m;
        }
        end = buf.indexOf("\n\n");
      }
    }
  } finally {
    ctl.abort();
  }
}

describe("startDashboard", () => {
  it("serves the page and the model the API gives, on 127.0.0.1", async () => {
    await api.client.create(PodGangType, podGang("g1"));
    await api.client.create(PodType, gpuPod("g1-0", "g1", "gpu-1"));
    const d = await start();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(d.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<section id="topology"');
    const m = (await (await fetch(`${d.url}api/model`)).json()) as DashboardModel;
    expect(m.totals).toMatchObject({ nodes: 2, gpus: 16, usedGpus: 4, gangs: 1 });
    const host = m.root.hosts.find((h) => h.name === "gpu-1");
    expect(host?.slots.filter((s) => s >= 0).map((s) => m.pods[s]?.name)).toEqual([
      "g1-0",
      "g1-0",
      "g1-0",
      "g1-0",
    ]);
  });

  it("pushes a new model over SSE when the API changes", async () => {
    const d = await start();
    const seen = nextModel(d.url, (m) => m.pods.some((p) => p.name === "late-0" && p.node === "gpu-0"));
    await api.client.create(PodType, gpuPod("late-0", "late", "gpu-0"));
    const m = await seen;
    expect(m.totals.usedGpus).toBe(4);
  });

  it("is read-only and answers 404 outside its page", async () => {
    const d = await start();
    expect((await fetch(`${d.url}api/model`, { method: "POST", body: "{}" })).status).toBe(405);
    expect((await fetch(`${d.url}../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${d.url}nope.js`)).status).toBe(404);
  });

  it("off loopback: requires the bearer token (header, or ?token= then the cookie it sets)", async () => {
    const d = await start({ host: "0.0.0.0", token: "s3cret" });
    const base = d.url;
    expect((await fetch(`${base}api/model`)).status).toBe(401);
    expect((await fetch(`${base}api/model`, { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    expect((await fetch(`${base}api/model`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(
      200,
    );
    const q = await fetch(`${base}?token=s3cret`);
    expect(q.status).toBe(200);
    const cookie = q.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect((await fetch(`${base}api/model`, { headers: { cookie } })).status).toBe(200);
  });

  it("refuses a non-loopback address without a token to check, naming the rule", async () => {
    await expect(start({ host: "0.0.0.0" })).rejects.toThrow(/not a loopback address.*bearer token/);
  });

  it("frees its port and connections on close", async () => {
    const d = await start();
    const port = Number(new URL(d.url).port);
    const stream = await fetch(`${d.url}api/events`);
    expect(stream.status).toBe(200);
    await d.close();
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    expect(free).toBe(true);
  });
});

describe("parseAddr", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    [":0", { host: "127.0.0.1", port: 0 }],
    ["9000", { host: "127.0.0.1", port: 9000 }],
    ["0.0.0.0:1", { host: "0.0.0.0", port: 1 }],
    ["[::1]:2", { host: "::1", port: 2 }],
  ])("%s", (addr, want) => expect(parseAddr(addr)).toEqual(want));
  it("names the flag and the rule for bad input", () => {
    expect(() => parseAddr("host:99999")).toThrow(
      '--dashboard-addr: must be HOST:PORT (PORT 0 = any free port) or off, got "host:99999"',
    );
    expect(() => parseAddr("nope")).toThrow(/--dashboard-addr: must be HOST:PORT/);
  });
});
