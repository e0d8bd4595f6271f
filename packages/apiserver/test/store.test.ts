// The generic store on its own, below strategies and admission: one resourceVersion per commit,
// sorted paged lists, watches resumed from the history window (410 beyond it) and selector-aware
// transitions.
import type { Status } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { builtinDefs, type ResourceDef } from "../src/registry.js";
import { Store } from "../src/storage/store.js";
import type { EventType } from "../src/types.js";
import type { Obj } from "../src/util.js";

const cm = builtinDefs.find((d) => d.kind === "ConfigMap") as ResourceDef;
const obj = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", uid: name, labels },
});

function recorder() {
  const events: [EventType, string][] = [];
  let ended: Status | undefined | "open" = "open";
  return {
    events,
    ended: () => ended,
    sink: {
      event: (type: EventType, o: Obj) => events.push([type, String((o.metadata as Obj).name)]),
      end: (s?: Status) => {
        ended = s;
      },
    },
  };
}

describe("Store", () => {
  it("stamps one increasing resourceVersion per commit and lists sorted pages", () => {
    const s = new Store();
    const rvs = ["c", "a", "b"].map((n) => (s.commit(cm, "ADDED", obj(n)).metadata as Obj).resourceVersion);
    expect(rvs).toEqual(["1", "2", "3"]);
    const first = s.list(cm, { namespace: "ns", limit: 2 });
    expect(first.items.map((o) => (o.metadata as Obj).name)).toEqual(["a", "b"]);
    expect(first.remainingItemCount).toBe(1);
    const rest = s.list(cm, { namespace: "ns", limit: 2, continue: first.continue as string });
    expect(rest.items.map((o) => (o.metadata as Obj).name)).toEqual(["c"]);
    expect(rest.continue).toBeUndefined();
  });

  it("resumes a watch from the history window and answers 410 beyond it", () => {
    const s = new Store({ historySize: 2 });
    for (const n of ["a", "b", "c"]) s.commit(cm, "ADDED", obj(n));
    const resumed = recorder();
    s.watch(cm, { resourceVersion: "1" }, resumed.sink);
    expect(resumed.events).toEqual([
      ["ADDED", "b"],
      ["ADDED", "c"],
    ]);
    expect(resumed.ended()).toBe("open");
    // "0" is what exists now, whatever the window; a real version before the window is gone.
    const current = recorder();
    s.watch(cm, { resourceVersion: "0" }, current.sink);
    expect(current.events.map(([, n]) => n)).toEqual(["a", "b", "c"]);
    const s2 = new Store({ historySize: 1 });
    for (const n of ["a", "b", "c"]) s2.commit(cm, "ADDED", obj(n));
    const gone = recorder();
    s2.watch(cm, { resourceVersion: "1" }, gone.sink);
    expect(gone.events).toEqual([]);
    expect(gone.ended()).toMatchObject({
      code: 410,
      reason: "Expired",
      message: "too old resource version: 1 (2)",
    });
  });

  it("turns a label change into ADDED or DELETED for a selecting watch", () => {
    const s = new Store();
    const a = s.commit(cm, "ADDED", obj("a", { app: "x" }));
    const w = recorder();
    s.watch(cm, { resourceVersion: "now", labelSelector: "app=x" }, w.sink);
    const b = s.commit(cm, "MODIFIED", obj("a", { app: "y" }), a);
    s.commit(cm, "MODIFIED", obj("a", { app: "x" }), b);
    expect(w.events).toEqual([
      ["DELETED", "a"],
      ["ADDED", "a"],
    ]);
  });
});
