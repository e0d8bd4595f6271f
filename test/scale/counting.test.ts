// The scale suite's request tally by writer (test/src/scale/counting.ts): writes per pod of the
// controllers and of the gang scheduler, by "verb resource".
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import {
  countingClient,
  RequestLog,
  startCountingProxy,
  writerOfUserAgent,
  writesPerPod,
} from "../src/scale/counting.js";

describe("request tally by writer", () => {
  it("tells the operator's clients apart by User-Agent", () => {
    expect(writerOfUserAgent("grove-operator")).toBe("controllers");
    expect(writerOfUserAgent("grove-scheduler")).toBe("scheduler");
    expect(writerOfUserAgent("grove-operator-leader-election")).toBe("other");
    expect(writerOfUserAgent(undefined)).toBe("other");
  });

  it("counts each client's writes (not its reads) under its writer, per pod created", async () => {
    const log = new RequestLog();
    const inner = {
      create: async (_t: unknown, o: unknown) => o,
      bind: async () => undefined,
      get: async () => undefined,
    } as unknown as Client;
    const pods = { plural: "pods", kind: "Pod", namespaced: true } as never;
    const controllers = countingClient(inner, log, "controllers");
    const scheduler = countingClient(inner, log, "scheduler");
    for (const name of ["a", "b"]) {
      await controllers.create(pods, { metadata: { name, namespace: "default" } });
      await controllers.get(pods, name, "default");
      await scheduler.bind("default", name, "node-1");
    }
    await scheduler.create({ plural: "events", kind: "Event", namespaced: true } as never, {
      metadata: { name: "e", namespace: "default" },
    });
    const s = log.snapshot();
    expect(s.writesByWriter).toEqual({
      controllers: { "create pods": 2 },
      scheduler: { "bind pods": 2, "create events": 1 },
    });
    expect(s.writesPerPodByWriter).toEqual({ controllers: 1, scheduler: 1.5 });
    expect(writesPerPod({ scheduler: { "bind pods": 1 } }, 0)).toEqual({ scheduler: null });
    log.reset();
    expect(log.snapshot().writesByWriter).toEqual({});
  });
});

describe("counting proxy", () => {
  it("without a resourceVersion reader, tells a no-op patch by the resourceVersion of its own last write", async () => {
    // An upstream that answers each write with the next resourceVersion of a script.
    const answers = ["5", "5", "6", "6", "7"];
    const upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const rv = answers.shift() ?? "0";
        res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify({ metadata: { name: "a", namespace: "default", resourceVersion: rv } }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    const log = new RequestLog();
    const proxy = await startCountingProxy(
      `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      log,
      undefined,
    );
    try {
      const send = async (method: string, path: string) => {
        const res = await fetch(`${proxy.url}${path}`, {
          method,
          headers: { "content-type": "application/merge-patch+json", "user-agent": "grove-operator" },
          body: "{}",
        });
        await res.text();
      };
      const pcl = "/apis/grove.io/v1alpha1/namespaces/default/podcliques";
      await send("POST", pcl); // created at 5
      await send("PATCH", `${pcl}/a/status`); // 5 -> 5: a no-op
      await send("PATCH", `${pcl}/a/status`); // 5 -> 6
      await send("PATCH", `${pcl}/a`); // 6 -> 6: a no-op
      await send("PATCH", `${pcl}/a`); // 6 -> 7
      const s = log.snapshot();
      expect(s.writesByWriter.controllers).toEqual({
        "create podcliques": 1,
        "patchStatus podcliques": 2,
        "patch podcliques": 2,
      });
      expect(s.noopWrites).toEqual({ "patchStatus podcliques": 1, "patch podcliques": 1 });
    } finally {
      await proxy.close();
      upstream.close();
    }
  });
});
