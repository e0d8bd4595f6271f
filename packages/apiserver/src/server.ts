// The API server's semantics, independent of HTTP, in kube-apiserver's layers: the generic store
// (storage/store.ts: objects, resourceVersion, history, watch), each kind's strategy
// (strategies/, hung on its ResourceDef in registry.ts), admission (admission.ts) and garbage
// collection (gc.ts). This class is the facade over them: the write pipeline (create, update,
// patch, delete, scale, binding) in the order kube-apiserver runs it, and CRDs served as they are
// stored. The HTTP layer and the in-process Client both call it, so they cannot disagree.
import { ApiError } from "@grove-ts/runtime";
import { Admission } from "./admission.js";
import { GarbageCollector } from "./gc.js";
import type { PodProxy } from "./handlers/pod-proxy.js";
import { type MountedApi, MountedApis } from "./mounted.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type PatchKind } from "./patch.js";
import { registerPriorityAdmission } from "./priority.js";
import { registerQueueAdmission } from "./queues.js";
import { defsFromCrd, Registry, type ResourceDef, storageKey } from "./registry.js";
import {
  applyPatch,
  carry,
  checkName,
  checkPreconditions,
  decodeForCreate,
  decodeForUpdate,
  deletionMark,
  immutableFields,
  keepStoredStatus,
  propagation,
  specChanged,
} from "./rest.js";
import { alreadyExists, badRequest, fail, invalid, notFound } from "./status.js";
import { meta, present, Store } from "./storage/store.js";
import { requireActiveNamespace, systemNamespaces } from "./strategies/namespaces.js";
import { bindingTarget, boundPod } from "./strategies/pods.js";
import { systemPriorityClasses } from "./strategies/priority-classes.js";
import { scaled, scaleOf, scalePaths } from "./strategies/scale.js";
import { validateObject } from "./strategies/strategy.js";
import type {
  DeleteOpts,
  EventType,
  HookMatch,
  ListOpts,
  ListResult,
  MutatingHook,
  ValidatingHook,
  WatchOpts,
  WatchSink,
  WriteOpts,
} from "./types.js";
import { clone, deepEqual, isObj, newUid, type Obj } from "./util.js";

export type {
  AdmissionRequest,
  DeleteOpts,
  EventType,
  FieldValidation,
  HookMatch,
  ListOpts,
  ListResult,
  MutatingHook,
  Propagation,
  ValidatingHook,
  ValidationResult,
  WatchOpts,
  WatchSink,
  WriteOpts,
} from "./types.js";

export interface ApiServerOptions {
  /** How many writes the watch history keeps; older versions get 410 Gone. */
  historySize?: number;
  /** With dataDir: compact the log into a snapshot once it holds this many records (and twice the objects). */
  compactAfter?: number;
  /** Persist every write here (fsync'd) and replay it at start. Default: memory only. */
  dataDir?: string;
  log?: (line: string) => void;
}

const crdKey = "apiextensions.k8s.io/customresourcedefinitions";
const priorityClassKey = "scheduling.k8s.io/priorityclasses";
export class ApiServer {
  readonly registry = new Registry();
  private readonly store: Store;
  private readonly gc: GarbageCollector;
  private readonly admission = new Admission((av, k, n, ns) => this.lookup(av, k, n, ns));
  /** Answers pods/log, exec, attach and portforward in place of kubelets (grove-sim's simulated ones). */
  podProxy: PodProxy | undefined;
  /** Read-only group versions served by handlers, as the aggregator serves APIServices (mounted.ts). */
  readonly mounted = new MountedApis();

  constructor(options: ApiServerOptions = {}) {
    this.store = new Store(options);
    for (const crd of this.store.all(crdKey)) this.serveCrd(crd);
    this.gc = new GarbageCollector(
      this.store,
      this.registry,
      (d, ns, n, o) => this.delete(d, ns, n, o),
      options.log ?? (() => {}),
    );
    this.store.onCommit = (def, type, obj, prev) => this.afterCommit(def, type, obj, prev);
    for (const ns of systemNamespaces) {
      if (!this.store.stored("/namespaces", "", ns))
        this.create(this.def("", "v1", "namespaces"), "", { metadata: { name: ns } }, {});
    }
    registerPriorityAdmission(this.admission, () => this.store.all(priorityClassKey));
    registerQueueAdmission(this.admission);
    const pcDef = this.def("scheduling.k8s.io", "v1", "priorityclasses");
    for (const pc of systemPriorityClasses) {
      if (!this.store.stored(priorityClassKey, "", String(meta(pc).name)))
        this.create(pcDef, "", clone(pc), {});
    }
  }

  close(): void {
    this.gc.close();
    this.store.close();
  }

  /**
   * Resolves once every write so far is durable (with dataDir; at once in memory). The HTTP layer
   * and the in-process client await it before acknowledging a write.
   */
  durable(): Promise<void> {
    return this.store.durable();
  }

  /** The current global resourceVersion. */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /** Resolves once garbage collection and namespace cleanup have nothing left to do. */
  settle(): Promise<void> {
    return this.gc.settle();
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

  private serveCrd(crd: Obj): void {
    if (meta(crd).deletionTimestamp) return;
    this.registry.setCrd(String(meta(crd).name), defsFromCrd(crd));
  }

  /** CRDs are served as they are stored; a deleted CRD takes its custom resources with it. */
  private afterCommit(def: ResourceDef, type: EventType, obj: Obj, prev: Obj | undefined): void {
    const isCrd = storageKey(def) === crdKey;
    if (isCrd && type === "DELETED") this.registry.removeCrd(String(meta(obj).name));
    else if (isCrd) this.serveCrd(obj);
    this.gc.onCommit(def, type, obj, prev);
    if (isCrd && type === "DELETED") this.dropCustomResources(obj);
  }

  private dropCustomResources(crd: Obj): void {
    const spec = isObj(crd.spec) ? crd.spec : {};
    const names = isObj(spec.names) ? spec.names : {};
    const stub: ResourceDef = {
      ...(this.registry.all()[0] as ResourceDef),
      group: String(spec.group),
      plural: String(names.plural),
    };
    for (const o of this.store.all(storageKey(stub))) this.store.commit(stub, "DELETED", o, o);
  }

  /**
   * Serves a read-only group version through `api` (GET under /apis/<group>/<version>/, listed by
   * discovery), as kube-apiserver serves an APIService; returns the unmount function.
   */
  mountApi(api: MountedApi): () => void {
    return this.mounted.mount(api, (g) => this.registry.groups().has(g));
  }

  // ---- admission ------------------------------------------------------------------------------

  /** Registers a mutating hook; hooks run in registration order, before schema validation. */
  addMutatingHook(match: HookMatch, hook: MutatingHook): void {
    this.admission.addMutatingHook(match, hook);
  }

  /** Registers a validating hook; it runs after mutation, defaulting and schema validation. */
  addValidatingHook(match: HookMatch, hook: ValidatingHook): void {
    this.admission.addValidatingHook(match, hook);
  }

  /** Reads a stored object by apiVersion/kind/name without copying (for admission hooks). */
  lookup(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined {
    const d = this.registry.byKind(apiVersion, kind);
    if (!d) return undefined;
    return this.store.stored(storageKey(d), d.namespaced ? (namespace ?? "") : "", name);
  }

  // ---- reads ----------------------------------------------------------------------------------

  private storedFor(def: ResourceDef, namespace: string | undefined, name: string): Obj | undefined {
    return this.store.stored(storageKey(def), def.namespaced ? (namespace ?? "") : "", name);
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): Obj {
    const o = this.storedFor(def, namespace, name);
    if (!o) throw notFound(def, name);
    return present(def, o);
  }

  tryGet(def: ResourceDef, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.storedFor(def, namespace, name);
    return o ? present(def, o) : undefined;
  }

  list(def: ResourceDef, opts: ListOpts = {}): ListResult {
    return this.store.list(def, opts);
  }

  watch(def: ResourceDef, opts: WatchOpts, sink: WatchSink): () => void {
    return this.store.watch(def, opts, sink);
  }

  // ---- writes ---------------------------------------------------------------------------------

  create(def: ResourceDef, namespace: string | undefined, body: unknown, opts: WriteOpts = {}): Obj {
    const { obj, ns } = decodeForCreate(def, namespace, body);
    if (ns) requireActiveNamespace(this.store, ns, () => notFound({ group: "", plural: "namespaces" }, ns));
    const m = meta(obj);
    // kube-apiserver's order: mutating admission, PrepareForCreate, Validate, validating admission.
    const attrs = { def, operation: "CREATE" as const, obj, old: undefined, opts, namespace: ns };
    this.admission.mutate(attrs);
    def.strategy.prepareForCreate(def, obj);
    this.admission.validate(attrs, validateObject(def, obj));
    // Admission may have replaced metadata wholesale: read it again.
    const am = meta(obj);
    const name = String(am.name);
    am.uid = newUid();
    am.creationTimestamp = m.creationTimestamp;
    if (def.generation) am.generation = 1;
    if (this.store.stored(storageKey(def), ns, name)) throw alreadyExists(def, name);
    def.strategy.canonicalize(def, obj, undefined);
    if (opts.dryRun) return obj;
    return present(def, this.store.commit(def, "ADDED", obj));
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
    const old = this.store.stored(storageKey(def), ns, name);
    if (!old) throw notFound(def, name);
    const om = meta(old);
    const next = decodeForUpdate(def, ns, name, body, old, subresource);
    const nm = meta(next);
    const attrs = {
      def,
      operation: "UPDATE" as const,
      obj: next,
      old: present(def, old),
      opts,
      namespace: ns,
      subresource,
    };
    // kube-apiserver's order: mutating admission, PrepareForUpdate, ValidateUpdate (the change,
    // then the object), validating admission.
    this.admission.mutate(attrs);
    if (subresource !== "status") {
      keepStoredStatus(def, next, old);
      def.strategy.prepareForUpdate(def, next, old);
      const causes = def.strategy.validateUpdate(def, next, old);
      if (causes.length > 0) throw invalid(def.kind, def.group, name, causes);
    }
    this.admission.validate(attrs, validateObject(def, next));
    // Admission may have replaced metadata wholesale: restore what callers cannot change.
    const am = meta(next);
    carry(am, nm, ["name", "namespace", ...immutableFields, "resourceVersion"]);
    if (def.generation && specChanged(def, old, next)) am.generation = Number(om.generation ?? 0) + 1;
    def.strategy.canonicalize(def, next, old);
    if (deepEqual(next, present(def, old))) return present(def, old);
    if (opts.dryRun) return next;
    const stored = this.store.commit(def, "MODIFIED", next, old);
    const finalizers = Array.isArray(am.finalizers) ? am.finalizers : [];
    if (am.deletionTimestamp && finalizers.length === 0 && !def.strategy.terminate)
      return present(def, this.store.commit(def, "DELETED", stored, stored));
    return present(def, stored);
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
    const old = this.store.stored(storageKey(def), ns, name);
    if (!old) {
      if (kind === "apply" && !subresource) {
        if (!isObj(body)) throw badRequest("apply patch must be an object");
        const obj = clone(body);
        if (!isObj(obj.metadata)) obj.metadata = {};
        const m = meta(obj);
        checkName(m, name);
        m.name = name;
        return { object: this.create(def, ns, obj, opts), created: true };
      }
      throw notFound(def, name);
    }
    const patched = applyPatch(def, kind, present(def, old), body);
    if (!isObj(patched)) throw fail(422, "Invalid", "the patched object is not a JSON object");
    return { object: this.update(def, ns, name, patched, opts, subresource), created: false };
  }

  // ---- scale ----------------------------------------------------------------------------------

  getScale(def: ResourceDef, namespace: string | undefined, name: string): Obj {
    scalePaths(def);
    return scaleOf(def, this.get(def, namespace, name));
  }

  updateScale(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOpts = {},
  ): Obj {
    scalePaths(def);
    if (!isObj(body)) throw badRequest("the body of the request must be a Scale object");
    const { next, replicas } = scaled(def, this.get(def, namespace, name), name, body);
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
    const target = bindingTarget(podName, body);
    const pod = this.store.stored("/pods", namespace, podName);
    if (!pod) throw notFound(def, podName);
    const next = boundPod(def, pod, target, body as Obj);
    if (opts.dryRun) return;
    this.store.commit(def, "MODIFIED", next, pod);
  }

  // ---- delete ---------------------------------------------------------------------------------

  delete(def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Obj {
    const ns = def.namespaced ? (namespace ?? "") : "";
    const old = this.store.stored(storageKey(def), ns, name);
    if (!old) throw notFound(def, name);
    const om = meta(old);
    checkPreconditions(def, name, old, opts);
    const s = def.strategy;
    s.checkDelete?.(old);
    const terminated = s.terminate?.(old);
    const policy = propagation(opts);
    if (opts.dryRun) return present(def, old);
    if (policy === "Orphan") this.gc.orphanDependents(String(om.uid));
    if (s.terminate) {
      if (!terminated) return present(def, old);
      const stored = this.store.commit(def, "MODIFIED", terminated, old);
      this.gc.terminateNamespace(name);
      return present(def, stored);
    }
    const mark = deletionMark(def, old, opts, policy);
    if (mark === "unchanged") return present(def, old);
    if (mark) {
      const stored = this.store.commit(def, "MODIFIED", mark, old);
      if (policy === "Foreground") this.gc.foregroundDelete(String(om.uid));
      return present(def, stored);
    }
    return present(def, this.store.commit(def, "DELETED", old, old));
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
    return { items, resourceVersion: this.resourceVersion };
  }
}
