// kube-api-compat.md's kubectl scenario against the grove-apiserver CLI (TLS + HTTP/2, bearer token)
// or, on the kube target, the real control plane with Grove's webhooks (test/src/target.ts):
// CRDs and Grove objects through apply, get, scale, patch, describe, wait, watch, explain,
// server-side apply, diff and delete with each propagation policy.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { KUBE_RELEASE } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixturesDir, noteMissingFixtures, repoRoot } from "../src/shared.js";
import { target } from "../src/target.js";
import { type Cluster, noKubectl, removeDir, startCluster, waitEstablished } from "./harness.js";

const crdDir = join(repoRoot, "packages/api/crds");
let c: Cluster;

const pcsYaml = (name: string, replicas = 1, labels = "app: demo") => `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  replicas: ${replicas}
  template:
    cliques:
    - name: w
      spec: {roleName: w, replicas: 2, podSpec: {containers: [{name: c, image: nginx}]}}
`;

const skip = noKubectl("kubectl scenario");

beforeAll(async () => {
  if (skip) return;
  c = await startCluster();
}, 120_000);
afterAll(async () => {
  await c?.stop();
  if (c) removeDir(c.dir);
});

describe.skipIf(skip)(`kubectl against ${target === "kube" ? "kube-apiserver" : "grove-apiserver"}`, () => {
  it(`is served as Kubernetes ${target === "kube" ? KUBE_RELEASE : "1.32"}`, async () => {
    const v = JSON.parse(await c.ok(["version", "-o", "json"])) as {
      serverVersion: { major: string; minor: string; gitVersion: string };
    };
    if (target === "kube") expect(v.serverVersion.gitVersion).toBe(KUBE_RELEASE);
    else expect(v.serverVersion).toMatchObject({ major: "1", minor: "32" });
  });

  it("serves the Grove CRDs once applied", async () => {
    // Client-side apply stores the whole manifest in an annotation; the PodClique and
    // PodCliqueSet CRDs exceed kube-apiserver's 256 KiB annotation limit, on a real cluster too.
    const csa = await c.kubectl(["apply", "-f", crdDir]);
    expect(csa.code).not.toBe(0);
    expect(csa.stdout).toContain(
      "customresourcedefinition.apiextensions.k8s.io/podgangs.scheduler.grove.io created",
    );
    expect(csa.stderr).toContain(
      'CustomResourceDefinition.apiextensions.k8s.io "podcliquesets.grove.io" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
    );
    expect(await c.ok(["apply", "--server-side", "-f", crdDir])).toContain(
      "podcliquesets.grove.io serverside-applied",
    );
    // A CRD is served once Established; kube-apiserver gets there a moment after the apply, as a
    // user's `kubectl wait` shows.
    await waitEstablished(c, ["-f", crdDir]);
    const crds = await c.ok(["get", "crd", "-o", "name"]);
    expect(crds.trim().split("\n").sort()).toEqual([
      "customresourcedefinition.apiextensions.k8s.io/clustertopologybindings.grove.io",
      "customresourcedefinition.apiextensions.k8s.io/podcliques.grove.io",
      "customresourcedefinition.apiextensions.k8s.io/podcliquescalinggroups.grove.io",
      "customresourcedefinition.apiextensions.k8s.io/podcliquesets.grove.io",
      "customresourcedefinition.apiextensions.k8s.io/podgangs.scheduler.grove.io",
      "customresourcedefinition.apiextensions.k8s.io/queues.scheduling.run.ai",
    ]);
    const resources = await c.ok(["api-resources", "--api-group=grove.io", "--no-headers"]);
    for (const row of ["podcliques", "podcliquescalinggroups", "podcliquesets"])
      expect(resources).toContain(row);
    expect(resources).toMatch(/podcliquesets\s+pcs\s+grove.io\/v1alpha1\s+true\s+PodCliqueSet/);
    const all = await c.ok(["api-resources", "--no-headers", "-o", "name"]);
    expect(all).toContain("pods\n");
    expect(all).toContain("podgangs.scheduler.grove.io");
  });

  it("applies a PodCliqueSet (created, unchanged, configured) with defaults filled in", async () => {
    const f = c.file("demo.yaml", pcsYaml("demo"));
    expect(await c.ok(["apply", "-f", f])).toContain("podcliqueset.grove.io/demo created");
    // Defaults inside lists make kubectl's three-way merge patch resend the list (as on a real
    // cluster with Grove's webhook); the server sees no change and keeps the resourceVersion.
    const rv = await c.ok(["get", "pcs", "demo", "-o", "jsonpath={.metadata.resourceVersion}"]);
    expect(await c.ok(["apply", "-f", f])).toMatch(/podcliqueset.grove.io\/demo (unchanged|configured)/);
    expect(await c.ok(["get", "pcs", "demo", "-o", "jsonpath={.metadata.resourceVersion}"])).toBe(rv);
    c.file("demo.yaml", pcsYaml("demo", 2));
    expect(await c.ok(["apply", "-f", f])).toContain("podcliqueset.grove.io/demo configured");
    const obj = parse(await c.ok(["get", "pcs", "demo", "-o", "yaml"])) as {
      spec: { replicas: number; template: { cliqueStartupType: string } };
    };
    expect(obj.spec.replicas).toBe(2);
    expect(obj.spec.template.cliqueStartupType).toBe("CliqueStartupTypeAnyOrder");
  });

  it("refuses invalid objects with the field and the rule", async () => {
    const bad = c.file("bad.yaml", pcsYaml("bad").replace("replicas: 2, podSpec", "replicas: -2, podSpec"));
    const r = await c.kubectl(["apply", "-f", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('PodCliqueSet "bad" is invalid');
    expect(r.stderr).toContain("spec.template.cliques[0].spec.replicas");
    const unknown = c.file(
      "unknown.yaml",
      pcsYaml("unk").replace("replicas: 1\n", "replicas: 1\n  bogus: 1\n"),
    );
    const u = await c.kubectl(["apply", "-f", unknown]);
    expect(u.code).not.toBe(0);
    expect(u.stderr).toContain('unknown field "spec.bogus"');
  });

  it("prints tables: -o wide, -A, -l, --show-labels, --sort-by", async () => {
    await c.ok(["apply", "-f", c.file("other.yaml", pcsYaml("other", 1, "app: other"))]);
    const wide = await c.ok(["get", "pcs", "-o", "wide"]);
    expect(wide.split("\n")[0]).toMatch(/^NAME\s+REPLICAS\s+AVAILABLE\s+UPDATED.*AGE/);
    expect(wide).toMatch(/demo\s+2\s+/);
    expect(await c.ok(["get", "pcs", "-A"])).toMatch(/^NAMESPACE\s+NAME[\s\S]*default\s+demo/);
    const sel = await c.ok(["get", "pcs", "-l", "app in (other)", "-o", "name"]);
    expect(sel.trim()).toBe("podcliqueset.grove.io/other");
    expect(await c.ok(["get", "pcs", "--show-labels"])).toMatch(/demo\s+.*app=demo/);
    const sorted = await c.ok(["get", "pcs", "--sort-by=.metadata.name", "-o", "name"]);
    expect(sorted.trim().split("\n")).toEqual(["podcliqueset.grove.io/demo", "podcliqueset.grove.io/other"]);
    const empty = await c.kubectl(["get", "pods"]);
    expect(empty.stderr).toContain("No resources found in default namespace.");
  });

  it("scales through /scale, with and without --current-replicas", async () => {
    expect(await c.ok(["scale", "pcs", "demo", "--replicas=3"])).toContain(
      "podcliqueset.grove.io/demo scaled",
    );
    await c.ok(["scale", "pcs", "demo", "--replicas=4", "--current-replicas=3"]);
    const r = await c.kubectl(["scale", "pcs", "demo", "--replicas=5", "--current-replicas=9"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Expected replicas to be 9, was 4");
    expect(await c.ok(["get", "pcs", "demo", "-o", "jsonpath={.spec.replicas}"])).toBe("4");
    const pclq = `apiVersion: grove.io/v1alpha1
kind: PodClique
metadata: {name: demo-0-w}
spec: {roleName: w, replicas: 2, podSpec: {containers: [{name: c, image: nginx}]}}
`;
    await c.ok(["apply", "-f", c.file("pclq.yaml", pclq)]);
    expect(await c.ok(["scale", "pclq", "demo-0-w", "--replicas=5"])).toContain(
      "podclique.grove.io/demo-0-w scaled",
    );
    expect(await c.ok(["get", "pclq", "demo-0-w", "-o", "jsonpath={.spec.replicas}"])).toBe("5");
    const all = await c.ok(["get", "all"]);
    expect(all).toContain("podcliqueset.grove.io/demo");
    expect(all).toContain("podclique.grove.io/demo-0-w");
  });

  it("patches with merge and json; strategic is 415 for custom resources", async () => {
    await c.ok(["patch", "pcs", "demo", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"gold"}}}']);
    await c.ok([
      "patch",
      "pcs",
      "demo",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/replicas","value":1}]',
    ]);
    expect(
      await c.ok(["get", "pcs", "demo", "-o", "jsonpath={.spec.replicas} {.metadata.labels.tier}"]),
    ).toBe("1 gold");
    expect(await c.ok(["patch", "pcs", "demo", "--type=merge", "-p", '{"spec":{"replicas":1}}'])).toContain(
      "patched (no change)",
    );
    const smp = await c.kubectl(["patch", "pcs", "demo", "-p", '{"spec":{"replicas":2}}']);
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain(
      "application/strategic-merge-patch+json is not supported by grove.io/v1alpha1, Kind=PodCliqueSet",
    );
    expect(await c.ok(["annotate", "pcs", "demo", "note=hello"])).toContain("annotated");
  });

  it("waits for a condition and a jsonpath value written through the status subresource", async () => {
    const waiting = c.ok(["wait", "--for=condition=Ready", "pcs/demo", "--timeout=30s"]);
    const waitingJp = c.ok([
      "wait",
      "--for=jsonpath={.status.availableReplicas}=1",
      "pcs/demo",
      "--timeout=30s",
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await c.ok([
      "patch",
      "pcs",
      "demo",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"availableReplicas":1,"conditions":[{"type":"Ready","status":"True","reason":"Test","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}',
    ]);
    expect(await waiting).toContain("condition met");
    expect(await waitingJp).toContain("condition met");
  });

  it("describes a PodCliqueSet with its events", async () => {
    const uid = await c.ok(["get", "pcs", "demo", "-o", "jsonpath={.metadata.uid}"]);
    const ev = `apiVersion: v1
kind: Event
metadata: {name: demo.1}
involvedObject: {apiVersion: grove.io/v1alpha1, kind: PodCliqueSet, name: demo, namespace: default, uid: ${uid}}
reason: PodCliqueCreated
message: created PodClique demo-0-w
type: Normal
source: {component: grove-operator}
count: 1
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
`;
    await c.ok(["create", "-f", c.file("event.yaml", ev)]);
    const d = await c.ok(["describe", "pcs", "demo"]);
    expect(d).toMatch(/Name:\s+demo/);
    expect(d).toMatch(/Normal\s+PodCliqueCreated\s+.*grove-operator\s+created PodClique demo-0-w/);
  });

  it("streams changes with get -w", async () => {
    const args = [
      "--kubeconfig",
      c.kubeconfig,
      "--cache-dir",
      join(c.dir, "watch-cache"),
      "get",
      "pcs",
      "-w",
      "--output-watch-events",
    ];
    const child = spawn("kubectl", args, { env: { ...process.env, HOME: c.dir } });
    let out = "";
    const seen = new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (/MODIFIED\s+other/.test(out)) resolve();
      });
    });
    await new Promise<void>((resolve) => {
      const check = () => (out.includes("ADDED") ? resolve() : setTimeout(check, 50));
      check();
    });
    await c.ok(["label", "pcs", "other", "watched=yes"]);
    await seen;
    child.kill();
    expect(out).toMatch(/EVENT\s+NAME\s+REPLICAS/);
    expect(out).toMatch(/ADDED\s+demo/);
  });

  it("explains fields from the CRD schema", async () => {
    const e = await c.ok(["explain", "pcs.spec.replicas"]);
    expect(e).toContain("KIND:       PodCliqueSet");
    expect(e).toMatch(/FIELD: replicas <integer>/);
  });

  it("server-side applies, diffs and dry-runs without storing", async () => {
    const f = c.file("ssa.yaml", pcsYaml("ssa", 1));
    expect(await c.ok(["apply", "--server-side", "-f", f])).toContain(
      "podcliqueset.grove.io/ssa serverside-applied",
    );
    expect((await c.kubectl(["diff", "--server-side", "-f", f])).code).toBe(0);
    const changed = c.file("ssa2.yaml", pcsYaml("ssa", 3));
    const d = await c.kubectl(["diff", "-f", changed]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/-\s+replicas: 1\n\+\s+replicas: 3/);
    expect(await c.ok(["get", "pcs", "ssa", "-o", "jsonpath={.spec.replicas}"])).toBe("1");
    expect(await c.ok(["create", "--dry-run=server", "-f", c.file("dry.yaml", pcsYaml("dry"))])).toContain(
      "created (server dry run)",
    );
    expect((await c.kubectl(["get", "pcs", "dry"])).code).not.toBe(0);
    const s = await c.ok(["get", "pcs", "ssa", "-o", "yaml"]);
    await c.ok(["replace", "-f", c.file("replace.yaml", s.replace("replicas: 1", "replicas: 2"))]);
    expect(await c.ok(["get", "pcs", "ssa", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
  });

  it("deletes with Background, Foreground and Orphan propagation, and waits on finalizers", async () => {
    const ownedCm = async (owner: string, cm: string) => {
      const uid = await c.ok(["get", "pcs", owner, "-o", "jsonpath={.metadata.uid}"]);
      const y = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${cm}
  ownerReferences: [{apiVersion: grove.io/v1alpha1, kind: PodCliqueSet, name: ${owner}, uid: ${uid}, blockOwnerDeletion: true}]
`;
      await c.ok(["apply", "-f", c.file(`${cm}.yaml`, y)]);
    };
    for (const n of ["bg", "fg", "or"]) await c.ok(["apply", "-f", c.file(`${n}.yaml`, pcsYaml(n))]);
    await ownedCm("bg", "bg-dep");
    await ownedCm("fg", "fg-dep");
    await ownedCm("or", "or-dep");
    expect(await c.ok(["delete", "pcs", "bg"])).toContain('podcliqueset.grove.io "bg" deleted');
    expect(await c.ok(["delete", "pcs", "fg", "--cascade=foreground"])).toContain('"fg" deleted');
    await c.ok(["delete", "pcs", "or", "--cascade=orphan"]);
    await c.ok(["wait", "--for=delete", "configmap/bg-dep", "--timeout=20s"]);
    expect((await c.kubectl(["get", "cm", "fg-dep"])).code).not.toBe(0);
    expect(await c.ok(["get", "cm", "or-dep", "-o", "jsonpath={.metadata.ownerReferences}"])).toBe("");

    await c.ok([
      "patch",
      "pcs",
      "ssa",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":["test.grove.io/hold"]}}',
    ]);
    const deleting = c.ok(["delete", "pcs", "ssa", "--timeout=30s"]);
    await new Promise((r) => setTimeout(r, 700));
    expect(await c.ok(["get", "pcs", "ssa", "-o", "jsonpath={.metadata.deletionTimestamp}"])).not.toBe("");
    await c.ok([
      "patch",
      "pcs",
      "ssa",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    expect(await deleting).toContain('"ssa" deleted');
    expect(await c.ok(["delete", "pcs", "--all"])).toContain("deleted");
    expect((await c.kubectl(["get", "pcs"])).stderr).toContain("No resources found");
  });
});

describe.skipIf(skip || noteMissingFixtures("kubectl grove samples"))("Grove's samples (../shared)", () => {
  it("server-side applies Grove's upstream CRDs over ours", async () => {
    const ssa = await c.ok([
      "apply",
      "--server-side",
      "--force-conflicts",
      "-f",
      join(fixturesDir, "upstream-crds"),
    ]);
    expect(ssa).toContain("podcliquesets.grove.io serverside-applied");
  });

  it("applies and lists every sample", async () => {
    const dirs = [
      join(fixturesDir, "samples/simple"),
      ...[
        "01_core-concepts",
        "02_pod-and-resource-naming-conventions",
        "03_environment-variables-for-pod-discovery",
      ].map((d) => join(fixturesDir, "samples/user-guide", d)),
    ];
    const files = dirs.flatMap((d) =>
      readdirSync(d)
        .filter((x) => x.endsWith(".yaml"))
        .map((f) => join(d, f)),
    );
    // Two user-guide samples omit a clique's roleName, which the CRD requires: a real cluster
    // refuses them too, with the same field path.
    const applied = await c.kubectl(["apply", ...files.flatMap((f) => ["-f", f])]);
    const errors = applied.stderr.split("\n").filter((l) => l.startsWith("Error from server"));
    expect(errors.length).toBeLessThanOrEqual(2);
    for (const e of errors) expect(e).toContain("spec.template.cliques[0].spec.roleName: Required value");
    expect(applied.stdout.trim().split("\n").length).toBe(files.length - errors.length);
    const names = (await c.ok(["get", "pcs", "-o", "name"])).trim().split("\n");
    expect(names).toContain("podcliqueset.grove.io/simple1");
    expect(names.length).toBeGreaterThanOrEqual(8);
    await c.ok(["delete", "--ignore-not-found", ...files.flatMap((f) => ["-f", f])]);
  });
});
