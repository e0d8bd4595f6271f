// pods/eviction (what `kubectl drain` posts), answered as kube-apiserver v1.37 answers (checked
// against it): 201 with a bare Success Status, kube's DisruptionTarget condition on the pod, the
// Eviction's deleteOptions honoured, and kube's 400 and 404 for a mismatched or missing pod.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApiServer, startApiServer } from "../src/index.js";

let s: RunningApiServer;
beforeAll(async () => {
  s = await startApiServer({});
});
afterAll(() => s.close());

async function req(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ code: number; json: Record<string, unknown> }> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { code: r.status, json: (await r.json()) as Record<string, unknown> };
}

const pods = "/api/v1/namespaces/default/pods";
const eviction = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "policy/v1",
  kind: "Eviction",
  metadata: { name, namespace: "default" },
  ...extra,
});

describe("pods/eviction", () => {
  it("is listed in discovery as kube lists it", async () => {
    const r = await req("GET", "/api/v1");
    const res = (r.json.resources as { name: string }[]).find((x) => x.name === "pods/eviction");
    expect(res).toEqual({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  });

  it("evicts: 201 Success, DisruptionTarget, graceful deletion with the Eviction's grace period", async () => {
    await req("POST", pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "x" }] },
    });
    const r = await req(
      "POST",
      `${pods}/p/eviction`,
      eviction("p", { deleteOptions: { gracePeriodSeconds: 5 } }),
    );
    expect(r.code).toBe(201);
    expect(r.json).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    const p = (await req("GET", `${pods}/p`)).json as {
      metadata: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
      status: { conditions: Record<string, unknown>[] };
    };
    expect(p.metadata.deletionTimestamp).toBeTruthy();
    expect(p.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(p.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "DisruptionTarget",
        status: "True",
        reason: "EvictionByEvictionAPI",
        message: "Eviction API: evicting",
      }),
    );
  });

  it("refuses a name mismatch (400) and a missing pod (404) as kube does", async () => {
    const mismatch = await req("POST", `${pods}/p/eviction`, eviction("other"));
    expect(mismatch.code).toBe(400);
    expect(mismatch.json.message).toBe("name in URL does not match name in Eviction object");
    const missing = await req("POST", `${pods}/nope/eviction`, eviction("nope"));
    expect(missing.code).toBe(404);
    expect(missing.json.message).toBe('pods "nope" not found');
  });
});
