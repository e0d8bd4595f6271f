// Raw HTTP the clients never send but a prober (or a web page) does, answered the same by our API
// server (project "grove", plain HTTP with a token) and by the real kube-apiserver (project "kube",
// HTTPS with the admin client certificate): other body media types, malformed continue tokens,
// bad watch and list parameters, an enormous timeoutSeconds, `__proto__` keys, a long URL, paths
// and methods no route serves.
import { readFileSync } from "node:fs";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest, type RequestOptions as TlsRequestOptions } from "node:https";
import { startApiServer } from "@grove-ts/apiserver";
import { missingKubeBinaries, startControlPlane } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eventually, widgetCrd } from "./targets.js";

interface Reply {
  code: number;
  text: string;
  json: Record<string, unknown>;
  /** Warning headers, one per value. */
  warnings: string[];
}

interface RawTarget {
  /** Request options (host, port, credentials) every call starts from. */
  options: RequestOptions & TlsRequestOptions;
  tls: boolean;
  close(): Promise<void>;
}

async function startOurs(): Promise<RawTarget> {
  const s = await startApiServer({ port: 0, groveAdmission: false });
  const u = new URL(s.url);
  return {
    options: { host: u.hostname, port: u.port, headers: { authorization: `Bearer ${s.token}` } },
    tls: false,
    close: s.close,
  };
}

async function startKube(): Promise<RawTarget> {
  const cp = await startControlPlane();
  const kc = parse(readFileSync(cp.kubeconfigPath, "utf8")) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  const data = (v: string | undefined) => Buffer.from(v ?? "", "base64");
  const u = new URL(cp.url);
  return {
    options: {
      host: u.hostname,
      port: u.port,
      ca: data(kc.clusters[0]?.cluster["certificate-authority-data"]),
      cert: data(kc.users[0]?.user["client-certificate-data"]),
      key: data(kc.users[0]?.user["client-key-data"]),
      headers: {},
    },
    tls: true,
    close: cp.stop,
  };
}

const kubeRun =
  process.env.GROVE_TARGET === "kube" &&
  missingKubeBinaries().filter((p) => p !== "helm" && p !== "kube-scheduler").length === 0;

const cms = "/api/v1/namespaces/default/configmaps";

describe(`raw HTTP input: ${kubeRun ? "the real kube-apiserver" : "our API server"}`, () => {
  let t: RawTarget;
  beforeAll(async () => {
    t = kubeRun ? await startKube() : await startOurs();
  });
  afterAll(async () => {
    await t?.close();
  });

  const open = (method: string, path: string, headers: Record<string, string>) =>
    (t.tls ? httpsRequest : httpRequest)({
      ...t.options,
      method,
      path,
      headers: { ...(t.options.headers as Record<string, string>), ...headers },
    });

  function call(method: string, path: string, o: { body?: string; type?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (o.type ?? o.body) headers["content-type"] = o.type ?? "application/json";
    if (o.body !== undefined) headers["content-length"] = String(Buffer.byteLength(o.body));
    return new Promise((resolve, reject) => {
      const r = open(method, path, headers);
      r.on("response", (res) => {
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
          const w = res.headersDistinct.warning ?? [];
          resolve({ code: res.statusCode ?? 0, text, json, warnings: w });
        });
      });
      r.on("error", reject);
      r.end(o.body);
    });
  }

  it("answers a text/plain (or form) write with 415 and creates nothing", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const r = await call("POST", cms, { body: JSON.stringify({ metadata: { name: "plain" } }), type });
      expect(r.code).toBe(415);
      expect(r.json).toMatchObject({
        kind: "Status",
        reason: "UnsupportedMediaType",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
      });
    }
    expect((await call("GET", `${cms}/plain`)).code).toBe(404);
  });

  // The route table: a path no route serves is 404 before anything else is looked at (query, body,
  // the object); a path served for other methods is 405.
  const pods = "/api/v1/namespaces/default/pods";
  const notServed = [404, "NotFound", "the server could not find the requested resource"];
  const notAllowed = [
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
  ];
  it.each([
    ["GET", `${pods}/absent/binding`, notAllowed],
    ["PUT", `${pods}/absent/binding`, notAllowed],
    ["POST", `${pods}/absent/status`, notAllowed],
    ["DELETE", `${pods}/absent/status`, notAllowed],
    ["POST", `${cms}/absent`, notAllowed],
    ["PUT", cms, notAllowed],
    ["POST", "/api/v1/configmaps", notAllowed],
    ["DELETE", `${cms}/absent/status`, notServed],
    ["PUT", `${cms}/absent/status?dryRun=bad`, notServed],
    ["POST", `${cms}/absent/bogus`, notServed],
    ["DELETE", `${cms}/absent/bogus`, notServed],
    ["GET", `${cms}/absent/scale`, notServed],
    ["PATCH", `${cms}/absent/scale`, notServed],
  ])("answers %s %s as the route table does", async (method, path, want) => {
    const body =
      method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ metadata: { name: "absent" } });
    const type = method === "PATCH" ? "application/merge-patch+json" : undefined;
    const r = await call(method, path, { ...(body ? { body } : {}), ...(type ? { type } : {}) });
    expect([r.code, r.json.reason, r.json.message]).toEqual(want);
  });

  it.each([
    ["!!!", "illegal base64 data at input byte 0"],
    ["e30", "server does not recognize this encoded version "],
    ["MQ", "json: cannot unmarshal number into Go value of type storage.continueToken"],
  ])("answers the malformed continue token %s with 400", async (token, why) => {
    const r = await call("GET", `${cms}?limit=1&continue=${token}`);
    expect([r.code, r.json.reason, r.json.message]).toEqual([
      400,
      "BadRequest",
      `invalid continue token: continue key is not valid: ${why}`,
    ]);
  });

  it.each([
    [`${cms}?watch=1&timeoutSeconds=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    [`${cms}?watch=1&timeoutSeconds=1.5`, 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [`${cms}?limit=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    [`${cms}?limit=`, 'strconv.ParseInt: parsing "": invalid syntax'],
  ])("answers %s with 400 before any stream", async (path, message) => {
    const r = await call("GET", path);
    expect([r.code, r.json.kind, r.json.message]).toEqual([400, "Status", message]);
  });

  it("answers a watch with a bad label selector with 400, not an ERROR event in a 200", async () => {
    const r = await call("GET", `${cms}?watch=1&labelSelector=a%20b`);
    expect([r.code, r.json.kind, r.json.reason]).toEqual([400, "Status", "BadRequest"]);
  });

  it("keeps a watch with timeoutSeconds=99999999999 open: it sees a later write", async () => {
    const list = await call("GET", cms);
    const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
    const line = await new Promise<string>((resolve, reject) => {
      const r = open("GET", `${cms}?watch=1&resourceVersion=${rv}&timeoutSeconds=99999999999`, {});
      r.on("response", (res) => {
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          buf += c;
          const added = buf.split("\n").find((l) => l.includes('"after-watch"'));
          if (added) {
            resolve(added);
            r.destroy();
          }
        });
        res.on("end", () => reject(new Error(`the watch ended: ${buf}`)));
        void call("POST", cms, { body: JSON.stringify({ metadata: { name: "after-watch" } }) });
      });
      r.on("error", reject);
      r.end();
    });
    expect(JSON.parse(line)).toMatchObject({ type: "ADDED", object: { metadata: { name: "after-watch" } } });
  });

  it("keeps __proto__ as an ordinary key of a ConfigMap's data", async () => {
    const made = await call("POST", cms, { body: '{"metadata":{"name":"proto"},"data":{"__proto__":"v"}}' });
    expect(made.code).toBe(201);
    expect(made.text).toMatch(/"data":\s*\{\s*"__proto__":\s*"v"\s*\}/);
    const merged = await call("PATCH", `${cms}/proto`, {
      body: '{"data":{"__proto__":"x","b":"2"}}',
      type: "application/merge-patch+json",
    });
    expect(merged.code).toBe(200);
    expect(Object.keys(merged.json.data as object).sort()).toEqual(["__proto__", "b"]);
    expect(Object.getOwnPropertyDescriptor(merged.json.data, "__proto__")?.value).toBe("x");
  });

  it("answers a PATCH of another type on a built-in kind with kube's bare 415", async () => {
    await call("POST", cms, { body: JSON.stringify({ metadata: { name: "patched" } }) });
    const r = await call("PATCH", `${cms}/patched`, { body: "{}", type: "text/plain" });
    expect([r.code, r.json.reason, r.json.message]).toEqual([
      415,
      "UnsupportedMediaType",
      "415: Unsupported Media Type",
    ]);
  });

  it("deduplicates warnings and caps them at 4096 runes (2,000 unknown fields, fieldValidation=Warn)", async () => {
    expect(
      (
        await call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
          body: JSON.stringify(widgetCrd),
        })
      ).code,
    ).toBe(201);
    const widgets = "/apis/contract.grove.io/v1/namespaces/default/widgets";
    await eventually(async () => (await call("GET", widgets)).code === 200, "widgets served", 60_000);
    // Same-length names: the count does not depend on the order the fields are reported in.
    const spec: Record<string, unknown> = { replicas: 1 };
    for (let i = 0; i < 2000; i++) spec[`f${String(i).padStart(4, "0")}`] = i;
    const r = await call("POST", `${widgets}?fieldValidation=Warn`, {
      body: JSON.stringify({
        apiVersion: "contract.grove.io/v1",
        kind: "Widget",
        metadata: { name: "noisy" },
        spec,
      }),
    });
    expect(r.code).toBe(201);
    // Each text is 'unknown field "spec.fNNNN"' (26 runes): 157 fit in 4096; the 158th starts
    // truncation (nothing is over 256 runes), the 158 are written again and the rest dropped.
    expect(r.warnings).toHaveLength(158);
    expect(new Set(r.warnings).size).toBe(158);
    expect(r.warnings[0]).toMatch(/^299 - "unknown field \\"spec\.f\d{4}\\""$/);
  });

  it("serves a 100 KB URL (past Node's 16 KiB default header limit)", async () => {
    const r = await call("GET", `${cms}?limit=1&x=${"a".repeat(100_000)}`);
    expect(r.code).toBe(200);
  });
});
