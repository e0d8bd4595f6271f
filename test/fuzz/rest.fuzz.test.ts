// Seeded fuzzing of the REST surface: random paths, verbs, query strings, content types, bodies and
// patches. The server must answer every request with a Status document (never a 5xx, never a
// dropped connection) and leave its store consistent: every object readable and schema-valid,
// resourceVersions unique and increasing. Bounded: FUZZ_N requests (default 700), seed FUZZ_SEED.
import { appendFileSync } from "node:fs";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const N = Number(process.env.FUZZ_N ?? 700);
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);

/** mulberry32: small, fast, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.fuzz.example.com" },
  spec: {
    group: "fuzz.example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
        },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "string", enum: ["s", "m", "l"] },
                  replicas: { type: "integer", minimum: 0, default: 1 },
                  tags: { type: "array", items: { type: "string" } },
                  opts: { type: "object", additionalProperties: { type: "string" } },
                },
              },
              status: { type: "object", properties: { replicas: { type: "integer" } } },
            },
          },
        },
      },
    ],
  },
};

let s: RunningApiServer;
beforeAll(async () => {
  s = await startApiServer({ historySize: 200 });
  const r = await fetch(`${s.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: JSON.stringify(crd),
  });
  expect(r.status).toBe(201);
});
afterAll(() => s?.close());

describe("REST fuzzing", () => {
  it(`survives ${N} random requests (seed ${SEED}) with a consistent store`, {
    timeout: 120_000,
  }, async () => {
    const rand = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const names = ["a", "b", "c", "x-1", "", "..", "%2e%2e", "UPPER", "a".repeat(300), "ü", "%00", "a%2Fb"];
    const resources = [
      "/api/v1/namespaces/{ns}/pods",
      "/api/v1/namespaces/{ns}/configmaps",
      "/api/v1/namespaces/{ns}/events",
      "/api/v1/namespaces",
      "/api/v1/nodes",
      "/apis/fuzz.example.com/v1/namespaces/{ns}/gadgets",
      "/apis/fuzz.example.com/v1/gadgets",
      "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      "/apis/nope/v1/things",
      "/api/v2/pods",
      "/openapi/v3/apis/fuzz.example.com/v1",
      "/apis",
      "/",
    ];
    const subs = ["", "", "", "/status", "/scale", "/binding", "/exec", "/a/b/c"];
    const queries = [
      "",
      "labelSelector=app%3Dx",
      "labelSelector=a+in+(",
      "fieldSelector=metadata.name%3Da",
      "fieldSelector=%3D%3D",
      "limit=2",
      "limit=-1",
      "continue=garbage",
      "dryRun=All",
      "dryRun=Some",
      "fieldValidation=Strict",
      "fieldValidation=Bogus",
      "propagationPolicy=Foreground",
      "propagationPolicy=Nope",
      "resourceVersion=abc",
      "watch=true&timeoutSeconds=0&resourceVersion=-5",
    ];
    const types = [
      "application/json",
      "application/yaml",
      "application/merge-patch+json",
      "application/json-patch+json",
      "application/strategic-merge-patch+json",
      "application/apply-patch+yaml",
      "application/vnd.kubernetes.protobuf",
      "text/plain",
      "",
    ];
    const randomValue = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.2)
        return pick([null, true, 0, -1, 1.5, "", "x", "s", "m", 1e308, "a".repeat(70)]);
      if (r < 0.5) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rand() * 4); i++)
        o[
          pick([
            "spec",
            "status",
            "metadata",
            "size",
            "replicas",
            "tags",
            "opts",
            "name",
            "labels",
            "finalizers",
            "$patch",
            "containers",
            "x",
          ])
        ] = randomValue(depth + 1);
      return o;
    };
    const objectBody = (path: string): unknown => {
      const name = pick(names.slice(0, 4));
      const meta: Record<string, unknown> = { name };
      if (rand() < 0.3) meta.labels = { app: pick(["x", "y", "bad value!"]) };
      if (rand() < 0.2) meta.finalizers = [pick(["a/b", "c/d"])];
      if (rand() < 0.2)
        meta.ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "a", uid: pick(["u1", "u2"]) }];
      if (rand() < 0.2) meta.resourceVersion = String(Math.floor(rand() * 50));
      if (path.includes("gadgets"))
        return {
          apiVersion: "fuzz.example.com/v1",
          kind: "Gadget",
          metadata: meta,
          spec:
            rand() < 0.7 ? { size: pick(["s", "m", "xl"]), replicas: pick([1, 2, -1, "3"]) } : randomValue(0),
          status: { replicas: 3 },
        };
      if (path.includes("pods"))
        return {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta,
          spec:
            rand() < 0.7
              ? { containers: [{ name: "c", image: pick(["nginx", "busybox"]) }] }
              : randomValue(0),
        };
      if (path.includes("configmaps"))
        return {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: meta,
          data: rand() < 0.7 ? { k: "v" } : randomValue(0),
        };
      return { metadata: meta, ...(randomValue(0) as object) };
    };
    const body = (path: string, type: string): string | undefined => {
      const r = rand();
      if (r < 0.05) return undefined;
      if (r < 0.1) return "{not json";
      if (r < 0.13) return "[".repeat(5000);
      if (r < 0.16) return "key: [unclosed\n  - : :";
      if (r < 0.19)
        return `k8s\u0000${Array.from({ length: 40 }, () => String.fromCharCode(Math.floor(rand() * 256))).join("")}`;
      if (type.includes("json-patch"))
        return JSON.stringify(
          Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
            op: pick(["add", "remove", "replace", "test", "move", "copy", "bogus"]),
            path: pick([
              "/spec/replicas",
              "/metadata/labels/x",
              "/metadata/name",
              "/spec",
              "/status/replicas",
              "/nope/deep",
              "",
              "/metadata/finalizers",
            ]),
            value: randomValue(1),
            from: "/spec",
          })),
        );
      if (r < 0.3) return JSON.stringify(randomValue(0));
      return JSON.stringify(objectBody(path));
    };

    let prevCreateRv = 0;
    const failures: string[] = [];
    const started = Date.now();
    for (let i = 0; i < N && Date.now() - started < 90_000; i++) {
      const method = pick([
        "GET",
        "GET",
        "POST",
        "POST",
        "PUT",
        "PATCH",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "PROPFIND",
      ]);
      const ns = pick(["default", "default", "kube-system", "ghost"]);
      const name = pick(names);
      let path = pick(resources).replace("{ns}", ns);
      if (rand() < 0.6 && path.startsWith("/api")) path += `/${name}${pick(subs)}`;
      const q = pick(queries);
      const type = pick(types);
      const b = method === "GET" || method === "HEAD" || method === "OPTIONS" ? undefined : body(path, type);
      const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
      if (type) headers["content-type"] = type;
      if (rand() < 0.2) headers.accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
      const label = `#${i} ${method} ${path}?${q} [${type}]`;
      if (process.env.FUZZ_LOG) appendFileSync(process.env.FUZZ_LOG, `${label} ${String(b).slice(0, 200)}\n`);
      let res: Response;
      try {
        res = await fetch(`${s.url}${path}${q ? `?${q}` : ""}`, {
          method,
          headers,
          body: b,
          signal: AbortSignal.timeout(5_000),
        });
      } catch (err) {
        failures.push(`${label}: request failed: ${String(err)}`);
        continue;
      }
      const text = await res.text();
      if (res.status >= 500) failures.push(`${label}: ${res.status} ${text.slice(0, 300)}`);
      if (res.status >= 400 && method !== "HEAD") {
        try {
          const st = JSON.parse(text) as { kind?: string; code?: number };
          if (st.kind !== "Status" || st.code !== res.status)
            failures.push(`${label}: error without a Status: ${text.slice(0, 200)}`);
        } catch {
          failures.push(`${label}: non-JSON error body: ${text.slice(0, 200)}`);
        }
      }
      if (method === "POST" && res.status === 201 && !q.includes("dryRun=All")) {
        const rv = Number(
          (JSON.parse(text) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion,
        );
        if (Number.isFinite(rv)) {
          if (!(rv > prevCreateRv))
            failures.push(`${label}: resourceVersion ${rv} not above ${prevCreateRv}`);
          prevCreateRv = rv;
        }
      }
    }
    if (failures.length > 0) console.error(failures.slice(0, 40).join("\n"));
    expect(failures).toEqual([]);

    // The store is consistent: every object of every served kind lists, reads back identically,
    // carries server-owned metadata, and (for the CRD kind) still satisfies its schema.
    const get = async (p: string) => {
      const r = await fetch(`${s.url}${p}`, { headers: { authorization: `Bearer ${s.token}` } });
      return { code: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const uids = new Set<string>();
    const rvs = new Set<string>();
    let objects = 0;
    for (const def of s.server.registry.all()) {
      const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
      const list = await get(`${prefix}/${def.plural}`);
      expect(list.code).toBe(200);
      const listRv = Number((list.json.metadata as { resourceVersion: string }).resourceVersion);
      for (const item of list.json.items as { metadata: Record<string, string> }[]) {
        objects++;
        const m = item.metadata;
        expect(m.name && m.uid && m.resourceVersion && m.creationTimestamp).toBeTruthy();
        expect(uids.has(m.uid as string)).toBe(false);
        uids.add(m.uid as string);
        expect(rvs.has(m.resourceVersion as string)).toBe(false);
        rvs.add(m.resourceVersion as string);
        expect(Number(m.resourceVersion)).toBeLessThanOrEqual(listRv);
        const nsPart = def.namespaced ? `/namespaces/${m.namespace}` : "";
        const one = await get(`${prefix}${nsPart}/${def.plural}/${encodeURIComponent(m.name as string)}`);
        expect(one.code).toBe(200);
        expect(one.json).toEqual(item);
        if (def.validator) expect(def.validator.validate(item)).toEqual([]);
      }
    }
    expect(objects).toBeGreaterThan(4);
    // And it still takes writes.
    const after = await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
      body: JSON.stringify({ metadata: { name: "after-fuzz" } }),
    });
    expect(after.status).toBe(201);
  });
});
