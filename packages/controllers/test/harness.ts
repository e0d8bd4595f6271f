// Test harness: an in-process API server with the Grove CRDs, a stand-in for kube-controller-manager's
// token controller (fills SA token Secrets, grove-behaviour.md §20.2), the kubelet's half of graceful
// pod deletion (a bound pod marked for deletion is deleted for good), a write-counting client that can
// "crash" after N writes, and helpers that play scheduler and kubelet through the client.

import {
  type PodCliqueSet as ApiPodCliqueSet,
  defaultPodCliqueSet,
  groveCrds,
  PodCliqueSetType,
} from "@grove-ts/api";
import { type CreateOptions, createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  ApiError,
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  PodType,
  type ResourceType,
  SecretType,
  status,
  type WatchHandle,
} from "@grove-ts/runtime";
import { afterEach, beforeEach } from "vitest";
import { createGroveControllers, type GroveControllers, type GroveControllersOptions } from "../src/index.js";
import type { Pod } from "../src/kube-types.js";

export const NS = "default";

export interface Harness {
  api: InProcessApiServer;
  client: Client;
  close(): Promise<void>;
}

export async function startHarness(options: CreateOptions = {}): Promise<Harness> {
  const api = createApiServer(options);
  const client = api.client;
  for (const crd of groveCrds())
    await client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  await client.create(NodeType, { apiVersion: "v1", kind: "Node", metadata: { name: "node-a" } });
  const tokens = await fillServiceAccountTokens(client);
  const kubelet = await finishTerminatingPods(client);
  return {
    api,
    client,
    close: async () => {
      tokens.stop();
      kubelet.stop();
      await api.close();
    },
  };
}

/** Fills `data.token` of every service-account-token Secret, as the token controller does. */
async function fillServiceAccountTokens(client: Client): Promise<WatchHandle> {
  return client.watch<KubeObject & { type?: string; data?: Record<string, string> }>(SecretType, {}, (ev) => {
    const s = ev.object;
    if (ev.type !== "ADDED" || s.type !== "kubernetes.io/service-account-token" || s.data?.token) return;
    void client
      .patch(SecretType, s.metadata.name ?? "", s.metadata.namespace, {
        type: "merge",
        body: { data: { token: Buffer.from("test-token").toString("base64") } },
      })
      .catch(() => {});
  });
}

/**
 * The API server marks a bound pod for deletion and waits for its kubelet; there is none here, so
 * every such pod is deleted for good at once (uid precondition), as a kubelet does once the
 * containers stopped.
 */
async function finishTerminatingPods(client: Client): Promise<WatchHandle> {
  return client.watch<Pod>(PodType, {}, (ev) => {
    const p = ev.object;
    if (ev.type === "DELETED" || !p.metadata.deletionTimestamp || !p.spec?.nodeName) return;
    void client
      .delete(PodType, p.metadata.name ?? "", p.metadata.namespace, {
        gracePeriodSeconds: 0,
        ...(p.metadata.uid ? { preconditions: { uid: p.metadata.uid } } : {}),
      })
      .catch(() => {});
  });
}

export const WRITE_METHODS = [
  "create",
  "update",
  "updateStatus",
  "patch",
  "delete",
  "bind",
  "updateScale",
] as const;

export class CrashedError extends Error {
  readonly code = "ERR_TEST_CRASHED";
}

/** The 403 Forbidden a `refusing` client answers a create of `kind` with. */
export const forbidden = (kind: string) =>
  new ApiError(status(403, "Forbidden", `${kind.toLowerCase()}s is forbidden: test refuses creates`));

/**
 * `inner`, refusing every create of `refused` with 403 Forbidden (`forbidden`); the names of the
 * refused objects are pushed to `names` when given.
 */
export function refusing(inner: Client, refused: ResourceType, names?: string[]): Client {
  return new Proxy(inner, {
    get: (target, prop, recv) => {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== "function") return v;
      if (prop === "create")
        return async (type: ResourceType, obj: KubeObject, ...rest: unknown[]) => {
          if (type.kind === refused.kind) {
            names?.push(obj.metadata.name ?? "");
            throw forbidden(type.kind);
          }
          return v.call(target, type, obj, ...rest);
        };
      return v.bind(target);
    },
  });
}

/** A Client that counts writes per method/kind and, once `crashAfter` writes happened, fails every write. */
export class CountingClient {
  /** Writes the server accepted. */
  writes: { method: string; kind: string; name: string }[] = [];
  /** Writes attempted (accepted or not). */
  attempts = 0;
  crashAfter = Number.POSITIVE_INFINITY;
  readonly client: Client;
  constructor(inner: Client) {
    this.client = new Proxy(inner, {
      get: (target, prop, recv) => {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== "function") return v;
        if (!(WRITE_METHODS as readonly string[]).includes(prop as string)) return v.bind(target);
        return async (...args: unknown[]) => {
          if (this.attempts >= this.crashAfter) throw new CrashedError(`crashed before ${String(prop)}`);
          this.attempts++;
          const [type, second] = args as [{ kind?: string } | string, unknown];
          const sub = (args[4] as { subresource?: string } | undefined)?.subresource;
          const kind = (typeof type === "string" ? "Pod" : (type.kind ?? "?")) + (sub ? `/${sub}` : "");
          const out = await v.apply(target, args);
          const name =
            typeof second === "string"
              ? second
              : ((out as KubeObject | undefined)?.metadata?.name ??
                (second as KubeObject | undefined)?.metadata?.name ??
                "");
          this.writes.push({ method: String(prop), kind, name });
          return out;
        };
      },
    });
  }
  count(filter: (w: { method: string; kind: string; name: string }) => boolean = () => true): number {
    return this.writes.filter(filter).length;
  }
  reset(): void {
    this.writes = [];
    this.attempts = 0;
  }
}

export function fastControllers(client: Client, options: GroveControllersOptions = {}): GroveControllers {
  return createGroveControllers(client, { requeueAfterMs: 50, ...options });
}

/** What harnessPerTest hands each test. */
export interface PerTest {
  /** This test's harness. */
  readonly h: Harness;
  /** Starts fast controllers over `client` (default: the harness's), stopped after the test. */
  start(client?: Client, options?: GroveControllersOptions): Promise<GroveControllers>;
}

/**
 * For every test of the calling describe block: a fresh harness; the controllers a test starts with
 * `start` are stopped, and the server closed, after it.
 */
export function harnessPerTest(server: CreateOptions = {}): PerTest {
  let h: Harness | undefined;
  let ctl: GroveControllers | undefined;
  beforeEach(async () => {
    h = await startHarness(server);
  });
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    await h?.close();
  });
  return {
    get h() {
      if (!h) throw new Error("harnessPerTest: no harness outside a test");
      return h;
    },
    async start(client, options) {
      ctl = fastControllers(client ?? this.h.client, options);
      await ctl.start();
      return ctl;
    },
  };
}

/**
 * For every test of the calling describe block: a fresh harness with fast controllers running,
 * handed to `use`; the controllers are stopped and the server closed after the test.
 */
export function withControllersPerTest(use: (h: Harness) => void): void {
  const t = harnessPerTest();
  beforeEach(async () => {
    await t.start();
    use(t.h);
  });
}

export async function createPcs(client: Client, pcs: ApiPodCliqueSet): Promise<void> {
  await client.create(PodCliqueSetType, defaultPodCliqueSet(pcs) as unknown as KubeObject);
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function listPods(client: Client, labelSelector?: string): Promise<Pod[]> {
  return (await client.list<Pod>(PodType, { namespace: NS, ...(labelSelector ? { labelSelector } : {}) }))
    .items;
}

/** Plays scheduler and kubelet: binds every ungated, unbound pod and marks it Running and Ready. */
export async function scheduleAndReadyAll(client: Client, ready = true): Promise<number> {
  let n = 0;
  for (const p of await listPods(client)) {
    if (p.spec?.nodeName || (p.spec?.schedulingGates?.length ?? 0) > 0 || p.metadata.deletionTimestamp)
      continue;
    await client.bind(NS, p.metadata.name ?? "", "node-a");
    if (ready) await markReady(client, p.metadata.name ?? "");
    n++;
  }
  return n;
}

export async function markReady(client: Client, name: string): Promise<void> {
  const now = new Date().toISOString();
  const pod = await client.get<Pod>(PodType, name, NS);
  const conds = (pod?.status?.conditions ?? []).filter((c) => c.type !== "Ready");
  conds.push({ type: "Ready", status: "True", lastTransitionTime: now });
  await client.patch(
    PodType,
    name,
    NS,
    { type: "merge", body: { status: { phase: "Running", conditions: conds } } },
    {
      subresource: "status",
    },
  );
}

export const names = (objs: readonly KubeObject[]): string[] => objs.map((o) => o.metadata.name ?? "").sort();

/** Resolves once the controllers have had nothing to do for `quietMs`. */
export async function waitIdle(ctl: GroveControllers, quietMs = 150, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let since = Date.now();
  // Idle only when nothing is pending now and nothing was at any look since `since` (a slow event
  // loop must not end the wait while a requeue, e.g. a coalesced status write, is still due).
  for (;;) {
    if (ctl.pending() > 0) since = Date.now();
    else if (Date.now() - since >= quietMs) return;
    if (Date.now() > end) throw new Error(`controllers not idle: ${ctl.pending()} keys pending`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Plays scheduler and kubelet until every pod is ungated, bound and ready and the count is stable:
 * the gated pods of scaled gangs are released by the controllers once their base gang is scheduled.
 */
export async function runToReady(client: Client, expectedPods: number, timeoutMs = 15_000): Promise<Pod[]> {
  return waitFor(
    `${expectedPods} pods bound and ready`,
    async () => {
      await scheduleAndReadyAll(client);
      const pods = await listPods(client);
      return (
        pods.length === expectedPods &&
        pods.every(
          (p) =>
            p.spec?.nodeName && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        ) &&
        pods
      );
    },
    timeoutMs,
  );
}
