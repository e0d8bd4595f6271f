// Grove's Test_AutoMNNVL, supported + enabled (grove-behaviour.md §18.7): a cluster that serves the
// ComputeDomain CRD, operator with network.autoMNNVLEnabled, everything through the real kubectl.
// No annotation -> no ComputeDomain and no claim; a group -> <pcs>-<i>-<group> per replica with its
// labels, finalizer and spec, created with the pods referencing it; scale out/in creates/deletes
// them; PCS deletion removes them; grove-sim's ComputeDomain driver and the resourceclaim controller
// (the claim template, a claim per pod made from it, status Ready with the pods' nodes; all gone
// with the PCS); `none` is honoured; an invalid value is refused; the annotation is immutable; a
// CPU-only clique is ignored even when annotated; the inherit/override/none matrix.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverObjectsGone, expectComputeDomainDriver } from "./lib/compute-domain-driver.js";
import { E2E } from "./lib/harness.js";
import {
  CD,
  cdNames,
  claimsByClique,
  computeDomains,
  mnnvlTemplate,
  mnnvlWorkload,
  nvlCluster,
  podsOf,
} from "./lib/mnnvl.js";
import { waitFor } from "./lib/wait.js";

/** Waits on a loaded 2-core machine (the real control plane's GC is the slow part). */
const SLOW = { timeoutMs: 120_000 };

describe("Test_AutoMNNVL supported + enabled (kubectl)", { timeout: 240_000 }, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: nvlCluster(true) });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** Applies gpu.yaml as PodCliqueSet `name` with the PCS-level group `group` (none: no annotation). */
  const applyGpu = async (name: string, group?: string) => {
    const text = readFileSync(mnnvlWorkload("gpu.yaml"), "utf8")
      .replace("name: mnnvl-gpu", `name: ${name}`)
      .replace(
        "metadata:\n",
        group ? `metadata:\n  annotations:\n    grove.io/mnnvl-group: "${group}"\n` : "metadata:\n",
      );
    return e2e.kubectl.run(["apply", "-f", e2e.file(`${name}.yaml`, text)]);
  };
  const boundPods = async (pcs: string, n: number) =>
    waitFor(
      `${n} bound pods of ${pcs}`,
      async () => {
        const ps = await podsOf(e2e, pcs);
        const bound = ps.filter((p) => p.spec.nodeName).length;
        return { ok: ps.length === n && bound === n, state: `${ps.length} pods, ${bound} bound` };
      },
      SLOW,
    );
  /** Every pod of `pcs` carries exactly these mnnvl-claim templates, per PodClique (polled: pods may be replaced). */
  const claimsBecome = async (pcs: string, want: Record<string, string | undefined>) => {
    const key = (m: Record<string, string | undefined>) =>
      JSON.stringify(
        Object.keys(m)
          .sort()
          .map((k) => [k, m[k] ?? null]),
      );
    let last: Record<string, string | undefined> = {};
    await waitFor(
      `mnnvl claims of ${pcs}`,
      async () => {
        last = await claimsByClique(e2e, pcs);
        return { ok: key(last) === key(want), state: key(last) };
      },
      SLOW,
    );
    expect(last).toEqual(want);
  };
  const cdsBecome = (want: string[]) =>
    waitFor(
      `ComputeDomains [${want.join(" ")}]`,
      async () => {
        const have = await cdNames(e2e);
        return { ok: have.join() === want.join(), state: `[${have.join(" ")}]` };
      },
      SLOW,
    );
  const deletePcs = async (name: string) => {
    await e2e.kubectl.ok(["delete", "pcs", name, "--wait=false"]);
    await waitFor(
      `${name} gone`,
      async () => {
        const r = await e2e.kubectl.run(["get", "pcs", name]);
        return { ok: r.code !== 0, state: r.stdout.trim() };
      },
      SLOW,
    );
  };

  it("the cluster serves the ComputeDomain CRD", async () => {
    const out = await e2e.kubectl.ok(["api-resources", "--api-group=resource.nvidia.com", "-o", "name"]);
    expect(out.trim()).toBe(CD);
  });

  it("no annotation: no ComputeDomain, no claim (Grove's default is opt-in)", async () => {
    expect((await applyGpu("bare")).code).toBe(0);
    await boundPods("bare", 2);
    expect(await cdNames(e2e)).toEqual([]);
    await claimsBecome("bare", { "bare-0-worker": undefined });
    await deletePcs("bare");
  });

  it("a group: one ComputeDomain per replica, claims in the pods; scale out and in; PCS deletion removes them", async () => {
    expect((await applyGpu("gpu", "default")).code).toBe(0);
    await cdsBecome(["gpu-0-default"]);
    const [cd] = await computeDomains(e2e);
    expect(cd?.metadata).toMatchObject({
      labels: {
        "app.kubernetes.io/managed-by": "grove-operator",
        "app.kubernetes.io/part-of": "gpu",
        "app.kubernetes.io/component": "pcs-computedomain",
        "grove.io/podcliqueset-replica-index": "0",
        "grove.io/mnnvl-group": "default",
      },
      finalizers: ["grove.io/computedomain-finalizer"],
      ownerReferences: [{ kind: "PodCliqueSet", name: "gpu", controller: true }],
    });
    expect(cd?.spec).toEqual({ numNodes: 0, channel: { resourceClaimTemplate: { name: "gpu-0-default" } } });
    await boundPods("gpu", 2);
    await claimsBecome("gpu", { "gpu-0-worker": "gpu-0-default" });
    // grove-sim's ComputeDomain driver: the template, each pod's claim from it, status Ready.
    await expectComputeDomainDriver(e2e, "gpu", "gpu-0-default");

    await e2e.kubectl.ok(["scale", "pcs", "gpu", "--replicas=2"]);
    await cdsBecome(["gpu-0-default", "gpu-1-default"]);
    await boundPods("gpu", 4);
    await claimsBecome("gpu", {
      "gpu-0-worker": "gpu-0-default",
      "gpu-1-worker": "gpu-1-default",
    });
    await e2e.kubectl.ok(["scale", "pcs", "gpu", "--replicas=1"]);
    await cdsBecome(["gpu-0-default"]);

    // The annotation cannot be changed, removed or added afterwards (U8).
    const change = await e2e.kubectl.run([
      "annotate",
      "pcs",
      "gpu",
      "--overwrite",
      "grove.io/mnnvl-group=other",
    ]);
    expect(change.code).not.toBe(0);
    expect(change.stderr).toContain(
      'metadata.annotations[grove.io/mnnvl-group]: Forbidden: annotation grove.io/mnnvl-group is immutable and cannot be changed from "default" to "other"',
    );
    const remove = await e2e.kubectl.run(["annotate", "pcs", "gpu", "grove.io/mnnvl-group-"]);
    expect(remove.stderr).toContain(
      "annotation grove.io/mnnvl-group cannot be removed after PodCliqueSet creation",
    );

    await deletePcs("gpu");
    await cdsBecome([]);
    await driverObjectsGone(e2e);
  });

  it("none opts out; an invalid value is refused naming the field", async () => {
    expect((await applyGpu("optout", "none")).code).toBe(0);
    await boundPods("optout", 2);
    expect(await cdNames(e2e)).toEqual([]);
    await claimsBecome("optout", { "optout-0-worker": undefined });
    await deletePcs("optout");

    const bad = await applyGpu("invalid", "invalid value with spaces");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      'metadata.annotations[grove.io/mnnvl-group]: Invalid value: "invalid value with spaces": grove.io/mnnvl-group must be "none" or a valid DNS-1123 label',
    );
  });

  it("a CPU-only clique is ignored even with the annotation", async () => {
    await e2e.apply(mnnvlWorkload("cpu-annotated.yaml"));
    await boundPods("mnnvl-cpu", 2);
    expect(await cdNames(e2e)).toEqual(["mnnvl-cpu-0-default"]);
    await claimsBecome("mnnvl-cpu", {
      "mnnvl-cpu-0-gpu": "mnnvl-cpu-0-default",
      "mnnvl-cpu-0-frontend": undefined,
    });
    await deletePcs("mnnvl-cpu");
    await cdsBecome([]);
  });

  it("inherit / override / none across PCS, scaling groups and cliques", async () => {
    await e2e.apply(mnnvlWorkload("mix.yaml"));
    await boundPods("mnnvl-mix", 12);
    const p = "mnnvl-mix-0";
    await cdsBecome([`${p}-batch`, `${p}-default`, `${p}-infer`, `${p}-solo`, `${p}-train`]);
    await claimsBecome("mnnvl-mix", {
      [`${p}-s1`]: `${p}-default`,
      [`${p}-s2`]: `${p}-train`,
      [`${p}-s3`]: undefined,
      [`${p}-g1-0-p1`]: `${p}-default`,
      [`${p}-g1-0-p2`]: `${p}-infer`,
      [`${p}-g1-0-p3`]: undefined,
      [`${p}-g2-0-p4`]: `${p}-train`,
      [`${p}-g2-0-p5`]: `${p}-batch`,
      [`${p}-g2-0-p6`]: undefined,
      [`${p}-g3-0-p7`]: undefined,
      [`${p}-g3-0-p8`]: `${p}-solo`,
      [`${p}-g3-0-p9`]: undefined,
    });
    // The scheduler keeps each ComputeDomain's pods inside one NVLink domain.
    const domainsOf = new Map<string, Set<string>>();
    for (const pod of await podsOf(e2e, "mnnvl-mix")) {
      const t = mnnvlTemplate(pod);
      if (!t) continue;
      const n = Number(pod.spec.nodeName?.replace("gb200-", ""));
      domainsOf.set(t, (domainsOf.get(t) ?? new Set()).add(`cluster-a.${Math.floor(n / 2)}`));
    }
    for (const [t, ds] of domainsOf) expect([...ds], t).toHaveLength(1);
    await deletePcs("mnnvl-mix");
    await cdsBecome([]);
  });
});
