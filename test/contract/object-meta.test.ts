// ObjectMeta validation, one case table run against every target (targets.ts): our API server in
// process and over HTTP (project "grove"), kube-apiserver v1.37.2 over HTTPS (project "kube"). A bad
// name, generateName, finalizer, owner reference or annotation set is a 422 Invalid whose message is
// kube-apiserver's, word for word (our server checks ObjectMeta once, with @grove-ts/api's
// validateObjectMeta and the kind's name rule: packages/apiserver/src/strategies/). Every write is a
// dry run, so the cases share one namespace and leave nothing behind.
import {
  type Client,
  ConfigMapType,
  isApiError,
  type KubeObject,
  LeaseType,
  NamespaceType,
  type ResourceType,
  RoleType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Target, targets } from "./targets.js";

const ns = "object-meta";
const subdomainRule =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qualifiedRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const notQualified = "name is neither a standard finalizer name nor is it fully qualified";
const ref = { apiVersion: "v1", kind: "Pod", name: "p", uid: "u" };

/** Objects kube-apiserver refuses, and its message (`XXXXX` stands for a generated name's suffix). */
const refusals: [string, ResourceType, Record<string, unknown>, string][] = [
  [
    "a finalizer that is no qualified name",
    ConfigMapType,
    { name: "a", finalizers: ["bad finalizer!"] },
    `ConfigMap "a" is invalid: [metadata.finalizers: Invalid value: "bad finalizer!": ${qualifiedRule}, metadata.finalizers[0]: Invalid value: "bad finalizer!": ${notQualified}]`,
  ],
  [
    "an unqualified finalizer on a core kind",
    ConfigMapType,
    { name: "a", finalizers: ["plain"] },
    `ConfigMap "a" is invalid: metadata.finalizers[0]: Invalid value: "plain": ${notQualified}`,
  ],
  [
    "an unqualified finalizer on a Role",
    RoleType,
    { name: "r", finalizers: ["plain"] },
    `Role.rbac.authorization.k8s.io "r" is invalid: metadata.finalizers[0]: Invalid value: "plain": ${notQualified}`,
  ],
  [
    "orphan and foregroundDeletion together",
    ConfigMapType,
    { name: "a", finalizers: ["foregroundDeletion", "orphan"] },
    `ConfigMap "a" is invalid: metadata.finalizers: Invalid value: ["foregroundDeletion","orphan"]: finalizer orphan and foregroundDeletion cannot be both set`,
  ],
  [
    "an owner reference with nothing set",
    ConfigMapType,
    { name: "a", ownerReferences: [{ apiVersion: "", kind: "", name: "", uid: "" }] },
    `ConfigMap "a" is invalid: [${["apiVersion", "kind", "name", "uid"].map((f) => `metadata.ownerReferences[0].${f}: Required value: must not be empty`).join(", ")}]`,
  ],
  [
    "owner references with malformed apiVersions",
    ConfigMapType,
    {
      name: "a",
      ownerReferences: [
        { ...ref, apiVersion: "/v1" },
        { ...ref, apiVersion: "a/b/c" },
        { ...ref, apiVersion: "apps/" },
      ],
    },
    `ConfigMap "a" is invalid: [metadata.ownerReferences[1].apiVersion: Invalid value: "a/b/c": must be <group>/<version> or <version>, metadata.ownerReferences[2].apiVersion: Invalid value: "apps/": must be <group>/<version> or <version>]`,
  ],
  [
    "a generateName that is no subdomain",
    ConfigMapType,
    { generateName: "Bad_" },
    `ConfigMap "Bad_XXXXX" is invalid: [metadata.generateName: Invalid value: "Bad_": ${subdomainRule}, metadata.name: Invalid value: "Bad_XXXXX": ${subdomainRule}]`,
  ],
  [
    // apimachinery's maskTrailingDash turns "a_-" into "aa": only the generated name is refused.
    "a generateName whose trailing dash hides the bad character",
    ConfigMapType,
    { generateName: "a_-" },
    `ConfigMap "a_-XXXXX" is invalid: metadata.name: Invalid value: "a_-XXXXX": ${subdomainRule}`,
  ],
  [
    "a Namespace generateName with a dot",
    NamespaceType,
    { generateName: "a.b-" },
    `Namespace "a.b-XXXXX" is invalid: [metadata.generateName: Invalid value: "a.b-": must not contain dots, metadata.name: Invalid value: "a.b-XXXXX": must not contain dots]`,
  ],
  [
    "a Role name with '/' and '%'",
    RoleType,
    { name: "a/%b" },
    `Role.rbac.authorization.k8s.io "a/%b" is invalid: [metadata.name: Invalid value: "a/%b": may not contain '/', metadata.name: Invalid value: "a/%b": may not contain '%']`,
  ],
  [
    "a Role named '..'",
    RoleType,
    { name: ".." },
    `Role.rbac.authorization.k8s.io ".." is invalid: metadata.name: Invalid value: "..": may not be '..'`,
  ],
  [
    "a Role generateName with '/'",
    RoleType,
    { generateName: "a/" },
    `Role.rbac.authorization.k8s.io "a/XXXXX" is invalid: [metadata.generateName: Invalid value: "a/": may not contain '/', metadata.name: Invalid value: "a/XXXXX": may not contain '/']`,
  ],
  [
    // The limit is in bytes: 131,072 two-byte characters and a one-byte key are 262,145.
    "annotations over 256 KiB counted in bytes",
    ConfigMapType,
    { name: "a", annotations: { a: "é".repeat(131_072) } },
    `ConfigMap "a" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes`,
  ],
];

/** Objects kube-apiserver accepts although they look close to a refusal above. */
const accepted: [string, ResourceType, Record<string, unknown>][] = [
  ["an unqualified finalizer on a Lease", LeaseType, { name: "l", finalizers: ["plain"] }],
  ["standard finalizers on a core kind", ConfigMapType, { name: "a", finalizers: ["kubernetes", "orphan"] }],
  ["a Role named as Grove names its Roles", RoleType, { name: "grove.io:pcs:simple1" }],
  [
    "an owner reference to the core group with a leading slash",
    ConfigMapType,
    { name: "a", ownerReferences: [{ ...ref, apiVersion: "/v1" }] },
  ],
  ["a generateName ending in two dashes", ConfigMapType, { generateName: "x--" }],
];

describe.each(targets)("ObjectMeta validation: $name", ({ start }) => {
  let target: Target;
  let c: Client;

  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(NamespaceType, { metadata: { name: ns } });
  });
  afterAll(async () => {
    await target.close();
  });

  const dryRunCreate = (type: ResourceType, metadata: Record<string, unknown>): Promise<KubeObject> =>
    c.create(
      type,
      { metadata: { ...metadata, ...(type.namespaced ? { namespace: ns } : {}) } } as KubeObject,
      {
        dryRun: true,
      },
    );

  it.each(refusals)("%s is a 422", async (_, type, metadata, message) => {
    const err = await dryRunCreate(type, metadata).then(
      () => new Error("expected a 422"),
      (e: unknown) => e,
    );
    const seen = isApiError(err) && {
      code: err.code,
      reason: err.reason,
      message: (err.status.message ?? "").replace(/"([^"]*-|Bad_|a\/)[a-z0-9]{5}"/g, '"$1XXXXX"'),
    };
    expect(seen).toEqual({ code: 422, reason: "Invalid", message });
  });

  it.each(accepted)("%s is accepted", async (_, type, metadata) => {
    const created = await dryRunCreate(type, metadata);
    expect(created.metadata.uid).toBeDefined();
  });
});
