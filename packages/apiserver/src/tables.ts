// meta.k8s.io/v1 Table responses: CRD printer columns, and the columns kubectl users expect for the
// built-in kinds. Age cells are formatted by the server (HumanDuration), as kube-apiserver does.
import type { PrinterColumn, ResourceDef } from "./registry.js";
import { age, getPath, isObj, jsonPath, type Obj } from "./util.js";

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

const col = (name: string, type = "string", priority = 0, format = ""): Column => ({
  name,
  type,
  format,
  description: "",
  priority,
});

const nameCol: Column = {
  ...col("Name", "string", 0, "name"),
  description: "Name must be unique within a namespace.",
};
const ageCol = col("Age", "string");

const meta = (o: Obj): Obj => (isObj(o.metadata) ? o.metadata : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const s = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
const none = (v: string): string => (v === "" ? "<none>" : v);

function podRow(o: Obj): Cell[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(o.status) ? o.status : {};
  const containers = arr(spec.containers);
  const statuses = arr(st.containerStatuses);
  const ready = statuses.filter((c) => c.ready === true).length;
  const restarts = statuses.reduce(
    (n, c) => n + (typeof c.restartCount === "number" ? c.restartCount : 0),
    0,
  );
  let phase = s(st.phase) || "Pending";
  if (s(st.reason)) phase = s(st.reason);
  if (arr(spec.schedulingGates).length > 0 && !spec.nodeName) phase = "SchedulingGated";
  const init = initReason(spec, st);
  const initialized = arr(st.conditions).some((c) => c.type === "Initialized" && c.status === "True");
  if (init !== undefined) phase = init;
  if (init === undefined || initialized)
    for (const c of statuses) {
      const state = isObj(c.state) ? c.state : {};
      const waiting = isObj(state.waiting) ? state.waiting : undefined;
      if (waiting && s(waiting.reason)) phase = s(waiting.reason);
    }
  if (meta(o).deletionTimestamp) phase = "Terminating";
  const gates = arr(spec.readinessGates);
  return [
    `${ready}/${containers.length}`,
    phase,
    String(restarts),
    age(meta(o).creationTimestamp),
    none(s(st.podIP)),
    none(s(spec.nodeName)),
    none(s(st.nominatedNodeName)),
    gates.length ? `0/${gates.length}` : "<none>",
  ];
}

/**
 * kubectl's STATUS of a pod still initializing, as kube-apiserver prints it: the first init
 * container that has not exited 0 (and is not a started sidecar) gives `Init:<i>/<n>`, or
 * `Init:<reason>` when it waits for a reason other than PodInitializing or terminated with one.
 */
function initReason(spec: Obj, st: Obj): string | undefined {
  const inits = arr(spec.initContainers);
  const sidecar = new Set(inits.filter((c) => c.restartPolicy === "Always").map((c) => s(c.name)));
  const statuses = arr(st.initContainerStatuses);
  for (const [i, c] of statuses.entries()) {
    const state = isObj(c.state) ? c.state : {};
    const term = isObj(state.terminated) ? state.terminated : undefined;
    const waiting = isObj(state.waiting) ? state.waiting : undefined;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (sidecar.has(s(c.name)) && c.started === true) continue;
    if (term)
      return s(term.reason)
        ? `Init:${s(term.reason)}`
        : term.signal
          ? `Init:Signal:${s(term.signal)}`
          : `Init:ExitCode:${s(term.exitCode)}`;
    if (waiting && s(waiting.reason) && waiting.reason !== "PodInitializing")
      return `Init:${s(waiting.reason)}`;
    return `Init:${i}/${inits.length}`;
  }
  return undefined;
}

function nodeRow(o: Obj): Cell[] {
  const st = isObj(o.status) ? o.status : {};
  const spec = isObj(o.spec) ? o.spec : {};
  const readyCond = arr(st.conditions).find((c) => c.type === "Ready");
  let status = readyCond?.status === "True" ? "Ready" : readyCond ? "NotReady" : "Unknown";
  if (spec.unschedulable === true) status += ",SchedulingDisabled";
  const labels = (meta(o).labels ?? {}) as Record<string, string>;
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length));
  const info = isObj(st.nodeInfo) ? st.nodeInfo : {};
  const addr = (t: string) => none(s(arr(st.addresses).find((a) => a.type === t)?.address));
  return [
    status,
    roles.length ? roles.join(",") : "<none>",
    age(meta(o).creationTimestamp),
    s(info.kubeletVersion),
    addr("InternalIP"),
    addr("ExternalIP"),
    none(s(info.osImage)),
    none(s(info.kernelVersion)),
    none(s(info.containerRuntimeVersion)),
  ];
}

function serviceRow(o: Obj): Cell[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const ports = arr(spec.ports)
    .map((p) => `${s(p.port)}${p.nodePort ? `:${s(p.nodePort)}` : ""}/${s(p.protocol) || "TCP"}`)
    .join(",");
  const selector = isObj(spec.selector)
    ? Object.entries(spec.selector)
        .map(([k, v]) => `${k}=${s(v)}`)
        .join(",")
    : "";
  return [
    s(spec.type) || "ClusterIP",
    none(s(spec.clusterIP)),
    "<none>",
    none(ports),
    age(meta(o).creationTimestamp),
    none(selector),
  ];
}

function eventRow(o: Obj): Cell[] {
  const inv = isObj(o.involvedObject) ? o.involvedObject : {};
  const last = o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? meta(o).creationTimestamp;
  return [age(last), s(o.type), s(o.reason), `${s(inv.kind).toLowerCase()}/${s(inv.name)}`, s(o.message)];
}

/**
 * kubectl's HPA TARGETS (kubernetes printers.go formatHPAMetrics): per metric `current/target`,
 * `<name>: ` before resource metrics, at most two then `+ N more...`.
 */
function hpaTargets(specs: Obj[], statuses: Obj[]): string {
  if (specs.length === 0) return "<none>";
  const sub = (o: Obj, k: string): Obj => (isObj(o[k]) ? (o[k] as Obj) : {});
  const list = specs.map((spec, i) => {
    const status = statuses[i] ?? {};
    const type = s(spec.type);
    const key = type === "Resource" ? "resource" : type === "ContainerResource" ? "containerResource" : "";
    if (key) {
      const target = sub(sub(spec, key), "target");
      const current = sub(sub(status, key), "current");
      const name = s(sub(spec, key).name);
      if (target.averageValue !== undefined)
        return `${name}: ${current.averageValue !== undefined ? s(current.averageValue) : "<unknown>"}/${s(target.averageValue)}`;
      const now =
        current.averageUtilization !== undefined ? `${s(current.averageUtilization)}%` : "<unknown>";
      const want = target.averageUtilization !== undefined ? `${s(target.averageUtilization)}%` : "<auto>";
      return `${name}: ${now}/${want}`;
    }
    if (type === "Pods") {
      const current = sub(sub(status, "pods"), "current");
      const target = sub(sub(spec, "pods"), "target");
      return `${current.averageValue !== undefined ? s(current.averageValue) : "<unknown>"}/${s(target.averageValue)}`;
    }
    const k = type === "Object" ? "object" : type === "External" ? "external" : "";
    if (!k) return "<unknown type>";
    const target = sub(sub(spec, k), "target");
    const current = sub(sub(status, k), "current");
    const avg = target.averageValue !== undefined;
    const c = avg ? current.averageValue : current.value;
    return `${c !== undefined ? s(c) : "<unknown>"}/${s(avg ? target.averageValue : target.value)}${avg ? " (avg)" : ""}`;
  });
  return list.length > 2 ? `${list.slice(0, 2).join(", ")} + ${list.length - 2} more...` : list.join(", ");
}

function hpaRow(o: Obj): Cell[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(o.status) ? o.status : {};
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  return [
    `${s(ref.kind)}/${s(ref.name)}`,
    hpaTargets(arr(spec.metrics), arr(st.currentMetrics)),
    spec.minReplicas === undefined ? "<unset>" : s(spec.minReplicas),
    s(spec.maxReplicas),
    s(st.currentReplicas ?? 0),
    age(meta(o).creationTimestamp),
  ];
}

/** kubectl's ResourceClaim STATE: pending, allocated[,reserved], deleted. */
function claimState(o: Obj): string {
  const st = isObj(o.status) ? o.status : {};
  const parts = meta(o).deletionTimestamp ? ["deleted"] : [];
  if (st.allocation) parts.push("allocated");
  if (arr(st.reservedFor).length) parts.push("reserved");
  return parts.length ? parts.join(",") : "pending";
}

interface Printer {
  columns: Column[];
  row: (o: Obj) => Cell[];
}

const ageOnly: Printer = { columns: [nameCol, ageCol], row: (o) => [age(meta(o).creationTimestamp)] };

const builtinPrinters: Record<string, Printer> = {
  "/pods": {
    columns: [
      nameCol,
      col("Ready"),
      col("Status"),
      col("Restarts"),
      ageCol,
      col("IP", "string", 1),
      col("Node", "string", 1),
      col("Nominated Node", "string", 1),
      col("Readiness Gates", "string", 1),
    ],
    row: podRow,
  },
  "/nodes": {
    columns: [
      nameCol,
      col("Status"),
      col("Roles"),
      ageCol,
      col("Version"),
      col("Internal-IP", "string", 1),
      col("External-IP", "string", 1),
      col("OS-Image", "string", 1),
      col("Kernel-Version", "string", 1),
      col("Container-Runtime", "string", 1),
    ],
    row: nodeRow,
  },
  "/services": {
    columns: [
      nameCol,
      col("Type"),
      col("Cluster-IP"),
      col("External-IP"),
      col("Port(s)"),
      ageCol,
      col("Selector", "string", 1),
    ],
    row: serviceRow,
  },
  "/events": {
    columns: [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message")],
    row: eventRow,
  },
  "/namespaces": {
    columns: [nameCol, col("Status"), ageCol],
    row: (o) => [s((o.status as Obj | undefined)?.phase) || "Active", age(meta(o).creationTimestamp)],
  },
  "/configmaps": {
    columns: [nameCol, col("Data", "integer"), ageCol],
    row: (o) => [
      Object.keys(isObj(o.data) ? o.data : {}).length +
        Object.keys(isObj(o.binaryData) ? o.binaryData : {}).length,
      age(meta(o).creationTimestamp),
    ],
  },
  "/secrets": {
    columns: [nameCol, col("Type"), col("Data", "integer"), ageCol],
    row: (o) => [
      s(o.type) || "Opaque",
      Object.keys(isObj(o.data) ? o.data : {}).length,
      age(meta(o).creationTimestamp),
    ],
  },
  "/serviceaccounts": {
    columns: [nameCol, col("Secrets", "integer"), ageCol],
    row: (o) => [arr(o.secrets).length, age(meta(o).creationTimestamp)],
  },
  "autoscaling/horizontalpodautoscalers": {
    columns: [
      nameCol,
      col("Reference"),
      col("Targets"),
      col("MinPods"),
      col("MaxPods"),
      col("Replicas"),
      ageCol,
    ],
    row: hpaRow,
  },
  "resource.k8s.io/resourceclaims": {
    columns: [nameCol, col("State"), ageCol],
    row: (o) => [claimState(o), age(meta(o).creationTimestamp)],
  },
  "resource.k8s.io/resourceslices": {
    columns: [nameCol, col("Node"), col("Driver"), col("Pool"), ageCol],
    row: (o) => {
      const spec = isObj(o.spec) ? o.spec : {};
      const pool = isObj(spec.pool) ? spec.pool : {};
      return [none(s(spec.nodeName)), s(spec.driver), s(pool.name), age(meta(o).creationTimestamp)];
    },
  },
  "coordination.k8s.io/leases": {
    columns: [nameCol, col("Holder"), ageCol],
    row: (o) => [none(s((o.spec as Obj | undefined)?.holderIdentity)), age(meta(o).creationTimestamp)],
  },
  "scheduling.k8s.io/priorityclasses": {
    columns: [
      nameCol,
      col("Value", "integer"),
      col("Global-Default", "boolean"),
      ageCol,
      col("PreemptionPolicy", "string", 1),
    ],
    row: (o) => [
      typeof o.value === "number" ? o.value : 0,
      o.globalDefault === true,
      age(meta(o).creationTimestamp),
      s(o.preemptionPolicy) || "PreemptLowerPriority",
    ],
  },
  "rbac.authorization.k8s.io/rolebindings": {
    columns: [nameCol, col("Role"), ageCol],
    row: (o) => {
      const ref = isObj(o.roleRef) ? o.roleRef : {};
      return [`${s(ref.kind)}/${s(ref.name)}`, age(meta(o).creationTimestamp)];
    },
  },
  "rbac.authorization.k8s.io/roles": {
    columns: [nameCol, col("Created At", "date")],
    row: (o) => [s(meta(o).creationTimestamp)],
  },
  "apiextensions.k8s.io/customresourcedefinitions": {
    columns: [nameCol, col("Created At", "date")],
    row: (o) => [s(meta(o).creationTimestamp)],
  },
};

function cellFor(c: PrinterColumn, o: Obj): Cell {
  const found = jsonPath(o, c.jsonPath);
  if (found.length === 0) return null;
  const v = found.length === 1 ? found[0] : found;
  if (c.type === "date") return age(v);
  if (v === null || v === undefined) return null;
  if (typeof v === "object") return JSON.stringify(v);
  if (c.type === "integer" || c.type === "number") return typeof v === "number" ? v : Number(v);
  if (c.type === "boolean") return typeof v === "boolean" ? v : String(v) === "true";
  return String(v);
}

function printerFor(def: ResourceDef): Printer {
  const key = `${def.group}/${def.plural}`;
  const b = builtinPrinters[key];
  if (b) return b;
  if (!def.builtin && def.printerColumns && def.printerColumns.length > 0) {
    const cols = def.printerColumns;
    return {
      columns: [
        nameCol,
        ...cols.map((c) => ({
          name: c.name,
          type: c.type === "date" ? "string" : c.type,
          format: c.format ?? "",
          description: c.description ?? "",
          priority: c.priority ?? 0,
        })),
      ],
      row: (o) => cols.map((c) => cellFor(c, o)),
    };
  }
  return ageOnly;
}

export type IncludeObject = "None" | "Metadata" | "Object";

function rowObject(o: Obj, include: IncludeObject): Obj | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: meta(o) };
}

/** A Table of `items`; `withColumns` false sends `[]` definitions (later watch events). */
export function buildTable(
  def: ResourceDef,
  items: Obj[],
  resourceVersion: string,
  include: IncludeObject,
  extra: Obj = {},
  withColumns = true,
): Obj {
  const p = printerFor(def);
  const hasName = p.columns[0]?.format === "name";
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion, ...extra },
    columnDefinitions: withColumns ? p.columns : [],
    rows: items.map((o) => {
      const row: Obj = { cells: hasName ? [s(getPath(o, "metadata.name")), ...p.row(o)] : p.row(o) };
      const ro = rowObject(o, include);
      if (ro) row.object = ro;
      return row;
    }),
  };
}
