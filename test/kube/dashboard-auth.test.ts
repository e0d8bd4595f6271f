// The dashboard off loopback on the real control plane: grove-sim's kubeconfig there holds a client
// certificate, not a token, so the dashboard checks a request's bearer token with a TokenReview
// (what grove-operator does too). A ServiceAccount's token from the TokenRequest API is let in; no
// token or a made-up one is refused.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KubeObject, ServiceAccountType } from "@grove-ts/runtime";
import { type Dashboard, type Simulator, startSimDashboard, startSimulator } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { serviceAccountKubeconfig } from "../src/service-account.js";

let dir: string;
let sim: Simulator;
let dash: Dashboard;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "grove-dashboard-auth-"));
  sim = await startSimulator({
    controlPlane: "kube",
    nodes: 2,
    operator: "external",
    webhooks: false,
    kubeconfigPath: join(dir, "kubeconfig"),
  });
  dash = await startSimDashboard(sim, { host: "0.0.0.0", port: 0 });
}, 120_000);

afterAll(async () => {
  await dash?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("dashboard on the real control plane, bound off loopback", () => {
  it("lets in a token the API server authenticates (TokenReview), refuses none or a made-up one", async () => {
    await sim.client.create(ServiceAccountType, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "dashboard-viewer", namespace: "default" },
    } as KubeObject);
    const kc = parse(
      readFileSync(await serviceAccountKubeconfig(sim, "default", "dashboard-viewer"), "utf8"),
    ) as {
      users: { user: { token: string } }[];
    };
    const token = kc.users[0]?.user.token ?? "";
    expect(token).not.toBe("");
    const model = `${dash.url}api/model`;
    expect((await fetch(model)).status).toBe(401);
    expect((await fetch(model, { headers: { authorization: "Bearer made-up" } })).status).toBe(401);
    const ok = await fetch(model, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { totals: { gpus: number } }).totals.gpus).toBe(16);
  });
});
