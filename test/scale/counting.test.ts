// The scale suite's request tally by writer (test/src/scale/counting.ts): writes per pod of the
// controllers and of the gang scheduler, by "verb resource".
import type { Client } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { countingClient, RequestLog, writerOfUserAgent, writesPerPod } from "../src/scale/counting.js";

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
