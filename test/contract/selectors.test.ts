// Label and field selectors, one case table run against every target (targets.ts): our API server in
// process and over HTTP (project "grove"), kube-apiserver v1.37.2 over HTTPS (project "kube"). A
// valid selector lists exactly the objects Kubernetes selects; a bad one is a 400 BadRequest whose
// message is kube-apiserver's, word for word (our server answers with runtime's parser, the one copy:
// packages/runtime/src/selectors.ts, a port of apimachinery's labels and fields parsers).
import {
  type Client,
  ConfigMapType,
  EventType,
  isApiError,
  type KubeObject,
  NamespaceType,
  NodeType,
  PodType,
  type ResourceType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Target, targets } from "./targets.js";

const keyRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const subdomainRule =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const req = "unable to parse requirement: ";
const long = "k".repeat(64);
const longPrefix = `${"p".repeat(254)}/a`;

/** The objects every case lists from, by name: their labels. */
const objects: Record<string, Record<string, string>> = {
  a1: { app: "a", n: "1" },
  b5: { app: "b", n: "5", tier: "web" },
  r: { "example.com/role": "x", n: "x" },
  none: {},
};

/** Label selectors Kubernetes accepts, and the objects each selects. */
const labelSelects: [string, string[]][] = [
  ["app=a", ["a1"]],
  ["app==a", ["a1"]],
  ["app!=a", ["b5", "none", "r"]],
  ["app in (a,b)", ["a1", "b5"]],
  ["app notin (a)", ["b5", "none", "r"]],
  ["app", ["a1", "b5"]],
  ["!app", ["none", "r"]],
  ["n>1", ["b5"]],
  ["n<5", ["a1"]],
  ["n>0,n<5", ["a1"]],
  ["app=a,!tier", ["a1"]],
  ["example.com/role=x", ["r"]],
  [" app = a , tier in ( web ) ", []],
  ["app in ()", []],
  ["app in (,b)", ["b5"]],
  ["app=", []],
  ["in", []],
  ["app in (in)", []],
];

/** Label selectors kube-apiserver refuses, and its message. */
const labelRefusals: [string, string][] = [
  ["a=b,", "found '', expected: identifier after ','"],
  ["a,,b", "found ',', expected: identifier after ','"],
  [",a", "found ',', expected: !, identifier, or 'end of string'"],
  ["=b", "found '=', expected: !, identifier, or 'end of string'"],
  ["a=b c", "found 'c', expected: ',' or 'end of string'"],
  ["!a=b", "found '=', expected: ',' or 'end of string'"],
  ["a b", `${req}found 'b', expected: in, notin, =, ==, !=, gt, lt`],
  ["a!b", `${req}found '!', expected: in, notin, =, ==, !=, gt, lt`],
  ["a===b", `${req}found '=', expected: identifier`],
  ["a in x", `${req}found 'x' expected: '('`],
  ["a in (x", `${req}found '', expected: ',' or ')'`],
  ["!", `${req}found '', expected: identifier`],
  ["!!a", `${req}found '!', expected: identifier`],
  ["a>x", `${req}values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
  ["a>", `${req}values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
  [
    "a>99999999999999999999",
    `${req}values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
  ],
  ["a>-1", `${req}values[0][a]: Invalid value: "-1": ${valueRule}`],
  [`${long}=b`, `${req}<nil>: Invalid value: "${long}": name part must be no more than 63 bytes`],
  [`a=${long}`, `${req}values[0][a]: Invalid value: "${long}": must be no more than 63 bytes`],
  ["-a=b", `${req}<nil>: Invalid value: "-a": ${keyRule}`],
  ["x@y", `${req}<nil>: Invalid value: "x@y": ${keyRule}`],
  ["Example.com/a=b", `${req}<nil>: Invalid value: "Example.com/a": prefix part ${subdomainRule}`],
  [
    `${longPrefix}=b`,
    `${req}<nil>: Invalid value: "${longPrefix}": prefix part must be no more than 253 bytes`,
  ],
  ["/a=b", `${req}<nil>: Invalid value: "/a": prefix part must be non-empty`],
  [
    "a/b/c=d",
    `${req}<nil>: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  ],
  ["a=-b", `${req}values[0][a]: Invalid value: "-b": ${valueRule}`],
  [
    "a in (-b,-c)",
    `${req}[values[0][a]: Invalid value: "-b": ${valueRule}, values[1][a]: Invalid value: "-c": ${valueRule}]`,
  ],
];

/** Field selectors (metadata.name and metadata.namespace: what every kind supports). */
const fieldSelects: [string, string[]][] = [
  ["metadata.name=a1", ["a1"]],
  ["metadata.name==a1", ["a1"]],
  ["metadata.name!=a1", ["b5", "none", "r"]],
  ["metadata.name=a1,", ["a1"]],
  [",metadata.name=a1", ["a1"]],
  ["metadata.name!=a1,metadata.name!=r", ["b5", "none"]],
  ["metadata.name=a\\=1", []],
  // A term with neither field nor value selects everything.
  ["==", ["a1", "b5", "none", "r"]],
  ["metadata.name=a1,!=", ["a1"]],
];

/** Field selectors on fields a kind does not support: each kind's field-label conversion refuses them. */
const fieldLabelRefusals: [ResourceType, string, string][] = [
  [
    ConfigMapType,
    "foo=bar",
    '"foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
  ],
  [
    ConfigMapType,
    "metadata.name = a",
    '"metadata.name " is not a known field selector: only "metadata.name", "metadata.namespace"',
  ],
  [
    ConfigMapType,
    "foo=b,bar=c",
    '"bar" is not a known field selector: only "metadata.name", "metadata.namespace"',
  ],
  [ConfigMapType, "=x", '"" is not a known field selector: only "metadata.name", "metadata.namespace"'],
  [PodType, "foo=bar", "field label not supported: foo"],
  [PodType, "spec.containers=x", "field label not supported: spec.containers"],
  [EventType, "involvedObject.foo=x", "field label not supported: involvedObject.foo"],
  [NodeType, "metadata.namespace=x", "field label not supported: metadata.namespace"],
  [NamespaceType, "metadata.namespace=x", "field label not supported: metadata.namespace"],
];

/** Field selectors on the fields a kind supports beyond name and namespace. */
const fieldLabelSelects: [ResourceType, string][] = [
  [PodType, "spec.nodeName=n1,status.phase!=Running"],
  [PodType, "spec.host=n1"],
  [EventType, "involvedObject.kind=Pod,involvedObject.name=p,reason=x,type=Normal"],
  [NodeType, "metadata.name=n1"],
  [NamespaceType, "status.phase=Active"],
];

const fieldRefusals: [string, string][] = [
  ["metadata.name>a", "invalid selector: 'metadata.name>a'; can't understand 'metadata.name>a'"],
  ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
  [
    "metadata.name in (a)",
    "invalid selector: 'metadata.name in (a)'; can't understand 'metadata.name in (a)'",
  ],
  [
    "metadata.name=a,metadata.name>b",
    "invalid selector: 'metadata.name=a,metadata.name>b'; can't understand 'metadata.name>b'",
  ],
  ["metadata.name=a=b", "invalid field selector: unescaped character in value: 61"],
  ["metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"],
  ["metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"],
];

describe.each(targets)("selectors: $name", ({ start, controllerManager }) => {
  let target: Target;
  let c: Client;
  const ns = "selectors";

  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(NamespaceType, { metadata: { name: ns } });
    for (const [name, labels] of Object.entries(objects))
      await c.create(ConfigMapType, { metadata: { name, namespace: ns, labels } } as KubeObject);
    // kube-controller-manager's kube-root-ca.crt lands a moment later: wait, so no case sees it arrive.
    if (controllerManager)
      await eventually(
        async () => (await c.get(ConfigMapType, "kube-root-ca.crt", ns)) !== undefined,
        "kube-root-ca.crt in the namespace",
        30_000,
      );
  });
  afterAll(async () => {
    await target.close();
  });

  /** The sorted names listed, without what the cluster itself made. */
  const list = async (o: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
    (await c.list(ConfigMapType, { namespace: ns, ...o })).items
      .map((x) => x.metadata.name as string)
      .filter((n) => n !== "kube-root-ca.crt")
      .sort();
  async function refusal(
    o: { labelSelector?: string; fieldSelector?: string },
    type: ResourceType = ConfigMapType,
  ): Promise<unknown> {
    try {
      await c.list(type, { ...(type.namespaced ? { namespace: ns } : {}), ...o });
    } catch (e) {
      return e;
    }
    throw new Error("expected a 400");
  }

  it.each(labelSelects)("labelSelector %j selects %j", async (labelSelector, want) => {
    expect(await list({ labelSelector })).toEqual(want);
  });

  it.each(labelRefusals)("labelSelector %j is a 400: %s", async (labelSelector, message) => {
    const err = await refusal({ labelSelector });
    expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
      code: 400,
      reason: "BadRequest",
      message,
    });
  });

  it.each(fieldSelects)("fieldSelector %j selects %j", async (fieldSelector, want) => {
    expect(await list({ fieldSelector })).toEqual(want);
  });

  it.each(fieldRefusals)("fieldSelector %j is a 400: %s", async (fieldSelector, message) => {
    const err = await refusal({ fieldSelector });
    expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
      code: 400,
      reason: "BadRequest",
      message,
    });
  });

  it.each(fieldLabelRefusals.map(([type, sel, message]) => [type.kind, sel, message, type] as const))(
    "%s: fieldSelector %j is a 400: %s",
    async (_, fieldSelector, message, type) => {
      const err = await refusal({ fieldSelector }, type);
      expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
        code: 400,
        reason: "BadRequest",
        message,
      });
    },
  );

  it.each(fieldLabelSelects.map(([type, sel]) => [type.kind, sel, type] as const))(
    "%s: fieldSelector %j is served",
    async (_, fieldSelector, type) => {
      const got = await c.list(type, { ...(type.namespaced ? { namespace: ns } : {}), fieldSelector });
      expect(Array.isArray(got.items)).toBe(true);
    },
  );

  // Field-error text: the one formatter (@grove-ts/api's formatFieldError, apimachinery's
  // field.Error.Error()) against kube-apiserver's own words for the same bad objects.
  it.each([
    [
      "an invalid name",
      { name: "Bad_Name" },
      `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomainRule}`,
    ],
    [
      "an invalid label key",
      { name: "k1", labels: { "-a": "x" } },
      `ConfigMap "k1" is invalid: metadata.labels: Invalid value: "-a": ${keyRule}`,
    ],
    [
      "an invalid and a too long label value",
      { name: "k2", labels: { a: `-${long}` } },
      `ConfigMap "k2" is invalid: [metadata.labels: Invalid value: "-${long}": must be no more than 63 bytes, metadata.labels: Invalid value: "-${long}": ${valueRule}]`,
    ],
    [
      "a label key with an empty name part",
      { name: "k3", labels: { "example.com/": "x" } },
      `ConfigMap "k3" is invalid: [metadata.labels: Invalid value: "example.com/": name part must be non-empty, metadata.labels: Invalid value: "example.com/": ${keyRule}]`,
    ],
  ])("a ConfigMap with %s is a 422 worded as kube-apiserver's", async (_, metadata, message) => {
    const err = await c
      .create(ConfigMapType, { metadata: { namespace: ns, ...metadata } } as KubeObject)
      .catch((e: unknown) => e);
    expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
      code: 422,
      reason: "Invalid",
      message,
    });
  });

  it.each([
    ["a.b", 'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots'],
    [
      "A",
      `Namespace "A" is invalid: metadata.name: Invalid value: "A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
  ])("a Namespace named %j is a 422 worded as kube-apiserver's", async (name, message) => {
    const err = await c.create(NamespaceType, { metadata: { name } }).catch((e: unknown) => e);
    expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
      code: 422,
      reason: "Invalid",
      message,
    });
  });

  it.each([
    ["labelSelector", "a=b,", "found '', expected: identifier after ','"],
    [
      "fieldSelector",
      "metadata.name>a",
      "invalid selector: 'metadata.name>a'; can't understand 'metadata.name>a'",
    ],
    [
      "fieldSelector",
      "foo=bar",
      '"foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
  ])("a watch with %s %j is refused: a 400 as for a list", async (param, sel, message) => {
    const err = await c
      .watch(ConfigMapType, { namespace: ns, [param]: sel }, () => {})
      .then(
        async (h) => {
          const e = await h.done.then(
            () => new Error("the watch ended cleanly"),
            (e: unknown) => e,
          );
          h.stop();
          return e;
        },
        (e: unknown) => e,
      );
    expect(isApiError(err) && { code: err.code, reason: err.reason, message: err.status.message }).toEqual({
      code: 400,
      reason: "BadRequest",
      message,
    });
  });
});
