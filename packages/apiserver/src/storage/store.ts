// The generic store under every resource (kube-apiserver's registry/generic Store over etcd): the
// objects of each kind by namespace/name, one global resourceVersion stamped on every commit, a
// bounded history of commits that watches resume from (older versions are 410 "too old resource
// version"), watch fan-out with selector-aware transitions, paged lists, and the write-ahead log of
// --data-dir. It knows no kind's rules: strategies, admission and GC sit above it.
import {
  type FieldSelector,
  parseFieldSelector,
  parseLabelSelector,
  type Selector,
  SelectorError,
} from "@grove-ts/runtime";
import { decodeContinue, encodeContinue } from "../continue.js";
import { fieldLabelConversion } from "../field-labels.js";
import { type LogRecord, Persistence } from "../persist.js";
import { apiVersionOf, type ResourceDef, storageKey } from "../registry.js";
import { badRequest, status as makeStatus } from "../status.js";
import type { EventType, ListOpts, ListResult, WatchOpts, WatchSink } from "../types.js";
import type { Obj } from "../util.js";

export interface StoreOptions {
  historySize?: number | undefined;
  compactAfter?: number | undefined;
  dataDir?: string | undefined;
}

/** What a commit did, as the layers above the store see it (after it is stored and fanned out). */
export type CommitListener = (def: ResourceDef, type: EventType, obj: Obj, prev: Obj | undefined) => void;

interface LogEntry {
  rv: number;
  key: string;
  type: EventType;
  obj: Obj;
  prev?: Obj;
}

interface Watcher {
  key: string;
  def: ResourceDef;
  ns?: string;
  labels: Selector;
  fields: FieldSelector;
  sink: WatchSink;
}

export const meta = (o: Obj): Obj => o.metadata as Obj;

/** `key|namespace|name`: one stored object's address, as the owner index holds it. */
export const entryKey = (key: string, ns: string, name: string): string => `${key}|${ns}|${name}`;

export const splitEntryKey = (ek: string): [string, string, string] =>
  ek.split("|") as [string, string, string];

/**
 * Runtime's selector parsers (the one copy), with the kind's field-label conversion; a bad selector
 * is a 400 worded as kube-apiserver's.
 */
function parseSelectors(
  def: ResourceDef,
  opts: { labelSelector?: string | undefined; fieldSelector?: string | undefined },
): { labels: Selector; fields: FieldSelector } {
  try {
    return {
      labels: parseLabelSelector(opts.labelSelector ?? ""),
      fields: parseFieldSelector(opts.fieldSelector ?? "", fieldLabelConversion(def)),
    };
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

/** The stored object as the given version serves it (custom resources convert with strategy None). */
export function present(def: ResourceDef, obj: Obj): Obj {
  const av = apiVersionOf(def);
  if (obj.apiVersion === av && obj.kind === def.kind) return obj;
  return { ...obj, apiVersion: av, kind: def.kind };
}

export class Store {
  private readonly objects = new Map<string, Map<string, Obj>>();
  /** Sorted keys per bucket, dropped whenever an object is added or removed (lists are sorted). */
  private readonly sortedKeys = new Map<string, string[]>();
  private rv = 0;
  private compactedRv = 0;
  /** The commits watches can resume from: `history[historyStart..]` (older slots are released). */
  private readonly history: (LogEntry | undefined)[] = [];
  private historyStart = 0;
  private readonly historySize: number;
  private readonly compactAfter: number;
  private readonly watchers = new Set<Watcher>();
  private readonly persistence: Persistence | undefined;
  /** Called after each commit is stored and delivered to watchers. */
  onCommit: CommitListener = () => {};

  constructor(options: StoreOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
    this.compactAfter = options.compactAfter ?? 50_000;
    if (options.dataDir) {
      this.persistence = new Persistence(options.dataDir);
      const loaded = this.persistence.load();
      for (const r of loaded.objects.values()) if (r.o) this.bucket(r.k).set(`${r.ns}/${r.n}`, r.o);
      this.rv = loaded.rv;
      this.compactedRv = loaded.rv;
    }
  }

  /** Ends every watch and closes the log. */
  close(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.sink.end();
    }
    this.persistence?.close();
  }

  /** Resolves once every commit so far is durable (with dataDir; at once in memory). */
  durable(): Promise<void> {
    return this.persistence ? this.persistence.sync() : Promise.resolve();
  }

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(key: string): Map<string, Obj> {
    let b = this.objects.get(key);
    if (!b) {
      b = new Map();
      this.objects.set(key, b);
    }
    return b;
  }

  /** The stored object (no copy: do not mutate). */
  stored(key: string, ns: string, name: string): Obj | undefined {
    return this.objects.get(key)?.get(`${ns}/${name}`);
  }

  /** Every stored object of one storage key (no copies). */
  all(key: string): Obj[] {
    return [...(this.objects.get(key)?.values() ?? [])];
  }

  /** Every storage key that holds objects, with its objects (no copies). */
  buckets(): [string, Obj[]][] {
    return [...this.objects].map(([k, b]) => [k, [...b.values()]]);
  }

  /** Stores one write under the next resourceVersion, logs it, and fans it out to watches. */
  commit(def: ResourceDef, type: EventType, obj: Obj, prev?: Obj): Obj {
    const key = storageKey(def);
    const ns = String(meta(obj).namespace ?? "");
    const name = String(meta(obj).name);
    this.rv += 1;
    const stamped: Obj = { ...obj, metadata: { ...meta(obj), resourceVersion: String(this.rv) } };
    this.persistence?.append(
      type === "DELETED"
        ? { rv: this.rv, k: key, ns, n: name }
        : { rv: this.rv, k: key, ns, n: name, o: stamped },
    );
    if (type !== "MODIFIED") this.sortedKeys.delete(key);
    if (type === "DELETED") this.objects.get(key)?.delete(`${ns}/${name}`);
    else this.bucket(key).set(`${ns}/${name}`, stamped);
    // After the store holds this write: the snapshot must include it before the log is emptied.
    this.maybeCompact();
    const entry: LogEntry = { rv: this.rv, key, type, obj: stamped };
    if (prev) entry.prev = prev;
    this.history.push(entry);
    if (this.history.length - this.historyStart > this.historySize) {
      // Drop the oldest by moving the start, and shift the array only once per historySize drops:
      // splicing one entry off the front per commit moved the whole history every time (issue 15).
      this.compactedRv = this.history[this.historyStart]?.rv ?? this.compactedRv;
      this.history[this.historyStart] = undefined;
      this.historyStart++;
      if (this.historyStart >= this.historySize) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const w of this.watchers) if (w.key === key) this.deliver(w, entry);
    this.onCommit(def, type, stamped, prev);
    return stamped;
  }

  /** Keeps the write-ahead log from growing without bound: compact once it outgrows the store. */
  private maybeCompact(): void {
    const p = this.persistence;
    if (!p || p.appended < this.compactAfter) return;
    let count = 0;
    for (const b of this.objects.values()) count += b.size;
    if (p.appended < 2 * count) return;
    const records: LogRecord[] = [];
    for (const [k, bucket] of this.objects)
      for (const [nsName, o] of bucket) {
        const i = nsName.indexOf("/");
        records.push({
          rv: Number(meta(o).resourceVersion),
          k,
          ns: nsName.slice(0, i),
          n: nsName.slice(i + 1),
          o,
        });
      }
    p.compact(this.rv, records);
  }

  list(def: ResourceDef, opts: ListOpts = {}): ListResult {
    const { labels, fields } = parseSelectors(def, opts);
    const ns = def.namespaced ? opts.namespace || undefined : undefined;
    let after: string | undefined;
    let rv = String(this.rv);
    if (opts.continue) ({ rv, after } = decodeContinue(opts.continue));
    const bucket = this.objects.get(storageKey(def));
    let keys = this.sortedKeys.get(storageKey(def));
    if (!keys) {
      keys = bucket ? [...bucket.keys()].sort() : [];
      this.sortedKeys.set(storageKey(def), keys);
    }
    const items: Obj[] = [];
    let remaining = 0;
    for (const k of keys) {
      if (after !== undefined && k <= after) continue;
      const o = bucket?.get(k) as Obj;
      if (ns !== undefined && meta(o).namespace !== ns) continue;
      if (!labels.matches(meta(o).labels as Record<string, string> | undefined) || !fields.matches(o))
        continue;
      if (opts.limit && opts.limit > 0 && items.length >= opts.limit) {
        remaining++;
        continue;
      }
      items.push(present(def, o));
    }
    const out: ListResult = { items, resourceVersion: rv };
    if (remaining > 0 && items.length > 0) {
      const last = items[items.length - 1] as Obj;
      out.continue = encodeContinue({ rv, after: `${meta(last).namespace ?? ""}/${meta(last).name}` });
      out.remainingItemCount = remaining;
    }
    return out;
  }

  watch(def: ResourceDef, opts: WatchOpts, sink: WatchSink): () => void {
    const w: Watcher = { key: storageKey(def), def, ...parseSelectors(def, opts), sink };
    if (def.namespaced && opts.namespace) w.ns = opts.namespace;
    const rvText = opts.resourceVersion;
    if (rvText === undefined || rvText === "" || rvText === "0") {
      const bucket = this.objects.get(w.key);
      for (const k of bucket ? [...bucket.keys()].sort() : []) {
        const o = bucket?.get(k) as Obj;
        if (this.matches(w, o)) sink.event("ADDED", present(def, o));
      }
    } else if (rvText !== "now") {
      const from = Number(rvText);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rvText}`);
      if (from < this.compactedRv) {
        sink.end(makeStatus(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`));
        return () => {};
      }
      for (let i = this.historyStart; i < this.history.length; i++) {
        const e = this.history[i] as LogEntry;
        if (e.rv > from && e.key === w.key) this.deliver(w, e);
      }
    }
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }

  private matches(w: Watcher, o: Obj | undefined): boolean {
    if (!o) return false;
    if (w.ns !== undefined && meta(o).namespace !== w.ns) return false;
    return w.labels.matches(meta(o).labels as Record<string, string> | undefined) && w.fields.matches(o);
  }

  /** Selector-aware transitions: entering a selection is ADDED, leaving it DELETED. */
  private deliver(w: Watcher, e: LogEntry): void {
    const now = this.matches(w, e.obj);
    if (e.type === "MODIFIED") {
      const before = this.matches(w, e.prev);
      if (now && before) w.sink.event("MODIFIED", present(w.def, e.obj));
      else if (now) w.sink.event("ADDED", present(w.def, e.obj));
      else if (before) w.sink.event("DELETED", present(w.def, e.obj));
      return;
    }
    if (now) w.sink.event(e.type, present(w.def, e.obj));
  }
}
