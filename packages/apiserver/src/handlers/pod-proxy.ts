// The pod subresources kube-apiserver proxies to the pod's kubelet: log (GET), exec, attach
// (GET with a WebSocket upgrade, or POST with SPDY) and portforward. This server runs no kubelet:
// a PodProxy set on the ApiServer (grove-sim's simulated kubelets) answers them. Without one, the
// answer is kube-apiserver's for a node whose kubelet cannot be reached: 500 with the dial error.
// Before the proxy, the checks kube-apiserver makes itself (pkg/registry/core/pod/strategy.go
// LogLocation): the pod exists, the container is one of the pod's, a pod with no node has no log yet.

import { badRequest, fail } from "../status.js";
import type { Obj } from "../util.js";
import { isObj } from "../util.js";
import { type ResourceCall, send } from "./call.js";
import { q } from "./request.js";

/** kubectl logs' query (k8s.io/api/core/v1 PodLogOptions), as far as a simulated kubelet uses it. */
export interface PodLogOptions {
  container: string;
  previous: boolean;
  timestamps: boolean;
  /** The last this many lines (`--tail`). */
  tailLines?: number;
}

/** What answers for the pods' kubelets. Errors are ApiErrors (their Status is sent as is). */
export interface PodProxy {
  /** The container's log, newline-terminated lines. */
  logs(pod: Obj, options: PodLogOptions): string;
  /** exec, attach and portforward: throws the ApiError to send. */
  stream(pod: Obj, subresource: "exec" | "attach" | "portforward", container: string | undefined): never;
}

type Container = { name?: unknown };

function containerNames(pod: Obj): string[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const names: string[] = [];
  for (const k of ["initContainers", "containers", "ephemeralContainers"])
    for (const c of (Array.isArray(spec[k]) ? spec[k] : []) as Container[])
      if (typeof c.name === "string") names.push(c.name);
  return names;
}

/** The container a request names, or the pod's only one; kube-apiserver's messages otherwise. */
function pickContainer(pod: Obj, name: string, asked: string | undefined): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const main = ((Array.isArray(spec.containers) ? spec.containers : []) as Container[]).map((c) =>
    String(c.name),
  );
  if (!asked) {
    if (main.length === 1) return main[0] as string;
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${main.join(" ")}]`,
    );
  }
  if (!containerNames(pod).includes(asked))
    throw badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

const nodeOf = (pod: Obj): string | undefined => {
  const spec = isObj(pod.spec) ? pod.spec : {};
  return typeof spec.nodeName === "string" && spec.nodeName ? spec.nodeName : undefined;
};

const unreachable = (path: string, node: string) =>
  fail(
    500,
    "InternalError",
    `Get "https://${node}:10250/${path}": no kubelet serves node ${node} (this API server runs none)`,
  );

/** GET /api/v1/namespaces/{namespace}/pods/{name}/log */
export function podLog(c: ResourceCall): void {
  const name = c.name as string;
  const pod = c.api.get(c.def, c.namespace, name);
  const container = pickContainer(pod, name, q(c.url, "container") || undefined);
  const node = nodeOf(pod);
  // kube-apiserver answers an unscheduled pod's log with an empty body.
  if (!node) {
    send(c.res, 200, "", {}, "text/plain");
    return;
  }
  const tail = q(c.url, "tailLines");
  let tailLines: number | undefined;
  if (tail) {
    tailLines = Number(tail);
    if (!Number.isInteger(tailLines) || tailLines < 0)
      throw badRequest(`tailLines: Invalid value: ${JSON.stringify(tail)}: must be a non-negative integer`);
  }
  const options: PodLogOptions = {
    container,
    previous: q(c.url, "previous") === "true",
    timestamps: q(c.url, "timestamps") === "true",
    ...(tailLines !== undefined ? { tailLines } : {}),
  };
  const proxy = c.api.podProxy;
  if (!proxy) throw unreachable(`containerLogs/${c.namespace}/${name}/${container}`, node);
  send(c.res, 200, proxy.logs(pod, options), {}, "text/plain");
}

/** exec, attach and portforward on /api/v1/namespaces/{namespace}/pods/{name}/<subresource> */
export function podStream(c: ResourceCall): void {
  const sub = c.subresource as "exec" | "attach" | "portforward";
  const name = c.name as string;
  const pod = c.api.get(c.def, c.namespace, name);
  const container =
    sub === "portforward" ? undefined : pickContainer(pod, name, q(c.url, "container") || undefined);
  const node = nodeOf(pod);
  if (!node) throw badRequest(`pod ${name} does not have a host assigned`);
  const proxy = c.api.podProxy;
  if (!proxy) throw unreachable(`${sub}/${c.namespace}/${name}${container ? `/${container}` : ""}`, node);
  proxy.stream(pod, sub, container);
}
