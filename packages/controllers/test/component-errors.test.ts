// Which component failed is recorded: a component's sync failure without a code of its own (an API
// refusal) reaches status.lastErrors as ERR_SYNC_<KIND> (src/component.ts, Grove's GroveError of an
// operator's Sync), while coded errors keep their codes. The refusals are played by a client wrapper
// around the real in-process API server that refuses creates of one kind (harness.ts, refusing).
import { PodCliqueSetType, PodCliqueType, PodGangType } from "@grove-ts/api";
import { ReconcileError, RequeueAfterError, ServiceAccountType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { type Component, syncGroup } from "../src/component.js";
import type { PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import { createPcs, forbidden, harnessPerTest, NS, refusing, waitFor } from "./harness.js";

describe("status.lastErrors name the failed component", () => {
  const t = harnessPerTest();

  it.each([
    { refused: ServiceAccountType, code: "ERR_SYNC_SERVICEACCOUNT", kind: "ServiceAccount" },
    { refused: PodGangType, code: "ERR_SYNC_PODGANG", kind: "PodGang" },
  ])("a refused $kind create is $code", async ({ refused, code, kind }) => {
    const { h } = t;
    await t.start(refusing(h.client, refused));
    await createPcs(h.client, pcsOf("fail", [{ name: "w", replicas: 1 }]));
    const pcs = await waitFor(`${code} in lastErrors`, async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, "fail", NS);
      return p?.status?.lastErrors?.some((e) => e.code === code) && p;
    });
    const err = pcs.status?.lastErrors?.find((e) => e.code === code);
    expect(err?.description).toBe(`sync ${kind}: ${forbidden(kind).message}`);
    // A blocking component's failure holds back the groups after it (grove-behaviour.md §3.4).
    if (kind === "ServiceAccount")
      expect((await h.client.list(PodCliqueType, { namespace: NS })).items).toEqual([]);
  });
});

describe("syncGroup", () => {
  const failing = (kind: string, err: unknown): Component<PodCliqueSet> => ({
    kind,
    sync: async () => {
      throw err;
    },
  });
  const pcs = pcsOf("p", [{ name: "w", replicas: 1 }]) as unknown as PodCliqueSet;
  it.each([
    { name: "an API refusal is wrapped", err: forbidden("Role"), code: "ERR_SYNC_ROLE", wrapped: true },
    { name: "a plain error is wrapped", err: new Error("boom"), code: "ERR_SYNC_ROLE", wrapped: true },
    {
      name: "a coded error keeps its code",
      err: new ReconcileError("ERR_SECRET_CONFLICT", "x"),
      code: "ERR_SECRET_CONFLICT",
      wrapped: false,
    },
    {
      name: "a requeue stays a requeue",
      err: new RequeueAfterError("wait", 10),
      code: "ERR_REQUEUE_AFTER",
      wrapped: false,
    },
  ])("$name", async ({ err, code, wrapped }) => {
    const thrown = await syncGroup([failing("Role", err)], pcs).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code });
    if (wrapped)
      expect(thrown).toMatchObject({
        name: "ComponentSyncError",
        kind: "Role",
        operation: "Sync",
        cause: err,
      });
    else expect(thrown).toBe(err);
  });
  it("a non-blocking component's failure is soft, and named", async () => {
    const soft: unknown[] = [];
    await syncGroup([{ ...failing("Role", new Error("boom")), nonBlocking: true }], pcs, soft);
    expect(soft).toMatchObject([{ code: "ERR_SYNC_ROLE", message: "sync Role: boom" }]);
  });
});
