// `kubectl apply -f` of a `kind: List`, and re-apply of built-in kinds, which read GET /openapi/v2
// (kube-api-compat notes in packages/apiserver/README.md): no v3 document has the List kind, so
// kubectl asks v2 whether List takes fieldValidation, learns it does not, and validates each item
// client-side against the item kind's v2 definition; a re-apply over a built-in kind computes a
// strategic merge patch, merging lists by their keys. Against our API server (the grove-apiserver
// CLI) and, in the kube project, the real control plane.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { repoRoot } from "../src/shared.js";
import { target } from "../src/target.js";
import { type Cluster, noKubectl, removeDir, startCluster, waitEstablished } from "./harness.js";

let c: Cluster;
const skip = noKubectl("kubectl apply of a List");

beforeAll(async () => {
  if (skip) return;
  c = await startCluster();
}, 120_000);
afterAll(async () => {
  await c?.stop();
  if (c) removeDir(c.dir);
});

const list = (...items: unknown[]) => stringify({ apiVersion: "v1", kind: "List", items });

const pcs = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "grove.io/v1alpha1",
  kind: "PodCliqueSet",
  metadata: { name },
  spec: {
    replicas: 1,
    template: {
      cliques: [
        {
          name: "w",
          spec: { roleName: "w", replicas: 1, podSpec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      ],
    },
    ...spec,
  },
});

const pod = (bImage: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "smp" },
  spec: {
    containers: [
      { name: "a", image: "nginx:1.27" },
      { name: "b", image: bImage },
    ],
  },
});

const service = (targetPort: number) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "smp" },
  spec: { selector: { app: "smp" }, ports: [{ name: "http", port: 80, targetPort }] },
});

describe.skipIf(skip)(
  `kubectl apply over /openapi/v2 against ${target === "kube" ? "kube-apiserver" : "grove-apiserver"}`,
  () => {
    it("applies a List of PriorityClasses: every item created, then unchanged", async () => {
      const f = c.file(
        "pcs-list.yaml",
        list(
          {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: { name: "list-high" },
            value: 1000,
          },
          {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: { name: "list-low" },
            value: 10,
            description: "low",
          },
        ),
      );
      const out = await c.ok(["apply", "-f", f]);
      expect(out).toContain("priorityclass.scheduling.k8s.io/list-high created");
      expect(out).toContain("priorityclass.scheduling.k8s.io/list-low created");
      expect(
        await c.ok(["get", "priorityclass", "list-high", "list-low", "-o", "jsonpath={.items[*].value}"]),
      ).toBe("1000 10");
      const again = await c.ok(["apply", "-f", f]);
      expect(again).toContain("priorityclass.scheduling.k8s.io/list-high unchanged");
      expect(again).toContain("priorityclass.scheduling.k8s.io/list-low unchanged");
    });

    it("applies a List mixing a ConfigMap and a PodCliqueSet, its items validated against their v2 definitions", async () => {
      await c.ok(["apply", "--server-side", "-f", join(repoRoot, "packages/api/crds")]);
      await waitEstablished(c, ["crd/podcliquesets.grove.io"]);
      const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "list-cm" }, data: { a: "1" } };
      const f = c.file("mixed-list.yaml", list(cm, pcs("list-pcs")));
      const out = await c.ok(["apply", "-f", f]);
      expect(out).toContain("configmap/list-cm created");
      expect(out).toContain("podcliqueset.grove.io/list-pcs created");
      expect(await c.ok(["get", "configmap", "list-cm", "-o", "jsonpath={.data.a}"])).toBe("1");
      expect(await c.ok(["get", "pcs", "list-pcs", "-o", "jsonpath={.spec.template.cliques[0].name}"])).toBe(
        "w",
      );
      // An unknown field in one item fails the whole List in kubectl, before anything is sent.
      const bad = c.file(
        "bad-list.yaml",
        list({ ...cm, metadata: { name: "list-cm-2" } }, pcs("list-bad", { bogus: 1 })),
      );
      const r = await c.kubectl(["apply", "-f", bad]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        'ValidationError(PodCliqueSet.spec): unknown field "bogus" in io.grove.v1alpha1.PodCliqueSet.spec',
      );
      expect((await c.kubectl(["get", "configmap", "list-cm-2"])).stderr).toContain("NotFound");
    });

    it("re-applies a Pod with a strategic merge patch: containers merge by name", async () => {
      expect(await c.ok(["apply", "-f", c.file("pod.yaml", stringify(pod("busybox:1.36")))])).toContain(
        "pod/smp created",
      );
      // kubectl's request shows the patch it computed: a strategic merge patch that orders the
      // containers by their merge key (a JSON merge patch would resend the whole list instead).
      const r = await c.kubectl(["apply", "-v=8", "-f", c.file("pod.yaml", stringify(pod("busybox:1.37")))]);
      expect(r.stdout).toContain("pod/smp configured");
      expect(r.stderr).not.toContain("error calculating patch");
      expect(r.stderr).toContain("Content-Type: application/strategic-merge-patch+json");
      expect(r.stderr).toContain(
        '$setElementOrder/containers\\":[{\\"name\\":\\"a\\"},{\\"name\\":\\"b\\"}]',
      );
      expect(await c.ok(["get", "pod", "smp", "-o", "jsonpath={.spec.containers[*].image}"])).toBe(
        "nginx:1.27 busybox:1.37",
      );
    });

    it("re-applies a Service with a strategic merge patch: ports merge by port", async () => {
      await c.ok(["apply", "-f", c.file("svc.yaml", stringify(service(8080)))]);
      await c.ok([
        "patch",
        "service",
        "smp",
        "-p",
        '{"spec":{"ports":[{"name":"extra","port":81,"targetPort":81}]}}',
      ]);
      const r = await c.kubectl(["apply", "-f", c.file("svc.yaml", stringify(service(9090)))]);
      expect(r.stdout).toContain("service/smp configured");
      expect(r.stderr).toBe("");
      const ports = (
        parse(await c.ok(["get", "service", "smp", "-o", "yaml"])) as {
          spec: { ports: { name: string; port: number; targetPort: number }[] };
        }
      ).spec.ports.map((p) => `${p.name}:${p.port}->${p.targetPort}`);
      expect(ports.sort()).toEqual(["extra:81->81", "http:80->9090"]);
    });
  },
);
