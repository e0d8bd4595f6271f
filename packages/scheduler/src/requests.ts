// A pod's resource requests as kube-scheduler computes them (resource_helpers: PodRequests):
// the sum over containers (a container with only limits requests its limits), then the max with
// each init container, where restartable (sidecar) init containers started before it add to it and
// are also summed into the steady state; pod overhead on top. Values are in milli-units, the unit
// @grove-ts/placement's parseQuantity returns.
import { parseQuantity } from "@grove-ts/placement";
import type { Container, Pod } from "kubernetes-types/core/v1.js";

export type Requests = Map<string, number>;

function containerRequests(c: Container, field: string): Requests {
  const out: Requests = new Map();
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [k, v] of Object.entries(limits))
    out.set(k, parseQuantity(v, `${field}.resources.limits[${k}]`));
  for (const [k, v] of Object.entries(requests))
    out.set(k, parseQuantity(v, `${field}.resources.requests[${k}]`));
  return out;
}

function addInto(into: Requests, r: Requests): void {
  for (const [k, v] of r) into.set(k, (into.get(k) ?? 0) + v);
}

function maxInto(into: Requests, r: Requests): void {
  for (const [k, v] of r) if (v > (into.get(k) ?? 0)) into.set(k, v);
}

/** Throws PlacementProblemError naming the field when a quantity is malformed. */
export function podRequests(pod: Pod): Requests {
  const spec = pod.spec;
  const total: Requests = new Map();
  if (!spec) return total;
  spec.containers.forEach((c, i) => {
    addInto(total, containerRequests(c, `spec.containers[${i}]`));
  });
  const sidecars: Requests = new Map();
  const initPeak: Requests = new Map();
  (spec.initContainers ?? []).forEach((c, i) => {
    const r = containerRequests(c, `spec.initContainers[${i}]`);
    if (c.restartPolicy === "Always") {
      addInto(sidecars, r);
      const running = new Map(sidecars);
      maxInto(initPeak, running);
    } else {
      const during = new Map(sidecars);
      addInto(during, r);
      maxInto(initPeak, during);
    }
  });
  addInto(total, sidecars);
  maxInto(total, initPeak);
  for (const [k, v] of Object.entries(spec.overhead ?? {}))
    total.set(k, (total.get(k) ?? 0) + parseQuantity(v, `spec.overhead[${k}]`));
  return total;
}

/** Milli-units back to a quantity string the placement contract accepts. */
export function toQuantities(r: Requests): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of r) out[k] = `${Math.round(v)}m`;
  return out;
}
