// The in-cluster registration path of grove-operator's webhooks on the real control plane: the
// configurations the chart installs (clientConfig.service, no caBundle) get the CA of the
// certificate the operator keeps in its Secret; two replicas starting at once agree on one
// certificate; a caBundle reset by `helm upgrade` is injected again; a deleted Secret brings a new
// CA, which follows into every configuration.
import { X509Certificate } from "node:crypto";
import {
  groveWebhookConfigurations,
  type RunningWebhooks,
  SecretType,
  startWebhooks,
  type WebhookConfiguration,
} from "@grove-ts/operator";
import type { KubeObject } from "@grove-ts/runtime";
import { type Simulator, startSimulator } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const NS = "grove-system";
type Config = KubeObject & { webhooks?: { clientConfig?: { caBundle?: string; service?: unknown } }[] };
type Secret = KubeObject & { data?: Record<string, string> };

let sim: Simulator;
const running: RunningWebhooks[] = [];
const configs: WebhookConfiguration[] = groveWebhookConfigurations({
  target: { service: { namespace: NS, name: "grove-operator", port: 443 } },
});

beforeAll(async () => {
  sim = await startSimulator({ controlPlane: "kube", webhooks: false, operator: "external", nodes: 1 });
  await sim.client.create({ apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false }, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NS },
  } as KubeObject);
  // As the chart installs them: the Service as target, no caBundle yet.
  for (const c of configs) await sim.client.create(c.type, c.object as unknown as KubeObject);
}, 180_000);

afterAll(async () => {
  for (const r of running) await r.stop();
  // The configurations name a Service nothing serves: remove them before the cluster goes.
  for (const c of configs) await sim?.client.delete(c.type, c.object.metadata.name).catch(() => undefined);
  await sim?.close();
});

const secretCa = async () => {
  const s = await sim.client.get<Secret>(SecretType, "grove-webhook-server-cert", NS);
  return s?.data?.["ca.crt"] ?? "";
};
const bundles = async () =>
  Promise.all(
    configs.map(
      async (c) =>
        (await sim.client.get<Config>(c.type, c.object.metadata.name))?.webhooks?.map(
          (w) => w.clientConfig?.caBundle ?? "",
        ) ?? [],
    ),
  );
const until = async (cond: () => Promise<boolean>, ms = 20_000) => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("webhook CA injection (certProvisionMode auto, chart-installed configurations)", () => {
  it("two replicas starting at once share one certificate and inject its CA into every configuration", async () => {
    const start = () =>
      startWebhooks(sim.client, { namespace: NS, port: 0, checkIntervalMs: 200 }).then((r) => {
        running.push(r);
        return r;
      });
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.caPem()).toBe(b.caPem());
    const ca = await secretCa();
    expect(Buffer.from(ca, "base64").toString()).toBe(a.caPem());
    expect(new X509Certificate(a.caPem()).subject).toContain("CN=Grove-CA");
    expect((await bundles()).flat()).toEqual(configs.map(() => ca));
    expect(a.ready() && b.ready()).toBe(true);
    // The Service target the chart wrote is kept: only the caBundle is the operator's.
    const live = await sim.client.get<Config>(configs[0]!.type, configs[0]!.object.metadata.name);
    expect(live?.webhooks?.[0]?.clientConfig?.service).toMatchObject({
      name: "grove-operator",
      namespace: NS,
    });
  });

  it("a caBundle reset (helm upgrade) is injected again", async () => {
    const ca = await secretCa();
    const first = configs[1]!;
    const live = await sim.client.get<Config>(first.type, first.object.metadata.name);
    await sim.client.update(first.type, {
      ...live,
      webhooks: live?.webhooks?.map((w) => ({
        ...w,
        clientConfig: { ...w.clientConfig, caBundle: undefined },
      })),
    } as Config);
    await until(async () => (await bundles())[1]?.[0] === ca);
  });

  it("a deleted Secret brings a new certificate and CA, which follows into every configuration", async () => {
    const before = await secretCa();
    await sim.client.delete(SecretType, "grove-webhook-server-cert", NS);
    await until(async () => {
      const ca = await secretCa();
      return ca !== "" && ca !== before && (await bundles()).flat().every((b) => b === ca);
    });
    const ca = Buffer.from(await secretCa(), "base64").toString();
    await until(async () => running.every((r) => r.caPem() === ca));
  });
});
