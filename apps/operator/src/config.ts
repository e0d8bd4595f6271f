// Grove's OperatorConfiguration file (operator.config.grove.io/v1alpha1, grove-api.md §10): parsed,
// validated with Grove's start-up rules (§9.8), and reduced to what grove-operator acts on. Fields
// Grove defines that grove-ts does not act on (profiling, ...) and fields nobody
// defines are accepted and reported, so one file serves both operators.
import type { GroveControllersConcurrency } from "@grove-ts/controllers";
import { parse as parseYaml } from "yaml";
import { type ProfilePolicies, profilePolicies } from "./profiles.js";

export const OPERATOR_CONFIG_API_VERSION = "operator.config.grove.io/v1alpha1";
export const OPERATOR_CONFIG_KIND = "OperatorConfiguration";

export type ConfigLogLevel = "debug" | "info" | "error";

/**
 * What grove-operator takes from the file; each field only when the file sets it. From
 * `scheduler.profiles[].config.placement` (profiles.ts): the gang scheduler's placement policies.
 */
export interface OperatorFileConfig extends ProfilePolicies {
  qps?: number;
  burst?: number;
  concurrency: Partial<GroveControllersConcurrency>;
  logLevel?: ConfigLogLevel;
  logFormat?: "json" | "text";
  topologyAwareScheduling?: boolean;
  /** network.autoMNNVLEnabled: ComputeDomains for MNNVL groups; the CRD must exist at start. */
  autoMNNVLEnabled?: boolean;
  /** initContainer.image (a grove-ts extension; Grove reads $GROVE_INIT_CONTAINER_IMAGE only). */
  initContainerImage?: string;
  /**
   * scheduler.nonPreemptiblePriority (a grove-ts extension): running pods of this priority or
   * higher are never preempted by the gang scheduler (KAI's 100 when unset); null: no limit.
   */
  nonPreemptiblePriority?: number | null;
  /**
   * scheduler.nominationMargin (a grove-ts extension, a duration): a preemptor's nomination whose
   * victims are not gone within their longest grace period plus this is dropped (default 30s).
   */
  nominationMarginMs?: number;
  /**
   * scheduler.evictionBackoff (a grove-ts extension, a duration > 0): first retry delay of a
   * victim's eviction the API server refused, doubling up to 30 s (default 1s).
   */
  evictionBackoffMs?: number;
  /** server.webhooks.* as set in the file. */
  webhooks: {
    bindAddress?: string;
    port?: number;
    certProvisionMode?: "auto" | "manual";
    secretName?: string;
    serverCertDir?: string;
  };
  /** authorizer.* as set in the file. */
  authorizer: { enabled?: boolean; exemptServiceAccountUserNames?: string[] };
  /** leaderElection.* as set in the file (durations in ms); absent when the file has no section. */
  leaderElection?: {
    enabled: boolean;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
    resourceName?: string;
    resourceNamespace?: string;
  };
  /** server.healthProbes.* as set in the file (absent: the file sets neither). */
  healthProbes?: ServerEndpoint;
  /** server.metrics.* as set in the file (absent: the file sets neither). */
  metrics?: ServerEndpoint;
  /** Dotted paths of set fields grove-operator does not act on (Grove's or unknown), sorted. */
  ignored: string[];
}

/** A plain-HTTP server's address in the file (Go defaults: bindAddress "", every interface). */
export interface ServerEndpoint {
  bindAddress?: string;
  port?: number;
}

export interface FieldProblem {
  field: string;
  rule: string;
}

/** The file cannot be used: every problem found, each naming its field and rule. */
export class OperatorConfigError extends Error {
  readonly code = "InvalidOperatorConfiguration";
  constructor(
    readonly source: string,
    readonly problems: FieldProblem[],
  ) {
    super(`${source}: ${problems.map((p) => `${p.field}: ${p.rule}`).join("; ")}`);
    this.name = "OperatorConfigError";
  }
}

/** Controller config keys of the file -> grove-ts's concurrency keys. */
const CONTROLLERS: Record<string, keyof GroveControllersConcurrency> = {
  podCliqueSet: "pcs",
  podClique: "pclq",
  podCliqueScalingGroup: "pcsg",
  podGang: "podgang",
};

/** Leaf paths grove-operator acts on (everything else set in the file is reported as ignored). */
const HONOURED = new Set([
  "apiVersion",
  "kind",
  "runtimeClientConnection.qps",
  "runtimeClientConnection.burst",
  "logLevel",
  "logFormat",
  "topologyAwareScheduling.enabled",
  "network.autoMNNVLEnabled",
  "initContainer.image",
  "scheduler.nonPreemptiblePriority",
  "scheduler.nominationMargin",
  "scheduler.evictionBackoff",
  ...["enabled", "leaseDuration", "renewDeadline", "retryPeriod", "resourceLock", "resourceName"].map(
    (k) => `leaderElection.${k}`,
  ),
  "leaderElection.resourceNamespace",
  "server.webhooks.bindAddress",
  "server.webhooks.port",
  "server.webhooks.certProvisionMode",
  "server.webhooks.secretName",
  "server.webhooks.serverCertDir",
  "authorizer.enabled",
  "authorizer.exemptServiceAccountUserNames",
  "server.healthProbes.bindAddress",
  "server.healthProbes.port",
  "server.metrics.bindAddress",
  "server.metrics.port",
  ...Object.keys(CONTROLLERS).map((c) => `controllers.${c}.concurrentSyncs`),
]);

const PROFILE_NAMES = ["kai-scheduler", "default-scheduler", "volcano", "lpx-scheduler"];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Go's time.ParseDuration subset Kubernetes configs use ("15s", "1m30s", "500ms"), in ms. */
function durationMs(v: unknown): number | undefined {
  if (typeof v !== "string" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(m[1]) * (unit[m[2] ?? ""] ?? 0);
  return ms;
}

function leaves(v: unknown, prefix: string, out: string[]): void {
  if (isObj(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.push(prefix);
}

/** Parses and validates an OperatorConfiguration document. Throws OperatorConfigError. */
export function parseOperatorConfig(text: string, source = "config"): OperatorFileConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new OperatorConfigError(source, [{ field: "(file)", rule: `not YAML: ${(err as Error).message}` }]);
  }
  if (!isObj(doc))
    throw new OperatorConfigError(source, [{ field: "(file)", rule: "must be a YAML mapping" }]);
  return validateOperatorConfig(doc, source);
}

/** Grove's start-up validation (grove-api.md §9.8) plus the types of the fields grove-operator uses. */
export function validateOperatorConfig(doc: Obj, source = "config"): OperatorFileConfig {
  const problems: FieldProblem[] = [];
  const bad = (field: string, rule: string) => problems.push({ field, rule });
  const out: OperatorFileConfig = { concurrency: {}, webhooks: {}, authorizer: {}, ignored: [] };

  if (doc.apiVersion !== OPERATOR_CONFIG_API_VERSION)
    bad("apiVersion", `must be ${OPERATOR_CONFIG_API_VERSION}, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== OPERATOR_CONFIG_KIND)
    bad("kind", `must be ${OPERATOR_CONFIG_KIND}, got ${JSON.stringify(doc.kind)}`);

  const section = (v: unknown, field: string): Obj | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      bad(field, "must be a mapping");
      return undefined;
    }
    return v;
  };

  const conn = section(doc.runtimeClientConnection, "runtimeClientConnection");
  if (conn?.qps !== undefined) {
    if (typeof conn.qps !== "number" || !Number.isFinite(conn.qps))
      bad("runtimeClientConnection.qps", "must be a number");
    else out.qps = conn.qps;
  }
  if (conn?.burst !== undefined) {
    if (typeof conn.burst !== "number" || !Number.isInteger(conn.burst))
      bad("runtimeClientConnection.burst", "must be an integer");
    else if (conn.burst < 0) bad("runtimeClientConnection.burst", "must be >= 0");
    else out.burst = conn.burst;
  }

  const controllers = section(doc.controllers, "controllers");
  for (const [name, key] of Object.entries(CONTROLLERS)) {
    const field = `controllers.${name}`;
    const c = section(controllers?.[name], field);
    if (c?.concurrentSyncs === undefined) continue;
    const n = c.concurrentSyncs;
    if (typeof n !== "number" || !Number.isInteger(n)) bad(`${field}.concurrentSyncs`, "must be an integer");
    else if (n <= 0) bad(`${field}.concurrentSyncs`, "must be > 0");
    else out.concurrency[key] = n;
  }

  if (doc.logLevel !== undefined) {
    if (doc.logLevel === "debug" || doc.logLevel === "info" || doc.logLevel === "error")
      out.logLevel = doc.logLevel;
    else bad("logLevel", `must be one of debug, info, error, got ${JSON.stringify(doc.logLevel)}`);
  }
  if (doc.logFormat !== undefined) {
    if (doc.logFormat === "json" || doc.logFormat === "text") out.logFormat = doc.logFormat;
    else bad("logFormat", `must be one of json, text, got ${JSON.stringify(doc.logFormat)}`);
  }

  const tas = section(doc.topologyAwareScheduling, "topologyAwareScheduling");
  if (tas?.enabled !== undefined) {
    if (typeof tas.enabled !== "boolean") bad("topologyAwareScheduling.enabled", "must be a boolean");
    else out.topologyAwareScheduling = tas.enabled;
  }

  const network = section(doc.network, "network");
  if (network?.autoMNNVLEnabled !== undefined) {
    if (typeof network.autoMNNVLEnabled !== "boolean") bad("network.autoMNNVLEnabled", "must be a boolean");
    else out.autoMNNVLEnabled = network.autoMNNVLEnabled;
  }

  // A grove-ts extension: the grove-initc image (a repository gets ":<operator version>").
  const initc = section(doc.initContainer, "initContainer");
  if (initc?.image !== undefined) {
    if (typeof initc.image !== "string" || initc.image === "" || /\s/.test(initc.image))
      bad("initContainer.image", "must be an image reference, repository[:tag], without spaces");
    else out.initContainerImage = initc.image;
  }

  const server = section(doc.server, "server");
  const wh = section(server?.webhooks, "server.webhooks");
  if (wh) {
    const f = "server.webhooks";
    if (wh.bindAddress !== undefined) {
      if (typeof wh.bindAddress !== "string") bad(`${f}.bindAddress`, "must be a string");
      else out.webhooks.bindAddress = wh.bindAddress;
    }
    if (wh.port !== undefined) {
      if (typeof wh.port !== "number" || !Number.isInteger(wh.port) || wh.port < 0 || wh.port > 65535)
        bad(`${f}.port`, "must be an integer port (0-65535)");
      else out.webhooks.port = wh.port;
    }
    if (wh.certProvisionMode !== undefined) {
      if (wh.certProvisionMode !== "auto" && wh.certProvisionMode !== "manual")
        bad(
          `${f}.certProvisionMode`,
          `must be one of auto, manual, got ${JSON.stringify(wh.certProvisionMode)}`,
        );
      else out.webhooks.certProvisionMode = wh.certProvisionMode;
    }
    for (const k of ["secretName", "serverCertDir"] as const) {
      if (wh[k] === undefined) continue;
      if (typeof wh[k] !== "string" || wh[k] === "") bad(`${f}.${k}`, "must be a non-empty string");
      else out.webhooks[k] = wh[k] as string;
    }
  }
  for (const name of ["healthProbes", "metrics"] as const) {
    const f = `server.${name}`;
    const sec = section(server?.[name], f);
    if (!sec) continue;
    const ep: ServerEndpoint = {};
    if (sec.bindAddress !== undefined) {
      if (typeof sec.bindAddress !== "string") bad(`${f}.bindAddress`, "must be a string");
      else ep.bindAddress = sec.bindAddress;
    }
    if (sec.port !== undefined) {
      if (typeof sec.port !== "number" || !Number.isInteger(sec.port) || sec.port < 0 || sec.port > 65535)
        bad(`${f}.port`, "must be an integer port (0-65535; 0 = any free port)");
      else ep.port = sec.port;
    }
    if (Object.keys(ep).length > 0) out[name] = ep;
  }
  const authz = section(doc.authorizer, "authorizer");
  if (authz?.enabled !== undefined) {
    if (typeof authz.enabled !== "boolean") bad("authorizer.enabled", "must be a boolean");
    else out.authorizer.enabled = authz.enabled;
  }
  if (authz?.exemptServiceAccountUserNames !== undefined) {
    const list = authz.exemptServiceAccountUserNames;
    if (!Array.isArray(list) || list.some((u) => typeof u !== "string"))
      bad("authorizer.exemptServiceAccountUserNames", "must be a list of user names");
    else out.authorizer.exemptServiceAccountUserNames = list as string[];
  }

  // Grove's rules for the profiles (a file Grove rejects is rejected here); of each profile's
  // config, grove-operator acts on `placement` only.
  const profileIgnored: string[] = [];
  const scheduler = section(doc.scheduler, "scheduler");
  if (scheduler) {
    const profiles = scheduler.profiles;
    const names: string[] = [];
    if (profiles !== undefined && !Array.isArray(profiles)) bad("scheduler.profiles", "must be a list");
    else if (Array.isArray(profiles)) {
      if (profiles.length === 0) bad("scheduler.profiles", "must have at least one profile");
      profiles.forEach((p, i) => {
        const name = isObj(p) ? p.name : undefined;
        if (typeof name !== "string" || !PROFILE_NAMES.includes(name))
          bad(
            `scheduler.profiles[${i}].name`,
            `must be one of ${PROFILE_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
          );
        else if (names.includes(name)) bad(`scheduler.profiles[${i}].name`, `duplicate profile ${name}`);
        else names.push(name);
      });
    }
    // Grove's defaulting adds default-scheduler and names it the default profile.
    const dflt = scheduler.defaultProfileName ?? "default-scheduler";
    if (typeof dflt !== "string" || dflt === "") bad("scheduler.defaultProfileName", "required");
    else if (Array.isArray(profiles) && ![...names, "default-scheduler"].includes(dflt))
      bad("scheduler.defaultProfileName", `must be one of the profiles, got ${JSON.stringify(dflt)}`);
    Object.assign(out, profilePolicies(profiles, String(dflt), bad, profileIgnored));
    const npp = scheduler.nonPreemptiblePriority;
    if (npp === null) out.nonPreemptiblePriority = null;
    else if (npp !== undefined) {
      if (typeof npp !== "number" || !Number.isInteger(npp))
        bad("scheduler.nonPreemptiblePriority", `must be an integer or null, got ${JSON.stringify(npp)}`);
      else out.nonPreemptiblePriority = npp;
    }
    for (const [k, min, key] of [
      ["nominationMargin", 0, "nominationMarginMs"],
      ["evictionBackoff", 1, "evictionBackoffMs"],
    ] as const) {
      if (scheduler[k] === undefined) continue;
      const ms = durationMs(scheduler[k]);
      if (ms === undefined || ms < min)
        bad(
          `scheduler.${k}`,
          `must be a duration${min > 0 ? " of at least 1ms" : ""} such as "30s" or "500ms", got ${JSON.stringify(scheduler[k])}`,
        );
      else out[key] = ms;
    }
  }

  const le = section(doc.leaderElection, "leaderElection");
  if (le) {
    if (le.enabled !== undefined && typeof le.enabled !== "boolean")
      bad("leaderElection.enabled", "must be a boolean");
    const enabled = le.enabled === true;
    out.leaderElection = { enabled };
    // Grove defaults the section before validating it (15s / 10s / 2s, leases,
    // grove-operator-leader-election; an empty lock or name is defaulted too), so only values the
    // file sets can break a rule.
    const d: Record<string, number | undefined> = {};
    for (const k of ["leaseDuration", "renewDeadline", "retryPeriod"]) {
      if (le[k] === undefined) continue;
      d[k] = durationMs(le[k]);
      if (d[k] === undefined || (d[k] ?? 0) <= 0) {
        if (enabled) bad(`leaderElection.${k}`, "must be a duration > 0");
        d[k] = undefined;
      }
    }
    const lease = d.leaseDuration ?? 15_000;
    const renew = d.renewDeadline ?? 10_000;
    const retry = d.retryPeriod ?? 2_000;
    if (enabled && lease <= renew) bad("leaderElection.leaseDuration", "must be greater than renewDeadline");
    // client-go's own start-up rules (NewLeaderElector), checked here so the file names the field.
    if (enabled && lease < 1000)
      bad("leaderElection.leaseDuration", "must be at least 1s (the Lease stores whole seconds)");
    if (enabled && renew <= 1.2 * retry)
      bad("leaderElection.renewDeadline", "must be greater than retryPeriod * 1.2 (client-go's jitter)");
    for (const k of ["resourceLock", "resourceName", "resourceNamespace"])
      if (le[k] !== undefined && le[k] !== null && typeof le[k] !== "string")
        bad(`leaderElection.${k}`, "must be a string");
    if (typeof le.resourceLock === "string" && le.resourceLock !== "" && le.resourceLock !== "leases")
      bad(
        "leaderElection.resourceLock",
        `must be leases (the only lock grove-operator implements), got ${JSON.stringify(le.resourceLock)}`,
      );
    if (d.leaseDuration !== undefined) out.leaderElection.leaseDurationMs = d.leaseDuration;
    if (d.renewDeadline !== undefined) out.leaderElection.renewDeadlineMs = d.renewDeadline;
    if (d.retryPeriod !== undefined) out.leaderElection.retryPeriodMs = d.retryPeriod;
    if (typeof le.resourceName === "string" && le.resourceName)
      out.leaderElection.resourceName = le.resourceName;
    if (typeof le.resourceNamespace === "string" && le.resourceNamespace)
      out.leaderElection.resourceNamespace = le.resourceNamespace;
  }

  if (problems.length > 0) throw new OperatorConfigError(source, problems);
  const set: string[] = [];
  leaves(doc, "", set);
  // Profiles are acted on once one of them sets a placement policy; then their other config keys are listed.
  const honoured = (p: string) =>
    HONOURED.has(p) ||
    (out.placementPolicies !== undefined &&
      (p === "scheduler.profiles" || p === "scheduler.defaultProfileName"));
  out.ignored = [...set.filter((p) => !honoured(p)), ...(out.placementPolicies ? profileIgnored : [])].sort();
  return out;
}
