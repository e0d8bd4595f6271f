// The API server's semantics, independent of HTTP: storage with one global resourceVersion, the
// write pipeline (strategy, schema pruning/defaulting, admission, validation), watch with a bounded
// history, garbage collection, namespaces and CRDs as data. The HTTP layer and the in-process
// Client both call this class, so they cannot disagree.
import { isDNS1123Label, isDNS1123Subdomain, isLabelKey, isValidLabelValue } from "@grove-ts/api";
import {
  ApiError,
  type FieldSelector,
  parseFieldSelector,
  parseLabelSelector,
  type Selector,
  SelectorError,
  type Status,
} from "@grove-ts/runtime";
import { decodeContinue, encodeContinue } from "./continue.js";
import { fieldLabelConversion } from "./field-labels.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type PatchKind } from "./patch.js";
import { type LogRecord, Persistence } from "./persist.js";
import { apiVersionOf, defsFromCrd, Registry, type ResourceDef, storageKey } from "./registry.js";
import { applyDefaults, prune } from "./schema.js";
import {
  alreadyExists,
  badRequest,
  type Cause,
  conflict,
  fail,
  invalid,
  status as makeStatus,
  notFound,
} from "./status.js";
import { clone, deepEqual, getPath, isObj, newUid, type Obj, setPath, timestamp } from "./util.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface WriteOpts {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager?: string;
  /** Filled with the warnings the write produced (sent as `Warning:` headers over HTTP). */
  warnings?: string[];
}

export type Propagation = "Background" | "Foreground" | "Orphan";

export interface DeleteOpts {
  propagationPolicy?: Propagation;
  /** Pods: how long the kubelet has to stop the containers (default the pod's terminationGracePeriodSeconds). */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOpts {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: Obj[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOpts {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** undefined or "0": synthetic ADDED for what exists, then live. "now": live only. Else after that version. */
  resourceVersion?: string;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchSink {
  event(type: EventType, obj: Obj): void;
  /** The watch ended: `status` is set for 410 Gone. */
  end(status?: Status): void;
}

export interface AdmissionRequest {
  operation: "CREATE" | "UPDATE";
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name: string;
  /** Mutating hooks may change it in place or return a replacement. */
  object: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  /** Reads any stored object (no copy: do not mutate). */
  lookup(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined;
}

export interface ValidationResult {
  errors?: Cause[];
  warnings?: string[];
}

export type MutatingHook = (req: AdmissionRequest) => Obj | undefined;
export type ValidatingHook = (req: AdmissionRequest) => ValidationResult | Cause[] | undefined;

/** Which writes a hook sees: a group, optionally narrowed to one kind. */
export interface HookMatch {
  group: string;
  kind?: string;
}

export interface ApiServerOptions {
  /** How many writes the watch history keeps; older versions get 410 Gone. */
  historySize?: number;
  /** With dataDir: compact the log into a snapshot once it holds this many records (and twice the objects). */
  compactAfter?: number;
  /** Persist every write here (fsync'd) and replay it at start. Default: memory only. */
  dataDir?: string;
  log?: (line: string) => void;
}

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

const meta = (o: Obj): Obj => o.metadata as Obj;
const entryKey = (key: string, ns: string, name: string): string => `${key}|${ns}|${name}`;
const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);
const nameChars = "bcdfghjklmnpqrstvwxz2456789";

export class ApiServer {
  readonly registry = new Registry();
  private readonly objects = new Map<string, Map<string, Obj>>();
  /** Sorted keys per bucket, dropped whenever an object is added or removed (lists are sorted). */
  private readonly sortedKeys = new Map<string, string[]>();
  private rv = 0;
  private compactedRv = 0;
  private readonly history: LogEntry[] = [];
  private readonly historySize: number;
  private readonly compactAfter: number;
  private readonly watchers = new Set<Watcher>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byUid = new Map<string, string>();
  private readonly mutating: [HookMatch, MutatingHook][] = [];
  private readonly validating: [HookMatch, ValidatingHook][] = [];
  private readonly persistence: Persistence | undefined;
  private gcQueue = new Set<string>();
  private gcTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(options: ApiServerOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
    this.compactAfter = options.compactAfter ?? 50_000;
    this.log = options.log ?? (() => {});
    if (options.dataDir) {
      this.persistence = new Persistence(options.dataDir);
      this.replay(this.persistence);
    }
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      if (!this.stored("/namespaces", "", ns))
        this.create(this.def("", "v1", "namespaces"), "", { metadata: { name: ns } }, {});
    }
  }

  private replay(p: Persistence): void {
    const loaded = p.load();
    const crds: Obj[] = [];
    for (const r of loaded.objects.values()) {
      if (!r.o) continue;
      this.bucket(r.k).set(`${r.ns}/${r.n}`, r.o);
      this.index(entryKey(r.k, r.ns, r.n), undefined, r.o);
      if (r.k === "apiextensions.k8s.io/customresourcedefinitions") crds.push(r.o);
    }
    for (const crd of crds) this.serveCrd(crd);
    this.rv = loaded.rv;
    this.compactedRv = loaded.rv;
  }

  close(): void {
    this.closed = true;
    if (this.gcTimer) clearImmediate(this.gcTimer);
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.sink.end();
    }
    this.persistence?.close();
  }

  /**
   * Resolves once every write so far is durable (with dataDir; at once in memory). The HTTP layer
   * and the in-process client await it before acknowledging a write.
   */
  durable(): Promise<void> {
    return this.persistence ? this.persistence.sync() : Promise.resolve();
  }

  /** The current global resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  // ---- registry --------------------------------------------------------------------------------

  def(group: string, version: string, plural: string): ResourceDef {
    const d = this.registry.lookup(group, version, plural);
    if (!d)
      throw fail(
        404,
        "NotFound",
        `the server could not find the requested resource (${plural}${group ? `.${group}` : ""})`,
      );
    return d;
  }

  defFor(type: { apiVersion: string; kind: string; plural: string }): ResourceDef {
    const [group, version] = type.apiVersion.includes("/")
      ? (type.apiVersion.split("/") as [string, string])
      : ["", type.apiVersion];
    return this.def(group, version, type.plural);
  }

  // ---- admission ------------------------------------------------------------------------------

  /** Registers a mutating hook; hooks run in registration order, before schema validation. */
  addMutatingHook(match: HookMatch, hook: MutatingHook): void {
    this.mutating.push([match, hook]);
  }

  /** Registers a validating hook; it runs after mutation, defaulting and schema validation. */
  addValidatingHook(match: HookMatch, hook: ValidatingHook): void {
    this.validating.push([match, hook]);
  }

  /** Reads a stored object by apiVersion/kind/name without copying (for admission hooks). */
  lookup(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined {
    const d = this.registry.byKind(apiVersion, kind);
    if (!d) return undefined;
    return this.stored(storageKey(d), d.namespaced ? (namespace ?? "") : "", name);
  }

  // ---- storage --------------------------------------------------------------------------------

  private bucket(key: string): Map<string, Obj> {
    let b = this.objects.get(key);
    if (!b) {
      b = new Map();
      this.objects.set(key, b);
    }
    return b;
  }

  private stored(key: string, ns: string, name: string): Obj | undefined {
    return this.objects.get(key)?.get(`${ns}/${name}`);
  }

  /** The stored object as the given version serves it (custom resources convert with strategy None). */
  private present(def: ResourceDef, obj: Obj): Obj {
    const av = apiVersionOf(def);
    if (obj.apiVersion === av && obj.kind === def.kind) return obj;
    return { ...obj, apiVersion: av, kind: def.kind };
  }

  private index(ek: string, prev: Obj | undefined, next: Obj | undefined): void {
    const refsOf = (o: Obj | undefined): string[] =>
      o && Array.isArray(meta(o).ownerReferences)
        ? (meta(o).ownerReferences as Obj[]).map((r) => String(r.uid))
        : [];
    for (const uid of refsOf(prev)) this.dependents.get(uid)?.delete(ek);
    for (const uid of refsOf(next)) {
      let set = this.dependents.get(uid);
      if (!set) {
        set = new Set();
        this.dependents.set(uid, set);
      }
      set.add(ek);
    }
    if (prev && !next) {
      this.byUid.delete(String(meta(prev).uid));
      if (this.dependents.get(String(meta(prev).uid))?.size === 0)
        this.dependents.delete(String(meta(prev).uid));
    }
    if (next) this.byUid.set(String(meta(next).uid), ek);
  }

  private commit(def: ResourceDef, type: EventType, obj: Obj, prev?: Obj): Obj {
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
    const ek = entryKey(key, ns, name);
    if (type !== "MODIFIED") this.sortedKeys.delete(key);
    if (type === "DELETED") {
      this.objects.get(key)?.delete(`${ns}/${name}`);
      this.index(ek, prev ?? obj, undefined);
    } else {
      this.bucket(key).set(`${ns}/${name}`, stamped);
      this.index(ek, prev, stamped);
    }
    // After the store holds this write: the snapshot must include it before the log is emptied.
    this.maybeCompact();
    const entry: LogEntry = { rv: this.rv, key, type, obj: stamped };
    if (prev) entry.prev = prev;
    this.history.push(entry);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRv = dropped[dropped.length - 1]?.rv ?? this.compactedRv;
    }
    for (const w of this.watchers) if (w.key === key) this.deliver(w, entry);
    if (key === "apiextensions.k8s.io/customresourcedefinitions") {
      if (type === "DELETED") this.registry.removeCrd(name);
      else this.serveCrd(stamped);
    }
    this.afterCommit(def, type, stamped, prev);
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

  private serveCrd(crd: Obj): void {
    const name = String(meta(crd).name);
    if (meta(crd).deletionTimestamp) return;
    this.registry.setCrd(name, defsFromCrd(crd));
  }

  // ---- reads ----------------------------------------------------------------------------------

  get(def: ResourceDef, namespace: string | undefined, name: string): Obj {
    const o = this.stored(storageKey(def), def.namespaced ? (namespace ?? "") : "", name);
    if (!o) throw notFound(def, name);
    return this.present(def, o);
  }

  tryGet(def: ResourceDef, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.stored(storageKey(def), def.namespaced ? (namespace ?? "") : "", name);
    return o ? this.present(def, o) : undefined;
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
    let cont: string | undefined;
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
      items.push(this.present(def, o));
    }
    const out: ListResult = { items, resourceVersion: rv };
    if (remaining > 0 && items.length > 0) {
      const last = items[items.length - 1] as Obj;
      cont = encodeContinue({ rv, after: `${meta(last).namespace ?? ""}/${meta(last).name}` });
      out.continue = cont;
      out.remainingItemCount = remaining;
    }
    return out;
  }

  // ---- watch ----------------------------------------------------------------------------------

  watch(def: ResourceDef, opts: WatchOpts, sink: WatchSink): () => void {
    const w: Watcher = {
      key: storageKey(def),
      def,
      ...parseSelectors(def, opts),
      sink,
    };
    if (def.namespaced && opts.namespace) w.ns = opts.namespace;
    const rvText = opts.resourceVersion;
    if (rvText === undefined || rvText === "" || rvText === "0") {
      const bucket = this.objects.get(w.key);
      for (const k of bucket ? [...bucket.keys()].sort() : []) {
        const o = bucket?.get(k) as Obj;
        if (this.matches(w, o)) sink.event("ADDED", this.present(def, o));
      }
    } else if (rvText !== "now") {
      const from = Number(rvText);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rvText}`);
      if (from < this.compactedRv) {
        sink.end(makeStatus(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`));
        return () => {};
      }
      for (const e of this.history) if (e.rv > from && e.key === w.key) this.deliver(w, e);
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
      if (now && before) w.sink.event("MODIFIED", this.present(w.def, e.obj));
      else if (now) w.sink.event("ADDED", this.present(w.def, e.obj));
      else if (before) w.sink.event("DELETED", this.present(w.def, e.obj));
      return;
    }
    if (now) w.sink.event(e.type, this.present(w.def, e.obj));
  }

  // ---- writes ---------------------------------------------------------------------------------

  private checkTypeMeta(def: ResourceDef, obj: Obj): void {
    const av = apiVersionOf(def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== av)
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${av})`,
      );
    if (obj.kind !== undefined && obj.kind !== def.kind)
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`,
      );
    obj.apiVersion = av;
    obj.kind = def.kind;
    if (obj.metadata === undefined) obj.metadata = {};
    if (!isObj(obj.metadata)) throw badRequest("metadata must be an object");
  }

  private checkNamespace(def: ResourceDef, namespace: string | undefined, obj: Obj): string {
    const m = meta(obj);
    if (!def.namespaced) {
      delete m.namespace;
      return "";
    }
    const ns = namespace || (typeof m.namespace === "string" ? m.namespace : "");
    if (!ns) throw badRequest("the server could not find the requested resource: a namespace is required");
    if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns)
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    m.namespace = ns;
    return ns;
  }

  private requireNamespace(ns: string): void {
    const nsObj = this.stored("/namespaces", "", ns);
    if (!nsObj) throw notFound({ group: "", plural: "namespaces" }, ns);
    if (meta(nsObj).deletionTimestamp)
      throw fail(
        403,
        "Forbidden",
        `unable to create new content in namespace ${ns} because it is being terminated`,
        {
          name: ns,
          kind: "namespaces",
        },
      );
  }

  create(def: ResourceDef, namespace: string | undefined, body: unknown, opts: WriteOpts = {}): Obj {
    if (!isObj(body)) throw badRequest("the body of the request must be a JSON object");
    const obj = clone(body);
    this.checkTypeMeta(def, obj);
    const ns = this.checkNamespace(def, namespace, obj);
    if (ns && !(def.plural === "namespaces" && def.group === "")) this.requireNamespace(ns);
    const m = meta(obj);
    if (
      (m.name === undefined || m.name === "") &&
      typeof m.generateName === "string" &&
      m.generateName !== ""
    ) {
      let suffix = "";
      for (let i = 0; i < 5; i++) suffix += nameChars[Math.floor(Math.random() * nameChars.length)];
      m.name = `${m.generateName}${suffix}`;
    }
    for (const f of [
      "uid",
      "resourceVersion",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
      "managedFields",
      "selfLink",
    ])
      delete m[f];
    m.creationTimestamp = timestamp();
    this.prepareForCreate(def, obj);
    this.admit(def, "CREATE", obj, undefined, opts, ns);
    // Admission may have replaced metadata wholesale: read it again.
    const am = meta(obj);
    const name = String(am.name);
    am.uid = newUid();
    am.creationTimestamp = m.creationTimestamp;
    if (def.generation) am.generation = 1;
    if (this.stored(storageKey(def), ns, name)) throw alreadyExists(def, name);
    this.finishStrategy(def, obj, undefined);
    if (opts.dryRun) return obj;
    return this.present(def, this.commit(def, "ADDED", obj));
  }

  update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOpts = {},
    subresource?: "status",
  ): Obj {
    if (!isObj(body)) throw badRequest("the body of the request must be a JSON object");
    const ns = def.namespaced ? (namespace ?? "") : "";
    const old = this.stored(storageKey(def), ns, name);
    if (!old) throw notFound(def, name);
    const obj = clone(body);
    this.checkTypeMeta(def, obj);
    const m = meta(obj);
    if (m.name !== undefined && m.name !== name)
      throw badRequest(
        `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
      );
    if (def.namespaced && m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns)
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    const om = meta(old);
    if (
      m.resourceVersion !== undefined &&
      m.resourceVersion !== "" &&
      m.resourceVersion !== om.resourceVersion
    )
      throw conflict(def, name);
    if (m.uid !== undefined && m.uid !== "" && m.uid !== om.uid)
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${String(m.uid)}, UID in object meta: ${String(om.uid)}`,
      );
    let next: Obj;
    if (subresource === "status") {
      next = clone(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      next.apiVersion = obj.apiVersion;
    } else {
      next = obj;
      if (def.status) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
    }
    const nm = meta(next);
    nm.name = name;
    if (def.namespaced) nm.namespace = ns;
    else delete nm.namespace;
    for (const f of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ]) {
      if (om[f] === undefined) delete nm[f];
      else nm[f] = om[f];
    }
    nm.resourceVersion = om.resourceVersion;
    if (om.deletionTimestamp) {
      const before = new Set(Array.isArray(om.finalizers) ? om.finalizers : []);
      const added = (Array.isArray(nm.finalizers) ? nm.finalizers : []).filter((f) => !before.has(f));
      if (added.length > 0)
        throw invalid(def.kind, def.group, name, [
          {
            field: "metadata.finalizers",
            type: "FieldValueForbidden",
            message: "no new finalizers can be added if the object is being deleted",
          },
        ]);
    }
    if (subresource !== "status") this.validateUpdateStrategy(def, next, old);
    this.admit(def, "UPDATE", next, this.present(def, old), opts, ns, subresource);
    // Admission may have replaced metadata wholesale: restore what callers cannot change.
    const am = meta(next);
    for (const f of [
      "name",
      "namespace",
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
      "resourceVersion",
    ]) {
      if (nm[f] === undefined) delete am[f];
      else am[f] = nm[f];
    }
    if (def.generation && this.specChanged(def, old, next)) am.generation = Number(om.generation ?? 0) + 1;
    this.finishStrategy(def, next, old);
    if (deepEqual(next, this.present(def, old))) return this.present(def, old);
    if (opts.dryRun) return next;
    const stored = this.commit(def, "MODIFIED", next, old);
    if (
      am.deletionTimestamp &&
      !(Array.isArray(am.finalizers) && am.finalizers.length > 0) &&
      !this.isNamespace(def)
    ) {
      return this.present(def, this.commit(def, "DELETED", stored, stored));
    }
    return this.present(def, stored);
  }

  /** Applies a patch and runs the result through update (or create, for apply on a missing object). */
  patch(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    opts: WriteOpts = {},
    subresource?: "status",
  ): { object: Obj; created: boolean } {
    if (kind === "strategic" && !def.builtin)
      throw fail(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    const ns = def.namespaced ? (namespace ?? "") : "";
    const old = this.stored(storageKey(def), ns, name);
    if (!old) {
      if (kind === "apply" && !subresource) {
        if (!isObj(body)) throw badRequest("apply patch must be an object");
        const obj = clone(body);
        if (!isObj(obj.metadata)) obj.metadata = {};
        const m = meta(obj);
        if (m.name !== undefined && m.name !== name)
          throw badRequest(
            `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
          );
        m.name = name;
        return { object: this.create(def, ns, obj, opts), created: true };
      }
      throw notFound(def, name);
    }
    const patched = this.applyPatch(def, kind, this.present(def, old), body);
    if (!isObj(patched)) throw fail(422, "Invalid", "the patched object is not a JSON object");
    return { object: this.update(def, ns, name, patched, opts, subresource), created: false };
  }

  private applyPatch(def: ResourceDef, kind: PatchKind, current: Obj, body: unknown): unknown {
    switch (kind) {
      case "json":
        return applyJsonPatch(current, body);
      case "merge":
        if (!isObj(body)) throw badRequest("merge patch must be a JSON object");
        return applyMergePatch(current, body);
      case "strategic":
        return applyStrategicMergePatch(current, body);
      case "apply":
        if (!isObj(body)) throw badRequest("apply patch must be an object");
        if (body.apiVersion === undefined || body.kind === undefined)
          throw badRequest("apiVersion and kind must be set in an apply patch");
        return def.builtin ? applyStrategicMergePatch(current, body) : applyMergePatch(current, body);
    }
  }

  // ---- scale ----------------------------------------------------------------------------------

  getScale(def: ResourceDef, namespace: string | undefined, name: string): Obj {
    const paths = def.scale;
    if (!paths)
      throw fail(404, "NotFound", `the server could not find the requested resource (${def.plural}/scale)`);
    const o = this.get(def, namespace, name);
    const m = meta(o);
    const spec = getPath(o, paths.specReplicasPath);
    const st = getPath(o, paths.statusReplicasPath);
    const status: Obj = { replicas: typeof st === "number" ? st : 0 };
    if (paths.labelSelectorPath) {
      const sel = getPath(o, paths.labelSelectorPath);
      if (typeof sel === "string") status.selector = sel;
    }
    const sm: Obj = {
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    };
    if (m.namespace) sm.namespace = m.namespace;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: sm,
      spec: typeof spec === "number" ? { replicas: spec } : {},
      status,
    };
  }

  updateScale(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOpts = {},
  ): Obj {
    if (!def.scale)
      throw fail(404, "NotFound", `the server could not find the requested resource (${def.plural}/scale)`);
    if (!isObj(body)) throw badRequest("the body of the request must be a Scale object");
    const current = this.get(def, namespace, name);
    const bm = isObj(body.metadata) ? body.metadata : {};
    if (bm.resourceVersion && bm.resourceVersion !== meta(current).resourceVersion) throw conflict(def, name);
    const replicas = isObj(body.spec) ? body.spec.replicas : undefined;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
      throw invalid("Scale", "autoscaling", name, [
        {
          field: "spec.replicas",
          type: "FieldValueInvalid",
          value: replicas,
          message: "must be greater than or equal to 0",
        },
      ]);
    const next = clone(current);
    setPath(next, def.scale.specReplicasPath, replicas);
    this.update(def, namespace, name, next, opts);
    const s = this.getScale(def, namespace, name);
    // A dry run stored nothing: answer with the replicas it would have set.
    if (opts.dryRun) (s.spec as Obj).replicas = replicas;
    return s;
  }

  patchScale(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    opts: WriteOpts = {},
  ): Obj {
    const scale = this.getScale(def, namespace, name);
    const patched =
      kind === "json"
        ? applyJsonPatch(scale, body)
        : kind === "strategic"
          ? applyStrategicMergePatch(scale, body)
          : applyMergePatch(scale, body);
    return this.updateScale(def, namespace, name, patched, opts);
  }

  // ---- pods/binding -----------------------------------------------------------------------------

  bind(namespace: string, podName: string, body: unknown, opts: WriteOpts = {}): void {
    const def = this.def("", "v1", "pods");
    if (
      !isObj(body) ||
      !isObj(body.target) ||
      typeof body.target.name !== "string" ||
      body.target.name === ""
    )
      throw invalid("Binding", "", podName, [
        { field: "target.name", type: "FieldValueRequired", message: "" },
      ]);
    const target = body.target.name;
    const pod = this.stored("/pods", namespace, podName);
    if (!pod) throw notFound(def, podName);
    const bm = isObj(body.metadata) ? body.metadata : {};
    if (bm.uid && bm.uid !== meta(pod).uid)
      throw conflict(
        def,
        podName,
        `Precondition failed: UID in precondition: ${String(bm.uid)}, UID in object meta: ${String(meta(pod).uid)}`,
      );
    const spec = isObj(pod.spec) ? pod.spec : {};
    if (meta(pod).deletionTimestamp)
      throw conflict(def, podName, "pod is being deleted, cannot be assigned to a host");
    if (spec.nodeName)
      throw conflict(def, podName, `pod ${podName} is already assigned to node "${String(spec.nodeName)}"`);
    if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0)
      throw conflict(def, podName, `pod ${podName} has non-empty .spec.schedulingGates`);
    const next = clone(pod);
    (next.spec as Obj).nodeName = target;
    const st: Obj = isObj(next.status) ? next.status : {};
    const conds = (Array.isArray(st.conditions) ? st.conditions : []).filter(
      (c) => !(isObj(c) && c.type === "PodScheduled"),
    );
    conds.push({
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: timestamp(),
    });
    st.conditions = conds;
    next.status = st;
    if (opts.dryRun) return;
    this.commit(def, "MODIFIED", next, pod);
  }

  // ---- delete and garbage collection -------------------------------------------------------------

  delete(def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Obj {
    const ns = def.namespaced ? (namespace ?? "") : "";
    const old = this.stored(storageKey(def), ns, name);
    if (!old) throw notFound(def, name);
    const om = meta(old);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== om.uid)
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(om.uid)}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== om.resourceVersion)
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(om.resourceVersion)}`,
      );
    if (this.isNamespace(def) && protectedNamespaces.has(name))
      throw fail(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: "namespaces",
      });
    const policy = opts.propagationPolicy ?? "Background";
    if (!["Background", "Foreground", "Orphan"].includes(policy))
      throw invalid("DeleteOptions", "", "", [
        {
          field: "propagationPolicy",
          type: "FieldValueNotSupported",
          value: policy,
          message: 'supported values: "Foreground", "Background", "Orphan", "nil"',
        },
      ]);
    if (opts.dryRun) return this.present(def, old);
    if (policy === "Orphan") this.orphanDependents(String(om.uid));
    if (this.isNamespace(def)) {
      if (om.deletionTimestamp) return this.present(def, old);
      const next = clone(old);
      meta(next).deletionTimestamp = timestamp();
      meta(next).deletionGracePeriodSeconds = 0;
      next.spec = { finalizers: ["kubernetes"] };
      next.status = { phase: "Terminating" };
      const stored = this.commit(def, "MODIFIED", next, old);
      this.enqueue(`ns:${name}`);
      return this.present(def, stored);
    }
    const finalizers = Array.isArray(om.finalizers) ? [...(om.finalizers as string[])] : [];
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
      finalizers.push("foregroundDeletion");
    // Graceful deletion, as kube-apiserver does it for pods: a pod that runs on a node is only
    // marked (deletionTimestamp = now + grace) and its kubelet deletes it for good once the
    // containers stopped; a shorter grace period moves the deadline forward, a longer one does not.
    const grace = storageKey(def) === "/pods" ? podGracePeriod(old, opts.gracePeriodSeconds) : 0;
    if (grace > 0) {
      const prev = om.deletionGracePeriodSeconds;
      if (
        om.deletionTimestamp &&
        typeof prev === "number" &&
        prev <= grace &&
        deepEqual(finalizers, om.finalizers ?? [])
      )
        return this.present(def, old);
      const next = clone(old);
      const nm = meta(next);
      nm.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
      nm.deletionGracePeriodSeconds = grace;
      if (finalizers.length > 0) nm.finalizers = finalizers;
      if (def.generation) nm.generation = Number(om.generation ?? 0) + 1;
      const stored = this.commit(def, "MODIFIED", next, old);
      if (policy === "Foreground") this.enqueue(`fg:${String(om.uid)}`);
      return this.present(def, stored);
    }
    if (finalizers.length > 0) {
      if (om.deletionTimestamp && deepEqual(finalizers, om.finalizers)) return this.present(def, old);
      const next = clone(old);
      const nm = meta(next);
      nm.deletionTimestamp ??= timestamp();
      nm.deletionGracePeriodSeconds = 0;
      nm.finalizers = finalizers;
      if (def.generation) nm.generation = Number(om.generation ?? 0) + 1;
      const stored = this.commit(def, "MODIFIED", next, old);
      if (policy === "Foreground") this.enqueue(`fg:${String(om.uid)}`);
      return this.present(def, stored);
    }
    return this.present(def, this.commit(def, "DELETED", old, old));
  }

  deleteCollection(def: ResourceDef, list: ListOpts, opts: DeleteOpts = {}): ListResult {
    const found = this.list(def, { ...list, limit: 0, continue: undefined });
    const items: Obj[] = [];
    for (const o of found.items) {
      try {
        items.push(this.delete(def, String(meta(o).namespace ?? ""), String(meta(o).name), opts));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return { items, resourceVersion: String(this.rv) };
  }

  private isNamespace(def: ResourceDef): boolean {
    return def.group === "" && def.plural === "namespaces";
  }

  private orphanDependents(uid: string): void {
    for (const ek of [...(this.dependents.get(uid) ?? [])]) {
      const [key, ns, name] = ek.split("|") as [string, string, string];
      const dep = this.stored(key, ns, name);
      const d = this.defByKey(key);
      if (!dep || !d) continue;
      const next = clone(dep);
      const refs = (meta(next).ownerReferences as Obj[]).filter((r) => r.uid !== uid);
      if (refs.length > 0) meta(next).ownerReferences = refs;
      else delete meta(next).ownerReferences;
      this.commit(d, "MODIFIED", next, dep);
    }
  }

  private defByKey(key: string): ResourceDef | undefined {
    const i = key.indexOf("/");
    return this.registry.storageDef(key.slice(0, i), key.slice(i + 1));
  }

  private afterCommit(def: ResourceDef, type: EventType, obj: Obj, prev: Obj | undefined): void {
    const m = meta(obj);
    const refs = Array.isArray(m.ownerReferences) ? (m.ownerReferences as Obj[]) : [];
    const ek = entryKey(storageKey(def), String(m.namespace ?? ""), String(m.name));
    if (type === "DELETED") {
      const uid = String(m.uid);
      for (const dep of this.dependents.get(uid) ?? []) this.enqueue(`dep:${dep}`);
      for (const r of refs) this.enqueue(`fg:${String(r.uid)}`);
      if (m.namespace) {
        const nsObj = this.stored("/namespaces", "", String(m.namespace));
        if (nsObj && meta(nsObj).deletionTimestamp) this.enqueue(`ns:${String(m.namespace)}`);
      }
      if (def.group === "apiextensions.k8s.io" && def.plural === "customresourcedefinitions")
        this.dropCustomResources(obj);
      return;
    }
    if (refs.length > 0 && !deepEqual(refs, prev ? meta(prev).ownerReferences : undefined))
      this.enqueue(`dep:${ek}`);
  }

  private dropCustomResources(crd: Obj): void {
    const spec = isObj(crd.spec) ? crd.spec : {};
    const names = isObj(spec.names) ? spec.names : {};
    const key = `${String(spec.group)}/${String(names.plural)}`;
    const bucket = this.objects.get(key);
    if (!bucket) return;
    const stub: ResourceDef = {
      ...(this.registry.all()[0] as ResourceDef),
      group: String(spec.group),
      plural: String(names.plural),
    };
    for (const o of [...bucket.values()]) this.commit(stub, "DELETED", o, o);
  }

  private enqueue(item: string): void {
    if (this.closed) return;
    this.gcQueue.add(item);
    this.gcTimer ??= setImmediate(() => this.runGc());
  }

  /** Resolves once garbage collection and namespace cleanup have nothing left to do. */
  async settle(): Promise<void> {
    while (this.gcTimer !== undefined || this.gcQueue.size > 0) await new Promise((r) => setImmediate(r));
  }

  private runGc(): void {
    this.gcTimer = undefined;
    for (let round = 0; round < 100 && this.gcQueue.size > 0; round++) {
      const items = [...this.gcQueue];
      this.gcQueue.clear();
      for (const item of items) {
        try {
          if (item.startsWith("dep:")) this.collectDependent(item.slice(4));
          else if (item.startsWith("fg:")) this.foreground(item.slice(3));
          else if (item.startsWith("ns:")) this.cleanNamespace(item.slice(3));
        } catch (err) {
          this.log(
            JSON.stringify({
              level: "error",
              msg: "garbage collection step failed",
              item,
              error: String(err),
            }),
          );
        }
      }
    }
    if (this.gcQueue.size > 0) this.gcTimer ??= setImmediate(() => this.runGc());
  }

  private liveOwner(uid: string): Obj | undefined {
    const ek = this.byUid.get(uid);
    if (!ek) return undefined;
    const [key, ns, name] = ek.split("|") as [string, string, string];
    return this.stored(key, ns, name);
  }

  /** A dependent whose owners are all gone is deleted; dangling references beside live owners are dropped. */
  private collectDependent(ek: string): void {
    const [key, ns, name] = ek.split("|") as [string, string, string];
    const dep = this.stored(key, ns, name);
    const d = this.defByKey(key);
    if (!dep || !d) return;
    const refs = Array.isArray(meta(dep).ownerReferences) ? (meta(dep).ownerReferences as Obj[]) : [];
    if (refs.length === 0) return;
    // An owner of a kind this server does not serve cannot be looked up; like the real collector
    // (which cannot map it), leave such a dependent alone rather than treat its owner as gone.
    const unresolvable = refs.filter((r) => !this.registry.byKind(String(r.apiVersion), String(r.kind)));
    if (unresolvable.length > 0) return;
    const live = refs.filter((r) => this.liveOwner(String(r.uid)) !== undefined);
    if (live.length === 0) {
      if (!meta(dep).deletionTimestamp) this.delete(d, ns, name, { propagationPolicy: "Background" });
      return;
    }
    const owners = live.map((r) => this.liveOwner(String(r.uid)) as Obj);
    const allForeground = owners.every((o) =>
      (meta(o).finalizers as string[] | undefined)?.includes("foregroundDeletion"),
    );
    if (allForeground && !meta(dep).deletionTimestamp) {
      this.delete(d, ns, name, { propagationPolicy: "Foreground" });
      return;
    }
    if (live.length < refs.length) {
      const next = clone(dep);
      meta(next).ownerReferences = live;
      this.commit(d, "MODIFIED", next, dep);
    }
  }

  /** Foreground deletion: delete dependents, and drop the owner's finalizer once no blocking dependent remains. */
  private foreground(uid: string): void {
    const owner = this.liveOwner(uid);
    if (!owner) return;
    const om = meta(owner);
    const fins = Array.isArray(om.finalizers) ? (om.finalizers as string[]) : [];
    if (!om.deletionTimestamp || !fins.includes("foregroundDeletion")) return;
    let blocking = 0;
    for (const ek of [...(this.dependents.get(uid) ?? [])]) {
      const [key, ns, name] = ek.split("|") as [string, string, string];
      const dep = this.stored(key, ns, name);
      const d = this.defByKey(key);
      if (!dep || !d) continue;
      if (!meta(dep).deletionTimestamp) this.delete(d, ns, name, { propagationPolicy: "Foreground" });
      const still = this.stored(key, ns, name);
      const ref = still && (meta(still).ownerReferences as Obj[] | undefined)?.find((r) => r.uid === uid);
      if (ref && ref.blockOwnerDeletion === true) blocking++;
    }
    if (blocking > 0) return;
    const current = this.liveOwner(uid);
    if (!current) return;
    const ek = this.byUid.get(uid) as string;
    const d = this.defByKey(ek.split("|")[0] as string);
    if (!d) return;
    const next = clone(current);
    const rest = fins.filter((f) => f !== "foregroundDeletion");
    if (rest.length > 0) {
      meta(next).finalizers = rest;
      this.commit(d, "MODIFIED", next, current);
    } else {
      delete meta(next).finalizers;
      const stored = this.commit(d, "MODIFIED", next, current);
      this.commit(d, "DELETED", stored, stored);
    }
  }

  private cleanNamespace(ns: string): void {
    const nsObj = this.stored("/namespaces", "", ns);
    if (!nsObj || !meta(nsObj).deletionTimestamp) return;
    let remaining = 0;
    for (const [key, bucket] of this.objects) {
      if (key === "/namespaces") continue;
      const d = this.defByKey(key);
      for (const o of [...bucket.values()]) {
        if (meta(o).namespace !== ns) continue;
        remaining++;
        if (!meta(o).deletionTimestamp && d)
          this.delete(d, ns, String(meta(o).name), { propagationPolicy: "Background" });
      }
    }
    if (remaining > 0) {
      // Deleted objects re-enqueue this namespace; only finalizer holders keep it alive.
      let left = 0;
      for (const [key, bucket] of this.objects)
        if (key !== "/namespaces") for (const o of bucket.values()) if (meta(o).namespace === ns) left++;
      if (left > 0) return;
    }
    const current = this.stored("/namespaces", "", ns) as Obj;
    this.commit(this.def("", "v1", "namespaces"), "DELETED", current, current);
  }

  // ---- strategy: kind-specific rules ---------------------------------------------------------------

  private prepareForCreate(def: ResourceDef, obj: Obj): void {
    const key = storageKey(def);
    if (key === "/pods") {
      const st: Obj = { phase: "Pending" };
      obj.status = st;
      if (isObj(obj.spec) && obj.spec.nodeName)
        st.conditions = [
          { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: timestamp() },
        ];
    } else if (key === "/namespaces") {
      obj.status = { phase: "Active" };
      obj.spec = { finalizers: ["kubernetes"] };
    } else if (key === "/nodes") {
      // Nodes may be created with their status (kubelets register that way).
    } else if (def.status) delete obj.status;
  }

  /** Computed fields written on every create/update (CRD status). */
  private finishStrategy(def: ResourceDef, obj: Obj, old: Obj | undefined): void {
    if (storageKey(def) !== "apiextensions.k8s.io/customresourcedefinitions") return;
    const spec = obj.spec as Obj;
    const versions = (spec.versions as Obj[]).filter(isObj);
    const storageVersion = String(versions.find((v) => v.storage === true)?.name ?? "");
    const oldStored =
      old && isObj(old.status) && Array.isArray(old.status.storedVersions)
        ? (old.status.storedVersions as string[])
        : [];
    const now = timestamp();
    obj.status = {
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: now,
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: now,
        },
      ],
      acceptedNames: clone(spec.names),
      storedVersions: [...new Set([...oldStored, storageVersion])],
    };
    if (
      old &&
      isObj(old.status) &&
      Array.isArray(old.status.conditions) &&
      deepEqual((old.status as Obj).acceptedNames, spec.names)
    )
      (obj.status as Obj).conditions = clone(old.status.conditions);
  }

  private specChanged(def: ResourceDef, old: Obj, next: Obj): boolean {
    const strip = (o: Obj): Obj => {
      const c: Obj = { ...o };
      delete c.metadata;
      delete c.apiVersion;
      delete c.kind;
      if (def.status) delete c.status;
      return c;
    };
    return !deepEqual(strip(old), strip(next));
  }

  private validateUpdateStrategy(def: ResourceDef, next: Obj, old: Obj): void {
    const key = storageKey(def);
    if (key === "/pods") {
      const causes = podUpdateCauses(isObj(old.spec) ? old.spec : {}, isObj(next.spec) ? next.spec : {});
      if (causes.length > 0) throw invalid(def.kind, def.group, String(meta(old).name), causes);
    }
    if (key === "/namespaces") next.spec = clone(old.spec);
    if (key === "apiextensions.k8s.io/customresourcedefinitions") {
      const os = old.spec as Obj;
      const ns = isObj(next.spec) ? next.spec : {};
      const causes: Cause[] = [];
      if (ns.group !== os.group)
        causes.push({
          field: "spec.group",
          type: "FieldValueInvalid",
          value: ns.group,
          message: "field is immutable",
        });
      if (ns.scope !== os.scope)
        causes.push({
          field: "spec.scope",
          type: "FieldValueInvalid",
          value: ns.scope,
          message: "field is immutable",
        });
      if (causes.length > 0) throw invalid(def.kind, def.group, String(meta(old).name), causes);
    }
  }

  private admit(
    def: ResourceDef,
    operation: "CREATE" | "UPDATE",
    obj: Obj,
    old: Obj | undefined,
    opts: WriteOpts,
    ns: string,
    subresource?: string,
  ): void {
    const name = String(meta(obj).name ?? "");
    const fv = opts.fieldValidation ?? "Warn";
    const schema = def.builtin ? undefined : def.schema;
    if (schema) {
      const unknown = prune(obj, schema);
      if (unknown.length > 0 && fv === "Strict")
        throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
      if (unknown.length > 0 && fv === "Warn" && opts.warnings)
        for (const f of unknown) opts.warnings.push(`unknown field "${f}"`);
      applyDefaults(obj, schema);
    }
    const req: AdmissionRequest = {
      operation,
      group: def.group,
      version: def.version,
      kind: def.kind,
      resource: def.plural,
      namespace: ns,
      name,
      object: obj,
      dryRun: opts.dryRun === true,
      lookup: (av, k, n, nsp) => this.lookup(av, k, n, nsp),
    };
    if (subresource) req.subresource = subresource;
    if (old) req.oldObject = old;
    let current = obj;
    for (const [match, hook] of this.mutating) {
      if (match.group !== def.group || (match.kind && match.kind !== def.kind)) continue;
      req.object = current;
      const out = hook(req);
      if (out && out !== current) {
        for (const k of Object.keys(current)) delete current[k];
        Object.assign(current, out);
      }
      current = obj;
    }
    if (schema) {
      prune(obj, schema);
      applyDefaults(obj, schema);
    }
    const causes: Cause[] = [...metadataCauses(def, obj, operation), ...kindCauses(def, obj)];
    if (def.validator) causes.push(...def.validator.validate(obj));
    if (causes.length > 0) throw invalid(def.kind, def.group, name, causes);
    req.object = obj;
    for (const [match, hook] of this.validating) {
      if (match.group !== def.group || (match.kind && match.kind !== def.kind)) continue;
      const out = hook(req);
      const result: ValidationResult = Array.isArray(out) ? { errors: out } : (out ?? {});
      if (result.warnings && opts.warnings) opts.warnings.push(...result.warnings);
      if (result.errors && result.errors.length > 0) causes.push(...result.errors);
    }
    if (causes.length > 0) throw invalid(def.kind, def.group, name, causes);
  }
}

function metadataCauses(def: ResourceDef, obj: Obj, operation: string): Cause[] {
  const m = meta(obj);
  const out: Cause[] = [];
  const name = m.name;
  if (typeof name !== "string" || name === "") {
    out.push({
      field: "metadata.name",
      type: "FieldValueRequired",
      message: "name or generateName is required",
    });
  } else if (operation === "CREATE" && def.group === "rbac.authorization.k8s.io") {
    // RBAC objects take any path-segment name (ValidateRBACName), e.g. Grove's `grove.io:pcs:<pcs>`.
    if (name === "." || name === ".." || /[/%]/.test(name))
      out.push({
        field: "metadata.name",
        type: "FieldValueInvalid",
        value: name,
        message: `may not be '.' or '..' and may not contain '/' or '%'`,
      });
  } else if (operation === "CREATE") {
    // apimachinery's ValidateObjectMeta: one Invalid per problem the name rule finds.
    const nameRule = def.group === "" && def.plural === "namespaces" ? isDNS1123Label : isDNS1123Subdomain;
    for (const message of nameRule(name))
      out.push({ field: "metadata.name", type: "FieldValueInvalid", value: name, message });
  }
  for (const field of ["labels", "annotations"] as const) {
    const map = m[field];
    if (map === undefined || map === null) continue;
    if (!isObj(map)) {
      out.push({
        field: `metadata.${field}`,
        type: "FieldValueInvalid",
        value: map,
        message: "must be a map of string keys to string values",
      });
      continue;
    }
    // ValidateLabels / ValidateAnnotations: keys are label keys (annotation keys checked lower-cased).
    for (const [k, v] of Object.entries(map)) {
      for (const message of isLabelKey(field === "labels" ? k : k.toLowerCase()))
        out.push({ field: `metadata.${field}`, type: "FieldValueInvalid", value: k, message });
      if (typeof v !== "string")
        out.push({
          field: `metadata.${field}.${k}`,
          type: "FieldValueInvalid",
          value: v,
          message: "must be a string",
        });
      else if (field === "labels")
        for (const message of isValidLabelValue(v))
          out.push({ field: "metadata.labels", type: "FieldValueInvalid", value: v, message });
    }
  }
  if (isObj(m.annotations)) {
    // kube-apiserver's TotalAnnotationSizeLimitB: why client-side `kubectl apply` of a huge CRD fails.
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations))
      size += k.length + (typeof v === "string" ? Buffer.byteLength(v) : 0);
    if (size > 262144)
      out.push({
        field: "metadata.annotations",
        type: "FieldValueTooLong",
        message: "may not be more than 262144 bytes",
      });
  }
  if (
    m.finalizers !== undefined &&
    !(Array.isArray(m.finalizers) && m.finalizers.every((f) => typeof f === "string"))
  )
    out.push({
      field: "metadata.finalizers",
      type: "FieldValueInvalid",
      value: m.finalizers,
      message: "must be a list of strings",
    });
  if (m.ownerReferences !== undefined) {
    if (!Array.isArray(m.ownerReferences))
      out.push({
        field: "metadata.ownerReferences",
        type: "FieldValueInvalid",
        value: m.ownerReferences,
        message: "must be a list",
      });
    else
      m.ownerReferences.forEach((r, i) => {
        for (const f of ["apiVersion", "kind", "name", "uid"])
          if (!isObj(r) || typeof r[f] !== "string" || r[f] === "")
            out.push({
              field: `metadata.ownerReferences[${i}].${f}`,
              type: "FieldValueRequired",
              message: "",
            });
      });
  }
  return out;
}

function kindCauses(def: ResourceDef, obj: Obj): Cause[] {
  const key = storageKey(def);
  const out: Cause[] = [];
  if (key === "/pods") {
    const spec = isObj(obj.spec) ? obj.spec : undefined;
    const containers = spec && Array.isArray(spec.containers) ? spec.containers : [];
    if (containers.length === 0)
      out.push({ field: "spec.containers", type: "FieldValueRequired", message: "" });
    containers.forEach((c, i) => {
      if (!isObj(c) || typeof c.name !== "string" || c.name === "")
        out.push({ field: `spec.containers[${i}].name`, type: "FieldValueRequired", message: "" });
      if (!isObj(c) || typeof c.image !== "string" || c.image === "")
        out.push({ field: `spec.containers[${i}].image`, type: "FieldValueRequired", message: "" });
    });
  }
  if (key === "apiextensions.k8s.io/customresourcedefinitions") out.push(...crdCauses(obj));
  return out;
}

function crdCauses(obj: Obj): Cause[] {
  const out: Cause[] = [];
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec) return [{ field: "spec", type: "FieldValueRequired", message: "" }];
  const names = isObj(spec.names) ? spec.names : {};
  const group = spec.group;
  if (typeof group !== "string" || !group.includes("."))
    out.push({
      field: "spec.group",
      type: "FieldValueInvalid",
      value: group,
      message: "should be a domain with at least one dot",
    });
  if (typeof names.plural !== "string" || isDNS1123Label(names.plural).length > 0)
    out.push({ field: "spec.names.plural", type: "FieldValueRequired", message: "" });
  if (typeof names.kind !== "string" || names.kind === "")
    out.push({ field: "spec.names.kind", type: "FieldValueRequired", message: "" });
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    out.push({
      field: "spec.scope",
      type: "FieldValueNotSupported",
      value: spec.scope,
      message: 'supported values: "Cluster", "Namespaced"',
    });
  const name = meta(obj).name;
  if (typeof names.plural === "string" && name !== `${names.plural}.${String(group)}`)
    out.push({
      field: "metadata.name",
      type: "FieldValueInvalid",
      value: name,
      message: 'must be spec.names.plural+"."+spec.group',
    });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    out.push({
      field: "spec.versions",
      type: "FieldValueInvalid",
      value: versions,
      message: "must have exactly one version marked as storage version",
    });
  else if (versions.filter((v) => isObj(v) && v.storage === true).length !== 1)
    out.push({
      field: "spec.versions",
      type: "FieldValueInvalid",
      value: versions.length,
      message: "must have exactly one version marked as storage version",
    });
  versions.forEach((v, i) => {
    if (!isObj(v) || typeof v.name !== "string" || v.name === "")
      out.push({ field: `spec.versions[${i}].name`, type: "FieldValueRequired", message: "" });
    const schema = isObj(v) && isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObj(schema))
      out.push({
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        type: "FieldValueRequired",
        message: "schemas are required",
      });
    else structuralCauses(schema, `spec.versions[${i}].schema.openAPIV3Schema`, out);
  });
  return out;
}

/**
 * The structural-schema rules kube-apiserver enforces on CRDs that matter for pruning and
 * defaulting: every node has a type (unless int-or-string or preserving unknown fields), and
 * properties and additionalProperties do not mix.
 */
function structuralCauses(schema: Obj, path: string, out: Cause[]): void {
  const free =
    schema["x-kubernetes-int-or-string"] === true || schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (!free && (typeof schema.type !== "string" || schema.type === ""))
    out.push({
      field: `${path}.type`,
      type: "FieldValueRequired",
      message: "must not be empty for specified object fields",
    });
  if (
    isObj(schema.properties) &&
    schema.additionalProperties !== undefined &&
    schema.additionalProperties !== false
  )
    out.push({
      field: `${path}.additionalProperties`,
      type: "FieldValueForbidden",
      message: "additionalProperties and properties are mutual exclusive",
    });
  if (isObj(schema.properties))
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (path.endsWith("openAPIV3Schema") && k === "metadata") continue;
      if (isObj(sub)) structuralCauses(sub, `${path}.properties[${k}]`, out);
    }
  if (isObj(schema.items)) structuralCauses(schema.items, `${path}.items`, out);
  if (isObj(schema.additionalProperties))
    structuralCauses(schema.additionalProperties, `${path}.additionalProperties`, out);
}

/** Pod spec is immutable after create except images, activeDeadlineSeconds, tolerations (additions) and removing scheduling gates. */
function podUpdateCauses(old: Obj, next: Obj): Cause[] {
  const mask = (spec: Obj): Obj => {
    const c = clone(spec);
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
      if (Array.isArray(c[list]))
        c[list] = (c[list] as unknown[]).map((x) => (isObj(x) ? { ...x, image: undefined } : x));
    }
    delete c.activeDeadlineSeconds;
    delete c.tolerations;
    delete c.schedulingGates;
    delete c.terminationGracePeriodSeconds;
    return c;
  };
  const out: Cause[] = [];
  if (!deepEqual(mask(old), mask(next)))
    out.push({
      field: "spec",
      type: "FieldValueForbidden",
      message:
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    });
  const gates = (s: Obj): string[] =>
    Array.isArray(s.schedulingGates) ? s.schedulingGates.map((g) => String(isObj(g) ? g.name : g)) : [];
  const oldGates = gates(old);
  if (gates(next).some((g) => !oldGates.includes(g)))
    out.push({
      field: "spec.schedulingGates",
      type: "FieldValueForbidden",
      message: "only deletion is allowed, but found new scheduling gate",
    });
  const tol = (s: Obj): unknown[] => (Array.isArray(s.tolerations) ? s.tolerations : []);
  const nextTol = tol(next);
  if (!tol(old).every((t) => nextTol.some((u) => deepEqual(t, u))))
    out.push({
      field: "spec.tolerations",
      type: "FieldValueForbidden",
      message: "existing toleration can not be modified except its tolerationSeconds",
    });
  return out;
}

/**
 * kube-apiserver's pod CheckGracefulDelete: 0 (delete at once) for a pod on no node or in a
 * terminal phase; else the requested period, or the pod's terminationGracePeriodSeconds (30 s
 * default); a negative request counts as 1 s.
 */
function podGracePeriod(pod: Obj, requested: number | undefined): number {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const phase = isObj(pod.status) ? pod.status.phase : undefined;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  const grace =
    requested ??
    (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30);
  return grace < 0 ? 1 : grace;
}
