// The shapes the API server's layers exchange and its callers (HTTP handlers, the in-process
// Client, the simulator) pass in: request options, list and watch results, admission hooks.
import type { Status } from "@grove-ts/runtime";
import type { Cause } from "./status.js";
import type { Obj } from "./util.js";

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
