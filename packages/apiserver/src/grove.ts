// Grove's admission webhooks, in-process: the grove.io kinds are defaulted and validated by
// @grove-ts/api's functions (the same ones the operator's webhooks use). Like Grove's webhook
// configuration, they see writes to the main resource only, never the status subresource.
import {
  type ClusterTopologyBinding,
  defaultClusterTopologyBinding,
  defaultPodClique,
  defaultPodCliqueScalingGroup,
  defaultPodCliqueSet,
  defaultPodGang,
  type PodCliqueSet,
  podCliqueSetWarnings,
  type ValidationOptions,
  validateClusterTopologyBinding,
  validatePodCliqueSet,
} from "@grove-ts/api";
import type { AdmissionRequest, ApiServer } from "./server.js";
import type { Obj } from "./util.js";

type Defaulter = (o: never) => unknown;

const defaulters: [string, string, Defaulter][] = [
  ["grove.io", "PodCliqueSet", defaultPodCliqueSet as Defaulter],
  ["grove.io", "PodClique", defaultPodClique as Defaulter],
  ["grove.io", "PodCliqueScalingGroup", defaultPodCliqueScalingGroup as Defaulter],
  ["grove.io", "ClusterTopologyBinding", defaultClusterTopologyBinding as Defaulter],
  ["scheduler.grove.io", "PodGang", defaultPodGang as Defaulter],
];

/** Registers Grove's defaulting and validation as admission hooks on `server`. */
export function registerGroveAdmission(server: ApiServer, options: ValidationOptions = {}): void {
  const opts = (req: AdmissionRequest): ValidationOptions => ({
    getClusterTopologyBinding: (name: string) =>
      req.lookup("grove.io/v1alpha1", "ClusterTopologyBinding", name) as ClusterTopologyBinding | undefined,
    ...options,
  });
  for (const [group, kind, fn] of defaulters) {
    server.addMutatingHook({ group, kind }, (req) =>
      req.subresource ? undefined : (fn(req.object as never) as Obj),
    );
  }
  server.addValidatingHook({ group: "grove.io", kind: "PodCliqueSet" }, (req) => {
    if (req.subresource) return undefined;
    const pcs = req.object as unknown as PodCliqueSet;
    const old = req.oldObject as unknown as PodCliqueSet | undefined;
    return {
      errors: validatePodCliqueSet(pcs, old, opts(req)),
      warnings: podCliqueSetWarnings(pcs, old, opts(req)),
    };
  });
  server.addValidatingHook({ group: "grove.io", kind: "ClusterTopologyBinding" }, (req) => {
    if (req.subresource) return undefined;
    return {
      errors: validateClusterTopologyBinding(
        req.object as unknown as ClusterTopologyBinding,
        req.oldObject as unknown as ClusterTopologyBinding | undefined,
        opts(req),
      ),
    };
  });
}
