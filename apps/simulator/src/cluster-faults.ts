// Faults scheduled by a cluster file (README "Faults"): at T seconds after the simulated nodes
// start, an action on the pods a label selector matches or on nodes by name or label. Every action
// goes through the API as a user's would (the fault annotations, cordon, node deletion), so a
// scenario runs the same against our API server and the real control plane.
import { type Client, isNotFound, type KubeObject, type Logger, NodeType, PodType } from "@grove-ts/runtime";
import { NODE_READY_ANNOTATION } from "./node-faults.js";
import { EXIT_ANNOTATION, READY_ANNOTATION } from "./pod-faults.js";
import { runOnSchedule } from "./schedule.js";

export const POD_ACTIONS = ["exit", "unready", "ready", "recover"] as const;
export const NODE_ACTIONS = ["node-down", "node-up", "cordon", "uncordon", "delete-node"] as const;
export type FaultAction = (typeof POD_ACTIONS)[number] | (typeof NODE_ACTIONS)[number];

export interface FaultSpec {
  /** Seconds after the nodes started. */
  at: number;
  action: FaultAction;
  /** Pod actions: the pods a label selector matches, in one namespace or all. */
  pods?: { selector: string; namespace?: string };
  /** Node actions: nodes by name or by label selector. */
  nodes?: { names?: string[]; selector?: string };
  /** exit: the container (default: each pod's first) and its exit code (default 1). */
  container?: string;
  code?: number;
}

type Fail = (field: string, detail: string) => never;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks a cluster file's `faults:` list; `nodeNames` are the cluster's nodes. */
export function checkFaults(v: unknown, nodeNames: ReadonlySet<string>, fail: Fail): FaultSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail("faults", "must be a list");
  return (v as unknown[]).map((item, i): FaultSpec => {
    const f = `faults[${i}]`;
    if (!isObj(item)) fail(f, "must be a mapping");
    const o = item as Obj;
    if (typeof o.at !== "number" || !(o.at >= 0)) fail(`${f}.at`, "must be a number of seconds >= 0");
    const action = o.action as FaultAction;
    const all: readonly string[] = [...POD_ACTIONS, ...NODE_ACTIONS];
    if (typeof action !== "string" || !all.includes(action))
      fail(`${f}.action`, `must be one of ${all.join(", ")}`);
    const out: FaultSpec = { at: o.at as number, action };
    if ((POD_ACTIONS as readonly string[]).includes(action)) {
      if (o.nodes !== undefined) fail(`${f}.nodes`, `is for node actions; ${action} acts on pods`);
      if (!isObj(o.pods)) fail(`${f}.pods`, `must be a mapping with a selector (${action} acts on pods)`);
      const p = o.pods as Obj;
      if (typeof p.selector !== "string" || p.selector.trim() === "")
        fail(`${f}.pods.selector`, 'must be a non-empty label selector such as "app=web"');
      if (p.namespace !== undefined && (typeof p.namespace !== "string" || p.namespace === ""))
        fail(`${f}.pods.namespace`, "must be a non-empty string");
      out.pods = {
        selector: p.selector as string,
        ...(p.namespace ? { namespace: p.namespace as string } : {}),
      };
      if (action === "exit") {
        if (o.container !== undefined) {
          if (typeof o.container !== "string" || o.container === "")
            fail(`${f}.container`, "must be a non-empty string");
          out.container = o.container as string;
        }
        const code = o.code ?? 1;
        if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255)
          fail(`${f}.code`, "must be an integer from 0 to 255");
        out.code = code as number;
      } else {
        if (o.container !== undefined) fail(`${f}.container`, "is for the exit action only");
        if (o.code !== undefined) fail(`${f}.code`, "is for the exit action only");
      }
    } else {
      if (o.pods !== undefined) fail(`${f}.pods`, `is for pod actions; ${action} acts on nodes`);
      if (!isObj(o.nodes))
        fail(`${f}.nodes`, `must be a mapping with names or a selector (${action} acts on nodes)`);
      const n = o.nodes as Obj;
      if ((n.names === undefined) === (n.selector === undefined))
        fail(`${f}.nodes`, "must give exactly one of names and selector");
      if (n.names !== undefined) {
        if (!Array.isArray(n.names) || n.names.length === 0)
          fail(`${f}.nodes.names`, "must be a non-empty list");
        for (const [j, name] of (n.names as unknown[]).entries())
          if (typeof name !== "string" || !nodeNames.has(name))
            fail(`${f}.nodes.names[${j}]`, `${JSON.stringify(name)} is not a node of this cluster`);
        out.nodes = { names: n.names as string[] };
      } else {
        if (typeof n.selector !== "string" || n.selector.trim() === "")
          fail(`${f}.nodes.selector`, 'must be a non-empty label selector such as "grove-sim/pool=gpu"');
        out.nodes = { selector: n.selector as string };
      }
    }
    return out;
  });
}

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[] };
}

/** Runs a cluster's faults on their schedule; returns the stop function. */
export function startFaultSchedule(
  client: Client,
  faults: readonly FaultSpec[],
  log: Logger,
): () => Promise<void> {
  return runOnSchedule(
    "fault",
    faults,
    (f) => ({ action: f.action }),
    (f) => apply(client, f),
    log,
  );
}

const merge = (body: unknown) => ({ type: "merge" as const, body });

async function apply(client: Client, f: FaultSpec): Promise<void> {
  const tolerate = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  if (f.pods) {
    const pods = await client.list<PodLike>(PodType, {
      labelSelector: f.pods.selector,
      ...(f.pods.namespace ? { namespace: f.pods.namespace } : {}),
    });
    for (const p of pods.items) {
      const annotations: Record<string, string | null> =
        f.action === "exit"
          ? { [EXIT_ANNOTATION]: `${f.container ?? p.spec?.containers?.[0]?.name ?? ""}=${f.code ?? 1}` }
          : f.action === "unready"
            ? { [READY_ANNOTATION]: "false" }
            : f.action === "ready"
              ? { [READY_ANNOTATION]: "true" }
              : { [EXIT_ANNOTATION]: null, [READY_ANNOTATION]: null };
      await client
        .patch(PodType, p.metadata.name ?? "", p.metadata.namespace, merge({ metadata: { annotations } }))
        .catch(tolerate);
    }
    return;
  }
  const names =
    f.nodes?.names ??
    (await client.list(NodeType, { labelSelector: f.nodes?.selector ?? "" })).items.map(
      (n) => n.metadata.name ?? "",
    );
  for (const name of names) {
    const step =
      f.action === "delete-node"
        ? client.delete(NodeType, name)
        : client.patch(
            NodeType,
            name,
            undefined,
            f.action === "node-down" || f.action === "node-up"
              ? merge({
                  metadata: {
                    annotations: { [NODE_READY_ANNOTATION]: f.action === "node-up" ? "true" : "false" },
                  },
                })
              : merge({ spec: { unschedulable: f.action === "cordon" ? true : null } }),
          );
    await step.catch(tolerate);
  }
}
