// PriorityClasses and the Priority admission plugin, run against every target (targets.ts): our API
// server in process and over HTTP (project "grove"), kube-apiserver v1.37.2 over HTTPS (project
// "kube"). Codes and messages are kube-apiserver's, word for word: the system classes exist and stay,
// a user class's value and name have limits, value and preemptionPolicy are immutable, one
// globalDefault at most; a pod's priorityClassName becomes spec.priority and spec.preemptionPolicy,
// a class that does not exist is 403 Forbidden.
import {
  type Client,
  isApiError,
  type KubeObject,
  NamespaceType,
  PodType,
  PriorityClassType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Target, targets } from "./targets.js";

const ns = "priority";

interface PriorityClass extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
  description?: string;
}

interface PodSpecPriority {
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: string;
  containers: { name: string; image: string }[];
}

const pc = (name: string, fields: Partial<PriorityClass> = {}): PriorityClass => ({
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  metadata: { name },
  ...fields,
});

interface PriorityPod extends KubeObject {
  spec: PodSpecPriority;
}

const pod = (name: string, spec: Partial<PodSpecPriority> = {}): PriorityPod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: "c", image: "i" }], ...spec },
});

/** The refusal a promise ends in, as code, reason and message. */
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => "accepted",
    (e: unknown) =>
      isApiError(e) ? { code: e.code, reason: e.reason, message: e.status.message ?? "" } : String(e),
  );

const invalidPc = (name: string, errors: string) => ({
  code: 422,
  reason: "Invalid",
  message: `PriorityClass.scheduling.k8s.io "${name}" is invalid: ${errors}`,
});
const forbidden = (resource: string, name: string, why: string) => ({
  code: 403,
  reason: "Forbidden",
  message: `${resource} "${name}" is forbidden: ${why}`,
});

describe.each(targets)("PriorityClass and Priority admission: $name", ({ start }) => {
  let target: Target;
  let c: Client;

  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(NamespaceType, { metadata: { name: ns } });
    await c.create(PriorityClassType, pc("high", { value: 1000 }));
  });
  afterAll(async () => {
    await target.close();
  });

  it("serves the two system classes, which cannot be deleted", async () => {
    const list = await c.list<PriorityClass>(PriorityClassType);
    const system = list.items
      .filter((p) => p.metadata.name?.startsWith("system-"))
      .map((p) => [p.metadata.name, p.value, p.preemptionPolicy, p.globalDefault ?? false]);
    expect(system.sort()).toEqual([
      ["system-cluster-critical", 2000000000, "PreemptLowerPriority", false],
      ["system-node-critical", 2000001000, "PreemptLowerPriority", false],
    ]);
    expect(await refusal(c.delete(PriorityClassType, "system-node-critical"))).toEqual(
      forbidden(
        "priorityclasses.scheduling.k8s.io",
        "system-node-critical",
        "this is a system priority class and cannot be deleted",
      ),
    );
  });

  it("defaults preemptionPolicy and a missing value to 0", async () => {
    const created = await c.create(PriorityClassType, pc("zero"), { dryRun: true });
    expect([created.value ?? 0, created.preemptionPolicy]).toEqual([0, "PreemptLowerPriority"]);
  });

  const refusals: [string, PriorityClass, object][] = [
    [
      "a user class above 1000000000",
      pc("too-high", { value: 1000000001 }),
      invalidPc(
        "too-high",
        "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
      ),
    ],
    [
      "an unknown system- name",
      pc("system-foo", { value: 10 }),
      invalidPc(
        "system-foo",
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-foo is not a known system priority class",
      ),
    ],
    [
      "a system class name with another value",
      pc("system-node-critical", { value: 10 }),
      invalidPc(
        "system-node-critical",
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
      ),
    ],
    [
      "an unsupported preemptionPolicy",
      pc("pp", { value: 10, preemptionPolicy: "Sometimes" }),
      invalidPc(
        "pp",
        'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
      ),
    ],
  ];
  it.each(refusals)("refuses %s", async (_, obj, want) => {
    expect(await refusal(c.create(PriorityClassType, obj, { dryRun: true }))).toEqual(want);
  });

  it("keeps value and preemptionPolicy as created", async () => {
    const high = (await c.get<PriorityClass>(PriorityClassType, "high")) as PriorityClass;
    expect(await refusal(c.update(PriorityClassType, { ...high, value: 7 }))).toEqual(
      invalidPc("high", "value: Forbidden: may not be changed in an update."),
    );
    expect(await refusal(c.update(PriorityClassType, { ...high, preemptionPolicy: "Never" }))).toEqual(
      invalidPc("high", 'preemptionPolicy: Invalid value: "Never": field is immutable'),
    );
    const described = await c.update(PriorityClassType, { ...high, description: "changed" });
    expect(described.description).toBe("changed");
  });

  it("resolves a pod's priorityClassName to its priority and preemptionPolicy", async () => {
    const p = await c.create(PodType, pod("named", { priorityClassName: "high" }));
    expect(p.spec).toMatchObject({
      priorityClassName: "high",
      priority: 1000,
      preemptionPolicy: "PreemptLowerPriority",
    });
    const same = await c.create(PodType, pod("same", { priorityClassName: "high", priority: 1000 }), {
      dryRun: true,
    });
    expect(same.spec.priority).toBe(1000);
    const none = await c.create(PodType, pod("none"));
    expect(none.spec).toMatchObject({ priority: 0, preemptionPolicy: "PreemptLowerPriority" });
    expect(none.spec.priorityClassName).toBeUndefined();
  });

  it("refuses a pod whose class does not exist, or whose priority disagrees with it, with 403", async () => {
    expect(await refusal(c.create(PodType, pod("p1", { priorityClassName: "foo" })))).toEqual(
      forbidden("pods", "p1", "no PriorityClass with name foo was found"),
    );
    expect(await refusal(c.create(PodType, pod("p2", { priorityClassName: "high", priority: 5 })))).toEqual(
      forbidden(
        "pods",
        "p2",
        "the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name",
      ),
    );
    expect(
      await refusal(c.create(PodType, pod("p3", { priorityClassName: "high", preemptionPolicy: "Never" }))),
    ).toEqual(
      forbidden(
        "pods",
        "p3",
        "the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name",
      ),
    );
    expect(await refusal(c.create(PodType, pod("p4", { priority: 3 })))).toEqual(
      forbidden(
        "pods",
        "p4",
        "the integer value of priority (3) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name",
      ),
    );
  });

  it("gives a pod naming no class the one globalDefault class's priority", async () => {
    await c.create(PriorityClassType, pc("default-a", { value: 5, globalDefault: true }));
    try {
      expect(
        await refusal(c.create(PriorityClassType, pc("default-b", { value: 6, globalDefault: true }))),
      ).toEqual(
        forbidden(
          "priorityclasses.scheduling.k8s.io",
          "default-b",
          "PriorityClass default-a is already marked as default. Only one default can exist",
        ),
      );
      const high = (await c.get<PriorityClass>(PriorityClassType, "high")) as PriorityClass;
      expect(await refusal(c.update(PriorityClassType, { ...high, globalDefault: true }))).toEqual(
        forbidden(
          "priorityclasses.scheduling.k8s.io",
          "high",
          "PriorityClass default-a is already marked as default. Only one default can exist",
        ),
      );
      const p = await c.create(PodType, pod("defaulted"), { dryRun: true });
      expect(p.spec).toMatchObject({
        priorityClassName: "default-a",
        priority: 5,
        preemptionPolicy: "PreemptLowerPriority",
      });
    } finally {
      await c.delete(PriorityClassType, "default-a");
    }
  });
});
