// Reading a cluster into a Snapshot, with kubectl's way of choosing it: --kubeconfig (else
// $KUBECONFIG, else ~/.kube/config), --context, and the context's namespace unless -n or -A says
// otherwise. A failure to reach the server names the server.
import {
  ClusterTopologyBindingType,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
} from "@grove-ts/api";
import { createKubeClient, KubeConfigError } from "@grove-ts/kube";
import {
  ApiError,
  type Client,
  EventType,
  isNotFound,
  NodeType,
  PodType,
  type ResourceType,
} from "@grove-ts/runtime";
import type { Event, Node, Obj, Pod, Snapshot, TopologyLevel } from "./model.js";

export interface Target {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class PluginError extends Error {
  readonly code = "PluginError";
  constructor(message: string) {
    super(message);
    this.name = "PluginError";
  }
}

export interface Connection {
  client: Client;
  server: string;
  /** The namespace to read; undefined with -A. */
  namespace: string | undefined;
}

export function connect(t: Target): Connection {
  try {
    const client = createKubeClient({
      ...(t.kubeconfig ? { kubeconfigPath: t.kubeconfig } : {}),
      ...(t.context ? { context: t.context } : {}),
      qps: -1,
    });
    const kc = client.kubeConfig;
    const server = kc.getCurrentCluster()?.server ?? "(no server)";
    const ctxNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
    const namespace = t.allNamespaces ? undefined : (t.namespace ?? ctxNs ?? "default");
    return { client, server, namespace };
  } catch (err) {
    if (err instanceof KubeConfigError) throw new PluginError(err.message);
    throw err;
  }
}

/** A request error that is not the server's answer: the server could not be reached. */
export function unreachable(conn: Connection, err: unknown): PluginError {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new PluginError(`cannot reach the cluster at ${conn.server}: ${why}`);
}

async function list<T>(conn: Connection, type: ResourceType, optional = false): Promise<T[]> {
  try {
    const res = await conn.client.list(
      type,
      type.namespaced && conn.namespace ? { namespace: conn.namespace } : {},
    );
    return res.items as T[];
  } catch (err) {
    // A cluster without Grove's CRDs has none of their objects.
    if (optional && err instanceof ApiError && isNotFound(err)) return [];
    if (err instanceof ApiError) throw new PluginError(`list ${type.plural}: ${err.message}`);
    throw unreachable(conn, err);
  }
}

export async function readSnapshot(conn: Connection): Promise<Snapshot> {
  const [pcs, pcsg, pclq, podgangs, pods, nodes, events, ctbs] = await Promise.all([
    list<Obj>(conn, PodCliqueSetType, true),
    list<Obj>(conn, PodCliqueScalingGroupType, true),
    list<Obj>(conn, PodCliqueType, true),
    list<Obj>(conn, PodGangType, true),
    list<Pod>(conn, PodType),
    list<Node>(conn, NodeType),
    list<Event>(conn, EventType),
    list<Obj>(conn, ClusterTopologyBindingType, true),
  ]);
  const topologies = ctbs.map((c) => ({
    name: c.metadata.name,
    levels: ((c.spec?.levels ?? []) as TopologyLevel[]).map((l) => ({ domain: l.domain, key: l.key })),
  }));
  return {
    namespace: conn.namespace,
    pcs,
    pcsg,
    pclq,
    podgangs,
    pods,
    nodes,
    events,
    topologies,
    now: Date.now(),
  };
}
