// Builders for validation and defaulting tests: a valid PodCliqueSet, then small mutations addressed by
// field path (`spec.template.cliques[0].spec.replicas`, `metadata.annotations["grove.io/mnnvl-group"]`).

import { expect } from "vitest";
import { defaultPodCliqueSet } from "../../src/defaulting/index.js";
import type { FieldError, FieldErrorType } from "../../src/field-errors.js";
import type { ClusterTopologyBinding, PodCliqueSet } from "../../src/types.js";
import {
  podCliqueSetWarnings,
  type ValidationOptions,
  validatePodCliqueSet,
} from "../../src/validation/index.js";

export type Json = { [k: string]: unknown };

/** Marker value: delete the key instead of setting it. */
export const DELETE = Symbol("delete");

function tokens(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\["([^"]+)"\]|\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** Sets (or with DELETE removes) the value at `path`, creating objects on the way. Mutates `o`. */
export function setPath(o: unknown, path: string, value: unknown): void {
  const ts = tokens(path);
  let cur = o as Record<string | number, unknown>;
  for (let i = 0; i < ts.length - 1; i++) {
    const t = ts[i] as string | number;
    if (cur[t] === undefined || cur[t] === null || typeof cur[t] !== "object") {
      cur[t] = typeof ts[i + 1] === "number" ? [] : {};
    }
    cur = cur[t] as Record<string | number, unknown>;
  }
  const last = ts[ts.length - 1] as string | number;
  if (value === DELETE) {
    if (Array.isArray(cur) && typeof last === "number") cur.splice(last, 1);
    else delete cur[last];
  } else cur[last] = value;
}

export function getPath(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const t of tokens(path)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[t];
  }
  return cur;
}

/** A copy of `o` with every `path: value` of `changes` applied in order. */
export function mutate<T>(o: T, changes: Record<string, unknown> = {}): T {
  const c = structuredClone(o);
  for (const [p, v] of Object.entries(changes)) setPath(c, p, v);
  return c;
}

export function clique(name: string, replicas = 2): Json {
  return {
    name,
    spec: {
      roleName: `role-${name}`,
      replicas,
      podSpec: {
        containers: [{ name: "main", image: "busybox:latest", env: [{ name: "MODE", value: "x" }] }],
      },
    },
  };
}

/**
 * As a user submits it: standalone clique `a`, PCSG `sg` of cliques `b` and `c`, AnyOrder startup,
 * default scheduler. Valid after defaulting with default options.
 */
export function submittedPcs(): PodCliqueSet {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: "demo", namespace: "default" },
    spec: {
      replicas: 1,
      template: {
        cliques: [clique("a"), clique("b", 1), clique("c", 3)],
        podCliqueScalingGroups: [{ name: "sg", cliqueNames: ["b", "c"] }],
      },
    },
  } as unknown as PodCliqueSet;
}

/** submittedPcs() after defaulting: the valid base every rule test mutates. */
export function validPcs(): PodCliqueSet {
  return defaultPodCliqueSet(submittedPcs());
}

/** The e2e cluster's shared topology (grove-behaviour.md §18.6): zone > block > rack > host. */
export function ctb(
  name = "grove-topology",
  domains = ["zone", "block", "rack", "host"],
): ClusterTopologyBinding {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "ClusterTopologyBinding",
    metadata: { name },
    spec: { levels: domains.map((d) => ({ domain: d, key: `topology.example.com/${d}` })) },
  } as unknown as ClusterTopologyBinding;
}

export function lookup(
  ...ctbs: ClusterTopologyBinding[]
): (name: string) => ClusterTopologyBinding | undefined {
  return (name) => ctbs.find((c) => (c.metadata as { name?: string } | undefined)?.name === name);
}

export interface Expect {
  field: string;
  type: FieldErrorType;
  /** A fragment of the message. */
  msg?: string;
}

export interface RuleCase {
  name: string;
  /** Changes applied to validPcs() (the new object). */
  set?: Record<string, unknown>;
  /** For update cases: changes applied to validPcs() to make the old object; `set` then applies on top. */
  old?: Record<string, unknown>;
  options?: ValidationOptions;
  /** Undefined: accepted (no errors at all). */
  reject?: Expect;
  /** Start from this object instead of validPcs(). */
  base?: () => PodCliqueSet;
}

export function objects(c: RuleCase): { pcs: PodCliqueSet; old?: PodCliqueSet } {
  const base = (c.base ?? validPcs)();
  if (c.old === undefined) return { pcs: mutate(base, c.set) };
  const old = mutate(base, c.old);
  return { pcs: mutate(old, c.set), old };
}

export function errorsOf(c: RuleCase): FieldError[] {
  const { pcs, old } = objects(c);
  return validatePodCliqueSet(pcs, old, c.options);
}

export function warningsOf(c: RuleCase): string[] {
  const { pcs, old } = objects(c);
  return podCliqueSetWarnings(pcs, old, c.options);
}

/** Asserts the case: accepted → no errors; rejected → an error with that exact path and type. */
export function check(c: RuleCase): void {
  const errs = errorsOf(c);
  if (!c.reject) {
    expect(errs).toEqual([]);
    return;
  }
  expect(errs).toContainEqual(
    expect.objectContaining({
      field: c.reject.field,
      type: c.reject.type,
      message: expect.stringContaining(c.reject.msg ?? ""),
    }),
  );
}
