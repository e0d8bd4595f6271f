// `kubectl get grove` (issue 16, item 6): the category lists the Grove kinds only. Pods, services,
// service accounts, secrets, roles, role bindings and HPAs are built-in kinds whose categories the
// API server fixes (kube-apiserver v1.37.2 puts pods and services in `all` and none of them in a
// category a CRD can name), so the README names them beside `grove` with the operator's label for
// "everything the operator made". Both are checked here with kubectl against grove-sim, on our API
// server and on the real control plane.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/shared.js";
import { cpuCluster, E2E, MANAGED, MANAGED_KINDS, T } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const manifest = `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: { name: listed }
spec:
  replicas: 1
  template:
    cliques:
      - name: worker
        spec:
          roleName: worker
          replicas: 2
          podSpec:
            containers:
              - { name: worker, image: busybox:1.36, command: [sleep, infinity], resources: { requests: { cpu: 10m } } }
`;

/** The README's command for everything the operator made, as the README writes it. */
function readmeCommand(): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const m = /`kubectl (get grove,[^`]*)`/.exec(readme);
  if (!m) throw new Error("README.md names no `kubectl get grove,...` command");
  return [...(m[1] as string).split(/\s+/), "-o", "name"];
}

const lines = (s: string) =>
  s
    .split("\n")
    .filter((l) => l !== "")
    .sort();

describe("kubectl get grove and everything the operator made", () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await E2E.start({ cluster: cpuCluster(2) });
    await e2e.apply(e2e.file("listed.yaml", manifest));
    await waitFor("the PodCliqueSet's pods, PodGang and service account", async () => {
      const [pods, gangs, sas] = await Promise.all([
        e2e.list(T.pod, MANAGED),
        e2e.list(T.podgang, MANAGED),
        e2e.list(T.serviceAccount, MANAGED),
      ]);
      return {
        ok: pods.length === 2 && gangs.length === 1 && sas.length === 1,
        state: `${pods.length} pods, ${gangs.length} PodGangs, ${sas.length} service accounts`,
      };
    });
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("the category grove is the five Grove kinds", async () => {
    const kinds = lines(await e2e.kubectl.ok(["api-resources", "--categories=grove", "-o", "name"]));
    expect(kinds).toEqual([
      "clustertopologybindings.grove.io",
      "podcliques.grove.io",
      "podcliquescalinggroups.grove.io",
      "podcliquesets.grove.io",
      "podgangs.scheduler.grove.io",
    ]);
  });

  it("built-in kinds keep the API server's categories: pods and services in all, RBAC and accounts in none", async () => {
    const all = lines(await e2e.kubectl.ok(["api-resources", "--categories=all", "-o", "name"]));
    expect(all).toEqual(expect.arrayContaining(["pods", "services"]));
    for (const k of [
      "serviceaccounts",
      "secrets",
      "roles.rbac.authorization.k8s.io",
      "rolebindings.rbac.authorization.k8s.io",
    ])
      expect(all).not.toContain(k);
  });

  it("kubectl get grove lists the PodCliqueSet and the Grove objects made from it, no pods", async () => {
    const got = lines(await e2e.kubectl.ok(["get", "grove", "-o", "name"]));
    expect(got).toContain("podcliqueset.grove.io/listed");
    expect(got).toContain("podclique.grove.io/listed-0-worker");
    expect(got).toContain("podgang.scheduler.grove.io/listed-0");
    expect(got.filter((l) => !/\.grove\.io\//.test(l))).toEqual([]);
  });

  it("the README's command lists every object the operator made, kind by kind", async () => {
    const want: string[] = [];
    for (const k of MANAGED_KINDS)
      want.push(...lines(await e2e.kubectl.ok(["get", k.kubectl, "-l", MANAGED, "-o", "name"])));
    const got = lines(await e2e.kubectl.ok(readmeCommand()));
    expect(got).toEqual(want.sort());
    for (const kind of [
      "pod/",
      "service/",
      "serviceaccount/",
      "role.rbac.authorization.k8s.io/",
      "rolebinding.rbac.authorization.k8s.io/",
    ])
      expect(
        got.some((l) => l.startsWith(kind)),
        kind,
      ).toBe(true);
  });
});
