// The one door controllers and the scheduler use to reach an API server. Two implementations:
// @grove-ts/apiserver's in-process client (no HTTP) and @grove-ts/kube's client over
// @kubernetes/client-node. Both pass the same contract suite. Controllers never import either.

/** Object metadata, in its JSON shape (timestamps are RFC 3339 strings). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object as JSON. Kind-specific types narrow it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface ObjectList<T extends KubeObject> {
  items: T[];
  /** The list's resourceVersion: watch from here to miss nothing. */
  resourceVersion: string;
  /** Set when `limit` cut the list; pass it back as `continue`. */
  continue?: string;
}

/**
 * What a client needs to address a kind over REST: group/version, kind, the plural resource name
 * and whether it lives in a namespace. api exports these for the Grove kinds; ./resources.ts for the
 * built-in kinds.
 */
export interface ResourceType {
  /** "v1" for the core group, else "group/version". */
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ListOptions {
  /** Omit (or "") for all namespaces of a namespaced kind. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; omitted means "from now". */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR, a Status object. For BOOKMARK, an object with only metadata.resourceVersion. */
  object: T;
}

/** A running watch. `done` settles when the stream ends: resolved on a clean end, rejected on error. */
export interface WatchHandle {
  stop(): void;
  readonly done: Promise<void>;
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface Patch {
  type: PatchType;
  /** json: RFC 6902 operations; merge/strategic/apply: a partial object. */
  body: unknown;
}

export type Subresource = "status" | "scale";

export interface WriteOptions {
  /** Run admission and validation but persist nothing. */
  dryRun?: boolean;
  fieldManager?: string;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export interface PatchOptions extends WriteOptions {
  subresource?: Subresource;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** autoscaling/v1 Scale, as served by a kind's /scale subresource. */
export interface Scale extends KubeObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

/**
 * Single-object calls on a namespaced kind without a namespace address "default" (the kubeconfig
 * context's namespace for @grove-ts/kube), as kubectl does; list and watch without one span all
 * namespaces.
 */
export interface Client {
  /** Resolves undefined when the object does not exist (a 404 is not an error here). */
  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined>;
  list<T extends KubeObject>(type: ResourceType, options?: ListOptions): Promise<ObjectList<T>>;
  /** Uses metadata.namespace of `obj` for namespaced kinds. Throws ApiError (AlreadyExists, Invalid, …). */
  create<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T>;
  /** Full replace; a stale metadata.resourceVersion throws Conflict. Status is ignored by the main resource. */
  update<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T>;
  /** Replace the status subresource; only `status` (and resourceVersion for the conflict check) is read. */
  updateStatus<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T>;
  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: Patch,
    options?: PatchOptions,
  ): Promise<T>;
  getScale(type: ResourceType, name: string, namespace?: string): Promise<Scale | undefined>;
  updateScale(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    replicas: number,
  ): Promise<Scale>;
  /** Resolves whether or not the object had finalizers (it may still exist, terminating). NotFound throws. */
  delete(type: ResourceType, name: string, namespace?: string, options?: DeleteOptions): Promise<void>;
  /** pods/binding: sets spec.nodeName of an unbound pod. */
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void>;
  watch<T extends KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle>;
  /**
   * True when the items of `list` and the objects of watch events are fresh copies that nothing
   * else holds, or deep-frozen (the in-process client copies each list item and shares one frozen
   * copy per watch event among its watches; a client over HTTP parses each): an informer then caches
   * them as they come instead of copying each again. Absent: the informer copies.
   */
  readonly freshObjects?: boolean;
}
