import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Cache,
  createLogger,
  IndexerConflictError,
  indexByOwnerUid,
  type KubeObject,
  keyOf,
  objectKey,
  parseLabelSelector,
  splitKey,
} from "../src/index.js";

const o = (
  name: string,
  namespace?: string,
  labels?: Record<string, string>,
  owners: string[] = [],
): KubeObject => ({
  metadata: {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    ownerReferences: owners.map((uid) => ({ apiVersion: "v1", kind: "X", name: uid, uid })),
  },
});

describe("keys", () => {
  it.each([
    [o("a", "ns"), "ns/a", { namespace: "ns", name: "a" }],
    [o("node-1"), "node-1", { namespace: "", name: "node-1" }],
  ])("objectKey(%o) = %s and splits back", (obj, key, parts) => {
    expect(objectKey(obj)).toBe(key);
    expect(keyOf(parts.name, parts.namespace)).toBe(key);
    expect(splitKey(key)).toEqual(parts);
  });

  it("objectKey needs a name", () => {
    expect(() => objectKey({ metadata: {} })).toThrow("metadata.name");
  });
});

describe("Cache", () => {
  it("lists by namespace and selector, and indexes by several values per object", () => {
    const c = new Cache({ owner: indexByOwnerUid });
    c.set(o("a", "n1", { app: "x" }, ["u1", "u2"]));
    c.set(o("b", "n1", { app: "y" }, ["u2"]));
    c.set(o("c", "n2", { app: "x" }));
    const names = (os: KubeObject[]) => os.map((x) => x.metadata.name).sort();
    expect(names(c.list())).toEqual(["a", "b", "c"]);
    expect(names(c.list("n1"))).toEqual(["a", "b"]);
    expect(names(c.list(undefined, parseLabelSelector("app=x")))).toEqual(["a", "c"]);
    expect(names(c.list("n1", parseLabelSelector("app=x")))).toEqual(["a"]);
    expect(names(c.byIndex("owner", "u2"))).toEqual(["a", "b"]);
    expect(c.byIndex("owner", "nobody")).toEqual([]);
  });

  it("set returns the replaced object and re-indexes; delete unindexes", () => {
    const c = new Cache({ owner: indexByOwnerUid });
    const first = o("a", "n", {}, ["u1"]);
    expect(c.set(first)).toBeUndefined();
    expect(c.set(o("a", "n", {}, ["u2"]))).toBe(first);
    expect(c.byIndex("owner", "u1")).toEqual([]);
    expect(c.byIndex("owner", "u2")).toHaveLength(1);
    expect(c.delete("n/a")?.metadata.name).toBe("a");
    expect(c.delete("n/a")).toBeUndefined();
    expect(c.byIndex("owner", "u2")).toEqual([]);
    expect(c.size).toBe(0);
  });

  it("an indexer added later indexes what is there; a duplicate name is refused", () => {
    const c = new Cache();
    c.set(o("a", "n", {}, ["u1"]));
    c.addIndexer("owner", indexByOwnerUid);
    expect(c.byIndex("owner", "u1")).toHaveLength(1);
    expect(() => c.addIndexer("owner", indexByOwnerUid)).toThrow(IndexerConflictError);
    expect(() => c.addIndexer("namespace", indexByOwnerUid)).toThrow(IndexerConflictError);
  });
});

describe("default logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes one JSON object per line to stderr, errors as message and code", () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const err = Object.assign(new Error("boom"), { code: "ERR_X" });
    createLogger({ level: "warn" }).with({ controller: "pcs" }).warn("failed", { key: "ns/a", error: err });
    createLogger({ level: "warn" }).info("dropped");
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] as string);
    expect(rec).toMatchObject({
      level: "warn",
      msg: "failed",
      controller: "pcs",
      key: "ns/a",
      error: { error: "boom", code: "ERR_X" },
    });
    expect(Number.isNaN(Date.parse(rec.time))).toBe(false);
  });
});
