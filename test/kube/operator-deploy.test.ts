// grove-operator as the chart deploys it, on the real control plane: the chart's objects applied
// server-side (RBAC, webhook configurations, the OperatorConfiguration ConfigMap), then the real
// grove-operator process run out of the cluster as the chart's ServiceAccount (a TokenRequest
// token, the chart's RBAC and nothing else) with the chart's configuration, its webhooks wired to
// the local process (no kube-proxy routes Service IPs here: --webhook-host 127.0.0.1 turns the
// chart's configurations into url: ones). The core-concepts walk-through passes; one wrong manifest
// per Grove webhook rule family is refused by kube-apiserver with Grove's message and field path;
// the authorizer webhook protects the managed objects.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeBinDir, missingKubeBinaries } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { cpuCluster, E2E } from "../e2e/lib/harness.js";
import { Kubectl } from "../e2e/lib/kubectl.js";
import { type ChildHandle, operatorBin, SCHEDULER_NAMES, spawnNode } from "../e2e/lib/operator.js";
import { repoRoot, serviceAccountKubeconfig } from "../src/index.js";
import { walkCoreConcepts } from "../tutorial/core-concepts.js";

const NS = "grove-system";
const chart = join(repoRoot, "charts/grove-ts");
const helm = join(kubeBinDir(), "helm");
const haveHelm = !missingKubeBinaries().includes("helm");
if (!haveHelm) console.warn("[operator-deploy] skipped: helm not built (npm run k8s:build)");

type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string> };

describe.skipIf(!haveHelm)(
  "grove-operator deployed by the chart (out of cluster, as its ServiceAccount)",
  () => {
    let e2e: E2E;
    let op: ChildHandle;
    let dir: string;
    let asOperator: Kubectl;
    let someone: Kubectl;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "grove-deploy-"));
      // grove-sim without webhooks of its own and without an operator: the deployed one serves both.
      e2e = await E2E.start({
        cluster: cpuCluster(4),
        operator: "external",
        startOperator: false,
        webhooks: false,
      });
      const rendered = execFileSync(
        helm,
        ["template", "grove-ts", chart, "--namespace", NS, "--set", "config.authorizer.enabled=true"],
        { encoding: "utf8" },
      );
      const objects = parseAllDocuments(rendered)
        .map((d) => d.toJSON() as Obj | null)
        .filter((o): o is Obj => o !== null);
      writeFileSync(join(dir, "chart.yaml"), rendered);
      await e2e.kubectl.ok(["create", "namespace", NS]);
      await e2e.kubectl.ok([
        "apply",
        "--server-side",
        "--field-manager",
        "helm",
        "-f",
        join(dir, "chart.yaml"),
      ]);

      const cm = objects.find((o) => o.kind === "ConfigMap" && o.data && Object.keys(o.data).length === 1);
      const configText = Object.values(cm?.data ?? {})[0];
      if (!configText) throw new Error("the chart rendered no OperatorConfiguration ConfigMap");
      const configPath = join(dir, "config.yaml");
      writeFileSync(configPath, configText);

      const admin = { kubeconfigPath: e2e.kubeconfig };
      const saKubeconfig = await serviceAccountKubeconfig(admin, NS, "grove-operator", {
        out: join(dir, "operator.kubeconfig"),
      });
      asOperator = new Kubectl(saKubeconfig, dir);
      // A cluster admin who is not the operator: the authorizer webhook stands between them.
      await e2e.kubectl.ok(["create", "serviceaccount", "someone", "-n", "default"]);
      await e2e.kubectl.ok([
        "create",
        "clusterrolebinding",
        "someone-admin",
        "--clusterrole=cluster-admin",
        "--serviceaccount=default:someone",
      ]);
      someone = new Kubectl(
        await serviceAccountKubeconfig(admin, "default", "someone", { out: join(dir, "someone.kubeconfig") }),
        dir,
      );

      op = spawnNode(operatorBin, [
        "--kubeconfig",
        saKubeconfig,
        "--config",
        configPath,
        "--namespace",
        NS,
        "--webhook-host",
        "127.0.0.1",
        "--webhook-port",
        "0",
        ...extraPortFlags(),
        ...SCHEDULER_NAMES.flatMap((n) => ["--scheduler-name", n]),
      ]);
      await until(
        () => op.output().includes("grove-operator running"),
        90_000,
        () => op.output(),
      );
    }, 240_000);

    afterAll(async () => {
      await op?.stop("SIGTERM");
      await e2e?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("runs with nothing but the chart's RBAC: no permission error in its log", () => {
      expect(op.output()).not.toMatch(/forbidden|Forbidden/);
    });

    it("the core-concepts walk-through passes", async () => {
      await walkCoreConcepts(e2e);
    }, 300_000);

    it.each(WRONG)(
      "refuses $family with Grove's message and field path",
      async ({ manifest, expected, update }) => {
        if (update) {
          await e2e.kubectl.ok(["apply", "-f", e2e.file(`${update.name}-base.yaml`, stringify(update.base))]);
        }
        const res = await e2e.kubectl.run(["apply", "-f", e2e.file("wrong.yaml", stringify(manifest))]);
        expect(res.code, res.stdout).not.toBe(0);
        // kubectl prints a 422's causes as `The <Kind> "<name>" is invalid: <field>: <rule>`.
        expect(res.stderr).toMatch(/^The (PodCliqueSet|ClusterTopologyBinding) "[a-z-]+" is invalid: /);
        for (const e of expected) expect(res.stderr).toContain(e);
        if (update) await e2e.kubectl.ok(["delete", "pcs", update.name, "--wait=false"]);
      },
    );

    it("protects managed objects: a cluster admin who is not the operator may not change a PodClique", async () => {
      await e2e.kubectl.ok(["apply", "-f", e2e.file("guarded.yaml", stringify(pcs("guarded")))]);
      await until(async () => (await e2e.kubectl.names("pclq")).includes("guarded-0-w"), 60_000);
      const denied = await someone.run(["label", "pclq", "guarded-0-w", "touched=yes"]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('admission webhook "authorizer.webhooks.grove.io" denied the request');
      expect(denied.stderr).toContain(
        "admission denied, creation/updation of resource: default/guarded-0-w is not allowed",
      );
      // Pods may be deleted by anyone with RBAC; the PodClique makes a new one.
      const pod = (await e2e.kubectl.names("pods", "-l", "grove.io/podclique=guarded-0-w"))[0] ?? "";
      await someone.ok(["delete", "pod", pod, "--wait=false"]);
      // The PodCliqueSet's opt-out annotation lifts the protection.
      await e2e.kubectl.ok([
        "annotate",
        "pcs",
        "guarded",
        "grove.io/disable-managed-resource-protection=true",
      ]);
      await someone.ok(["label", "pclq", "guarded-0-w", "touched=yes"]);
      await e2e.kubectl.ok(["delete", "pcs", "guarded", "--wait=false"]);
    });

    it("a missing RBAC permission is logged with the verb and the resource, and the operator keeps retrying", async () => {
      await e2e.kubectl.ok(["create", "serviceaccount", "nobody", "-n", "default"]);
      const kubeconfig = await serviceAccountKubeconfig(
        { kubeconfigPath: e2e.kubeconfig },
        "default",
        "nobody",
        { out: join(dir, "nobody.kubeconfig") },
      );
      const bare = spawnNode(operatorBin, ["--kubeconfig", kubeconfig, "--no-webhooks", ...extraPortFlags()]);
      try {
        await until(
          () =>
            bare
              .output()
              .includes('cannot list resource \\"podgangs\\" in API group \\"scheduler.grove.io\\"'),
          30_000,
          () => bare.output(),
        );
        expect(bare.output()).toContain("list/watch failed");
        expect(bare.output()).toContain('User \\"system:serviceaccount:default:nobody\\"');
        expect(bare.proc.exitCode).toBeNull();
      } finally {
        await bare.stop("SIGTERM");
      }
    }, 90_000);

    it("the chart's ServiceAccount cannot do what the chart does not grant", async () => {
      const res = await asOperator.run(["delete", "node", "cpu-node-0", "--dry-run=server"]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(
        'nodes "cpu-node-0" is forbidden: User "system:serviceaccount:grove-system:grove-operator" cannot delete resource "nodes"',
      );
    });
  },
);

/** Port flags other parts of the operator add (health probes, metrics): free ports, so runs do not clash. */
function extraPortFlags(): string[] {
  const help = execFileSync(process.execPath, [operatorBin, "--help"], { encoding: "utf8" });
  return ["--health-port", "--metrics-port"].filter((f) => help.includes(f)).flatMap((f) => [f, "0"]);
}

async function until(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  why: () => string = () => "",
): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms\n${why()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const clique = (name: string, spec: Record<string, unknown> = {}) => ({
  name,
  spec: {
    roleName: name,
    replicas: 1,
    podSpec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "10m" } } }] },
    ...spec,
  },
});
function pcs(name: string, template: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name, namespace: "default", ...meta },
    spec: { replicas: 1, template: { cliques: [clique("w")], ...template } },
  };
}

/** One wrong manifest per family of Grove's webhook rules (grove-api.md §9.2-9.6). */
const WRONG: {
  family: string;
  manifest: unknown;
  expected: string[];
  update?: { name: string; base: unknown };
}[] = [
  {
    family: "duplicate roleNames (V21; a duplicate clique name is the CRD schema's own list-map rule)",
    manifest: pcs("dup", { cliques: [clique("a"), { name: "b", spec: { ...clique("a").spec } }] }),
    expected: [
      'spec.template.cliques[1].spec.roleName: Duplicate value: "a": cliqueTemplateSpec.Spec roleNames must be unique',
    ],
  },
  {
    family: "minAvailable above replicas (V15)",
    manifest: pcs("minavail", { cliques: [clique("w", { replicas: 1, minAvailable: 2 })] }),
    expected: [
      "spec.template.cliques[0].spec.minAvailable",
      "minAvailable must not be greater than replicas",
    ],
  },
  {
    family: "circular startsAfter (V25)",
    manifest: pcs("cycle", {
      cliqueStartupType: "CliqueStartupTypeExplicit",
      cliques: [clique("a", { startsAfter: ["b"] }), clique("b", { startsAfter: ["a"] })],
    }),
    expected: [
      'spec.template.cliques: Invalid value: [["a","b"]]: clique must not have circular dependencies',
    ],
  },
  {
    family: "scaling group naming an unknown clique (V27)",
    manifest: pcs("sg", { podCliqueScalingGroups: [{ name: "sg", cliqueNames: ["nope"] }] }),
    expected: [
      'spec.template.podCliqueScalingGroups[0].cliqueNames[0]: Invalid value: "nope": unidentified PodClique names found',
    ],
  },
  {
    family: "create-only: nodeName set (V19)",
    manifest: pcs("pinned", {
      cliques: [
        clique("w", { podSpec: { nodeName: "cpu-node-0", containers: [{ name: "c", image: "nginx" }] } }),
      ],
    }),
    expected: [
      'spec.template.cliques[0].spec.podSpec.nodeName: Invalid value: "cpu-node-0": must not be set',
    ],
  },
  {
    family: "topology constraints while the chart leaves TAS off (T1)",
    manifest: pcs("topo", { topologyConstraint: { topologyName: "missing", pack: { required: "rack" } } }),
    expected: [
      "spec.template.topologyConstraint: Invalid value:",
      "topology constraints are not allowed when Topology Aware Scheduling is disabled",
    ],
  },
  {
    family: "MNNVL: mnnvl-group not a DNS label (M1)",
    manifest: pcs("mnnvl", {}, { annotations: { "grove.io/mnnvl-group": "Not_A_Label" } }),
    expected: [
      'metadata.annotations[grove.io/mnnvl-group]: Invalid value: "Not_A_Label": grove.io/mnnvl-group must be "none" or a valid DNS-1123 label',
    ],
  },
  {
    family: "update: cliqueStartupType is immutable (U4)",
    update: { name: "immut", base: pcs("immut") },
    manifest: pcs("immut", { cliqueStartupType: "CliqueStartupTypeInOrder" }),
    expected: [
      'spec.template.cliqueStartupType: Invalid value: "CliqueStartupTypeInOrder": field is immutable',
    ],
  },
  {
    family: "ClusterTopologyBinding: duplicate domains",
    manifest: {
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      metadata: { name: "dup-domains" },
      spec: {
        levels: [
          { domain: "rack", key: "topology.kubernetes.io/rack" },
          { domain: "rack", key: "kubernetes.io/hostname" },
        ],
      },
    },
    expected: ['spec.levels[1].domain: Duplicate value: "rack"'],
  },
];
