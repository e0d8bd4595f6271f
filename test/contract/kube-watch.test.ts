// What only the HTTP client has: client-node's watch inactivity timeout, and recovering from it.
import { startApiServer } from "@grove-ts/apiserver";
import { createKubeClient, WatchTimeoutError } from "@grove-ts/kube";
import { ConfigMapType, SharedInformer } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfigMap, eventually } from "./targets.js";

describe("kube client watch inactivity", () => {
  let server: Awaited<ReturnType<typeof startApiServer>>;
  beforeAll(async () => {
    // No heartbeat within the test: the stream goes quiet.
    server = await startApiServer({ port: 0, groveAdmission: false, heartbeatMs: 600_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("a silent stream is aborted by client-node and done rejects with WatchTimeoutError", async () => {
    const client = createKubeClient({
      server: server.url,
      token: server.token,
      qps: -1,
      watchIdleTimeoutMs: 200,
    });
    const h = await client.watch(ConfigMapType, { namespace: "default" }, () => {});
    let outcome: unknown;
    await h.done.catch((e) => {
      outcome = e;
    });
    expect(outcome).toBeInstanceOf(WatchTimeoutError);
    expect((outcome as WatchTimeoutError).code).toBe("WatchTimeout");
  });

  it("the informer relists after each timeout and keeps up with the server", async () => {
    const client = createKubeClient({
      server: server.url,
      token: server.token,
      qps: -1,
      watchIdleTimeoutMs: 200,
    });
    const inf = new SharedInformer<ConfigMap>(client, ConfigMapType, {
      namespace: "default",
      initialBackoffMs: 20,
    });
    inf.start();
    try {
      await inf.waitForSync();
      await eventually(() => inf.lists >= 2, "relisted after a timeout");
      await server.client.create(ConfigMapType, { metadata: { name: "late", namespace: "default" } });
      await eventually(() => inf.cache.get("late", "default") !== undefined, "late object seen");
    } finally {
      await inf.stop();
    }
  });
});
