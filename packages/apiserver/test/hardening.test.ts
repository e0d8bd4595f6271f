// What probing the API server found (issue 12): warnings deduplicated and capped, 415 for other
// body types, loopback Host names only in anonymous mode, nesting limit, `__proto__` as an ordinary
// key, watch and list parameters checked before the 200, continue tokens, connection limits and the
// modes of --data-dir.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createSecureServer, connect as http2Connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groveCrds } from "@grove-ts/api";
import { ConfigMapType, CustomResourceDefinitionType, type KubeObject } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { valueDepth } from "../src/body.js";
import { decodeContinue, encodeContinue } from "../src/continue.js";
import { createApiServer, type RunningApiServer, startApiServer } from "../src/index.js";
import { Persistence } from "../src/persist.js";
import { applyServingLimits, isLoopbackHost } from "../src/serving.js";
import { clone } from "../src/util.js";
import { truncateAtTotalRunes, truncateItemRunes, warningHeaderValues } from "../src/warnings.js";
import { widgetCrd } from "./fixtures.js";

interface Reply {
  code: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

/** node:http, whose 16 KiB response-header limit is the one client-node and the operator have. */
function call(
  url: string,
  method: string,
  path: string,
  o: { token?: string; body?: string; type?: string; host?: string } = {},
): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.type) headers["content-type"] = o.type;
  if (o.host) headers.host = o.host;
  // Node frames no DELETE body by itself (no chunked encoding for DELETE).
  if (o.body !== undefined) headers["content-length"] = String(Buffer.byteLength(o.body));
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {}
        resolve({ code: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on("error", reject);
    r.end(o.body);
  });
}

describe("warnings, as kube-apiserver's recorder writes them", () => {
  it("sends each text once", () => {
    expect(warningHeaderValues(["a", "b", "a", "", "b"])).toEqual(['299 - "a"', '299 - "b"']);
  });

  it("quotes and escapes, drops texts with control characters, and writes UTF-8", () => {
    expect(warningHeaderValues(['say "hi" \\ there', "two\nlines", "Iñtër"])).toEqual([
      '299 - "say \\"hi\\" \\\\ there"',
      `299 - ${Buffer.from('"Iñtër"', "utf8").toString("latin1")}`,
    ]);
  });

  it("cuts every warning to 256 runes once the total passes 4096, then stops at 4096", () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, "0")}${"x".repeat(298)}`);
    const out = warningHeaderValues(texts);
    // 13 warnings of 300 runes fit (3900); the 14th starts truncation: 256 runes each from the
    // first, and warnings are added until 4096 is reached (16 x 256).
    expect(out).toHaveLength(truncateAtTotalRunes / truncateItemRunes);
    expect(out[0]).toBe(`299 - "00${"x".repeat(254)}"`);
    expect(out[15]).toBe(`299 - "15${"x".repeat(254)}"`);
    expect(warningHeaderValues(texts.slice(0, 13))).toEqual(texts.slice(0, 13).map((t) => `299 - "${t}"`));
  });
});

describe("body nesting and __proto__ (pure)", () => {
  it("measures depth without recursion", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueDepth(deep)).toBe(100_000);
    expect(valueDepth(deep, 512)).toBe(513);
    expect(valueDepth({ a: [{}], b: 1 })).toBe(3);
  });

  it("copies a __proto__ key as an own property, leaving the prototype alone", () => {
    const parsed = JSON.parse('{"data":{"__proto__":{"polluted":"yes"}}}') as {
      data: Record<string, unknown>;
    };
    const copy = clone(parsed);
    expect(Object.getPrototypeOf(copy.data)).toBe(Object.prototype);
    expect(Object.keys(copy.data)).toEqual(["__proto__"]);
    expect(JSON.stringify(copy)).toBe('{"data":{"__proto__":{"polluted":"yes"}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("continue tokens", () => {
  it("round-trips kube-apiserver's token shape", () => {
    const t = encodeContinue({ rv: "42", after: "default/b" });
    expect(JSON.parse(Buffer.from(t, "base64url").toString())).toEqual({
      v: "meta.k8s.io/v1",
      rv: 42,
      start: "default/b",
    });
    expect(decodeContinue(t)).toEqual({ rv: "42", after: "default/b" });
  });

  it.each([
    ["!!!", "illegal base64 data at input byte 0"],
    ["e30", "server does not recognize this encoded version "],
    ["MQ", "json: cannot unmarshal number into Go value of type storage.continueToken"],
    ["bnVsbA", "server does not recognize this encoded version "],
    [
      Buffer.from('{"v":"meta.k8s.io/v1","rv":5}').toString("base64url"),
      "encoded start key empty (version meta.k8s.io/v1)",
    ],
    [
      Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"x"}').toString("base64url"),
      "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    ],
  ])("%s is a 400 as kube-apiserver words it", (token, why) => {
    expect(() => decodeContinue(token)).toThrow(`invalid continue token: continue key is not valid: ${why}`);
  });
});

describe("loopback Host names", () => {
  it.each([
    ["127.0.0.1:6443", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["LOCALHOST:80", true],
    ["kube.localhost:1", true],
    ["[::1]:6443", true],
    ["[::1]", true],
    ["", false],
    ["evil.example", false],
    ["127.0.0.1.evil.example", false],
    ["localhost.evil.example:80", false],
    ["10.0.0.1:6443", false],
    ["[::2]:80", false],
    ["127.0.0.1:6443:1", false],
    ["127.0.0.256", false],
  ])("%s -> %s", (host, ok) => {
    expect(isLoopbackHost(host)).toBe(ok);
  });
});

describe("over HTTP", () => {
  let s: RunningApiServer;
  const cms = "/api/v1/namespaces/default/configmaps";
  const widgets = "/apis/example.com/v1/namespaces/default/widgets";
  const as = (method: string, path: string, o: { body?: string; type?: string } = {}) =>
    call(s.url, method, path, {
      token: s.token,
      type: o.body !== undefined ? "application/json" : undefined,
      ...o,
    });

  beforeAll(async () => {
    s = await startApiServer();
    for (const crd of [widgetCrd, ...groveCrds()])
      await s.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  });
  afterAll(() => s.close());

  it("sends one Warning for a PodCliqueSet whose 300 cliques each earn the same one", async () => {
    const pcs = {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name: "many" },
      spec: {
        replicas: 1,
        template: {
          cliques: Array.from({ length: 300 }, (_, i) => ({
            name: `c${i}`,
            spec: {
              roleName: `c${i}`,
              replicas: 1,
              podSpec: { restartPolicy: "Never", containers: [{ name: "c", image: "nginx" }] },
            },
          })),
        },
      },
    };
    const r = await as("POST", "/apis/grove.io/v1alpha1/namespaces/default/podcliquesets", {
      body: JSON.stringify(pcs),
    });
    expect(r.code).toBe(201);
    expect(r.headers.warning).toBe('299 - "restartPolicy will be ignored, it will be set to Always"');
  });

  it("caps distinct warnings so a Node client still reads the answer", async () => {
    const extra = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`unknownField${i}`, i]));
    const r = await as("POST", `${widgets}?fieldValidation=Warn`, {
      body: JSON.stringify({ metadata: { name: "noisy" }, spec: { size: "small", ...extra } }),
    });
    expect(r.code).toBe(201);
    const values = String(r.headers.warning).split(", 299 - ");
    expect(values.length).toBeGreaterThan(10);
    expect(values.length).toBeLessThan(2000);
  });

  it.each([
    ["POST", cms, "text/plain"],
    ["POST", cms, "application/x-www-form-urlencoded"],
    ["POST", cms, "application/json-patch+json"],
    ["PUT", `${cms}/ct`, "text/plain"],
    ["DELETE", `${cms}/ct`, "text/plain"],
  ])("%s %s with %s is 415 and changes nothing", async (method, path, type) => {
    const r = await as(method, path, { body: JSON.stringify({ metadata: { name: "ct" } }), type });
    expect(r.code).toBe(415);
    expect(r.json).toMatchObject({
      kind: "Status",
      reason: "UnsupportedMediaType",
      message:
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    });
    expect((await as("GET", `${cms}/ct`)).code).toBe(404);
  });

  it("answers a PATCH of another type on a built-in kind with kube's bare 415", async () => {
    await as("POST", cms, { body: JSON.stringify({ metadata: { name: "patched" } }) });
    const r = await as("PATCH", `${cms}/patched`, { body: "{}", type: "text/plain" });
    expect([r.code, r.json.reason, r.json.message]).toEqual([
      415,
      "UnsupportedMediaType",
      "415: Unsupported Media Type",
    ]);
  });

  it("takes JSON with a charset, YAML, no Content-Type at all, and a body-less DELETE of any type", async () => {
    const body = (name: string) => JSON.stringify({ metadata: { name } });
    expect((await as("POST", cms, { body: body("j"), type: "application/json; charset=utf-8" })).code).toBe(
      201,
    );
    expect((await as("POST", cms, { body: "metadata:\n  name: y\n", type: "application/yaml" })).code).toBe(
      201,
    );
    expect((await call(s.url, "POST", cms, { token: s.token, body: body("none") })).code).toBe(201);
    expect((await call(s.url, "DELETE", `${cms}/none`, { token: s.token, type: "text/plain" })).code).toBe(
      200,
    );
  });

  it("refuses deep YAML even when a comment holds a quote, and deep block or JSON nesting", async () => {
    const flow = `metadata:\n  name: deep # it's\nspec:\n  extra:\n    x: ${"[".repeat(3000)}${"]".repeat(3000)}\n`;
    let block = "metadata:\n  name: block\nspec:\n  extra:\n";
    for (let i = 0; i < 600; i++) block += `${" ".repeat(4 + i)}k${i}:\n`;
    block += `${" ".repeat(604)}v: 1\n`;
    const json = `{"metadata":{"name":"json"},"spec":{"extra":{"x":${"[".repeat(5000)}${"]".repeat(5000)}}}}`;
    for (const [body, type] of [
      [flow, "application/yaml"],
      [block, "application/yaml"],
      [json, "application/json"],
    ] as const) {
      const r = await as("POST", widgets, { body, type });
      expect(r.code).toBe(400);
      expect(r.json.message).toBe("the request body nests more than 512 levels deep; the limit is 512");
    }
  });

  it("keeps __proto__ as an ordinary key (a ConfigMap's data) and prunes it as an unknown field", async () => {
    await as("POST", cms, { body: JSON.stringify({ metadata: { name: "proto" }, data: { a: "1" } }) });
    const merged = await as("PATCH", `${cms}/proto`, {
      body: '{"data":{"__proto__":"x","b":"2"}}',
      type: "application/merge-patch+json",
    });
    expect(merged.json.data).toEqual(JSON.parse('{"a":"1","__proto__":"x","b":"2"}'));
    const created = await as("POST", cms, {
      body: '{"metadata":{"name":"proto2"},"data":{"__proto__":"v"}}',
    });
    expect(JSON.stringify(created.json.data)).toBe('{"__proto__":"v"}');
    const smp = await as("PATCH", `${cms}/proto2`, {
      body: '{"data":{"__proto__":"s"}}',
      type: "application/strategic-merge-patch+json",
    });
    expect(JSON.stringify(smp.json.data)).toBe('{"__proto__":"s"}');
    // A custom resource prunes unknown fields: __proto__ among them, at the top and in spec.
    const w = await as("POST", widgets, {
      body: '{"metadata":{"name":"proto"},"__proto__":{"spec":{"size":"large"}},"spec":{"size":"small","__proto__":{"x":1}}}',
    });
    expect(w.code).toBe(201);
    expect(Object.keys(w.json)).not.toContain("__proto__");
    expect(Object.keys(w.json.spec as object)).not.toContain("__proto__");
    expect((w.json.spec as { size: string }).size).toBe("small");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).size).toBeUndefined();
  });

  it("answers bad list and watch parameters with 400 before any 200", async () => {
    const cases: [string, string][] = [
      [`${cms}?watch=1&timeoutSeconds=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [`${cms}?watch=1&timeoutSeconds=`, 'strconv.ParseInt: parsing "": invalid syntax'],
      [
        `${cms}?watch=1&timeoutSeconds=99999999999999999999`,
        'strconv.ParseInt: parsing "99999999999999999999": value out of range',
      ],
      [`${cms}?watch=1&resourceVersion=abc`, "invalid resource version: abc"],
      [`${cms}?limit=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [`${cms}?limit=1.0`, 'strconv.ParseInt: parsing "1.0": invalid syntax'],
      [
        `${cms}?limit=1&continue=!!!`,
        "invalid continue token: continue key is not valid: illegal base64 data at input byte 0",
      ],
    ];
    for (const [path, message] of cases) {
      const r = await as("GET", path);
      expect([path, r.code, r.json.message]).toEqual([path, 400, message]);
    }
    const bad = await as("GET", `${cms}?watch=1&labelSelector=a%20b`);
    expect([bad.code, bad.json.kind]).toEqual([400, "Status"]);
    const gp = await as("DELETE", `${cms}/proto?gracePeriodSeconds=x`);
    expect([gp.code, gp.json.message]).toEqual([400, 'strconv.ParseInt: parsing "x": invalid syntax']);
  });

  it("keeps a watch with timeoutSeconds=99999999999 open: it sees a later write", async () => {
    const u = new URL(s.url);
    const event = await new Promise<string>((resolve, reject) => {
      const r = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          path: `${cms}?watch=1&resourceVersion=${s.server.resourceVersion}&timeoutSeconds=99999999999`,
          headers: { authorization: `Bearer ${s.token}` },
        },
        (res) => {
          let buf = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            buf += c;
            const line = buf.split("\n").find((l) => l.includes('"ADDED"'));
            if (line) {
              resolve(line);
              r.destroy();
            }
          });
          res.on("end", () => reject(new Error(`the watch ended: ${buf}`)));
          void as("POST", cms, { body: JSON.stringify({ metadata: { name: "after-watch" } }) });
        },
      );
      r.on("error", reject);
      r.end();
    });
    expect(JSON.parse(event).object.metadata.name).toBe("after-watch");
  });

  it("serves a URL past Node's 16 KiB default and answers one past 1 MiB with a Status", async () => {
    const long = await as("GET", `${cms}?x=${"a".repeat(100_000)}`);
    expect(long.code).toBe(200);
    const tooLong = await as("GET", `${cms}?x=${"a".repeat(1_100_000)}`);
    expect(tooLong.code).toBe(431);
    expect(tooLong.json).toMatchObject({ kind: "Status", code: 431, reason: "RequestHeaderFieldsTooLarge" });
    expect(tooLong.json.message).toContain("larger than 1048576 bytes");
  });
});

describe("anonymous mode answers loopback Host names only", () => {
  let s: RunningApiServer;
  beforeAll(async () => {
    s = await startApiServer({ anonymous: true });
  });
  afterAll(() => s.close());

  it.each(["evil.example", "evil.example:80", "10.0.0.1"])("Host %s is 403", async (host) => {
    const r = await call(s.url, "GET", "/api/v1/namespaces/default/secrets", { host });
    expect(r.code).toBe(403);
    expect(r.json).toMatchObject({ kind: "Status", reason: "Forbidden" });
    expect(r.json.message).toContain("is not a loopback name");
  });

  it.each(["127.0.0.1", "localhost", "[::1]"])("Host %s is served", async (name) => {
    const r = await call(s.url, "GET", "/api/v1/namespaces/default/secrets", {
      host: `${name}:${new URL(s.url).port}`,
    });
    expect(r.code).toBe(200);
  });
});

describe("connection limits", () => {
  let dir: string;
  let cert: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "grove-hardening-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        ...["-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    cert = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sets kube-apiserver's limits by default", async () => {
    const server = createSecureServer({ allowHTTP1: true, ...cert });
    applyServingLimits(server);
    const h = server as unknown as { timeout: number; keepAliveTimeout: number; headersTimeout: number };
    expect([h.timeout, h.keepAliveTimeout, h.headersTimeout]).toEqual([90_000, 90_000, 32_000]);
  });

  it("closes an idle HTTP/2 session and an idle HTTP/1.1 TLS connection", async () => {
    const server = createSecureServer({ allowHTTP1: true, ...cert }, (_req, res) => res.end("ok"));
    applyServingLimits(server, { idleTimeoutMs: 300 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // HTTP/2: one request, then nothing; the server ends the session (GOAWAY) and it closes.
      const session = http2Connect(url, { ca: cert.cert });
      const closed = new Promise<void>((resolve) => session.on("close", () => resolve()));
      session.on("error", () => {});
      await new Promise<void>((resolve, reject) => {
        const st = session.request({ ":path": "/" });
        st.on("error", reject);
        st.resume();
        st.on("end", () => resolve());
      });
      await closed;
      // HTTP/1.1 over TLS, kept alive by the agent: the server closes the idle socket.
      const socketClosed = await new Promise<boolean>((resolve, reject) => {
        const r = httpsRequest(
          `${url}/`,
          { ca: cert.cert, agent: false, headers: { connection: "keep-alive" } },
          (res) => {
            res.resume();
            res.on("end", () => r.socket?.on("close", () => resolve(true)));
          },
        );
        r.on("error", reject);
        r.end();
      });
      expect(socketClosed).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe("--data-dir modes", () => {
  it("makes the folder 0700 and its files 0600, tightening ones an older version left", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "grove-modes-")), "data");
    try {
      mkdirSync(dir, { mode: 0o755 });
      writeFileSync(join(dir, "wal.jsonl"), "", { mode: 0o644 });
      chmodSync(join(dir, "wal.jsonl"), 0o644);
      chmodSync(dir, 0o755);
      const h = createApiServer({ dataDir: dir, groveAdmission: false });
      await h.client.create(ConfigMapType, { metadata: { name: "c", namespace: "default" } } as KubeObject);
      await h.server.durable();
      await h.close();
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(dir)).toBe(0o700);
      for (const f of ["wal.jsonl", "snapshot.json"]) {
        expect(existsSync(join(dir, f))).toBe(true);
        expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
      }
      // A new folder is 0700 from the start.
      const fresh = join(dir, "..", "fresh");
      new Persistence(fresh).close();
      expect(mode(fresh)).toBe(0o700);
    } finally {
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });
});
