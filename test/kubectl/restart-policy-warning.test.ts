// The restartPolicy warning (issue 16, item 6): Grove's webhook warns after its own defaulting, which
// sets `restartPolicy: Always` on every clique, so every apply, scale and patch of any PodCliqueSet
// warned. Ours warns only when a clique's podSpec sets a restartPolicy other than Always (the one
// value that is not ignored). Checked on kubectl's stderr, against our API server and, in the kube
// project, the real control plane with our webhooks.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { repoRoot } from "../src/shared.js";
import { target } from "../src/target.js";
import { type Cluster, noKubectl, removeDir, startCluster, waitEstablished } from "./harness.js";

let c: Cluster;
const skip = noKubectl("restartPolicy warning");
const WARNING = "restartPolicy will be ignored, it will be set to Always";

beforeAll(async () => {
  if (skip) return;
  c = await startCluster();
  await c.ok(["apply", "--server-side", "-f", join(repoRoot, "packages/api/crds")]);
  await waitEstablished(c, ["crd/podcliquesets.grove.io"]);
}, 120_000);
afterAll(async () => {
  await c?.stop();
  if (c) removeDir(c.dir);
});

const pcs = (name: string, label: string, restartPolicy?: string) =>
  stringify({
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name, labels: { v: label } },
    spec: {
      replicas: 1,
      template: {
        cliques: [
          {
            name: "w",
            spec: {
              roleName: "w",
              replicas: 1,
              podSpec: {
                ...(restartPolicy ? { restartPolicy } : {}),
                containers: [{ name: "c", image: "nginx" }],
              },
            },
          },
        ],
      },
    },
  });

/** kubectl's stderr of a successful command. */
async function stderrOf(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

describe.skipIf(skip)(
  `restartPolicy warning against ${target === "kube" ? "kube-apiserver" : "grove-apiserver"}`,
  () => {
    it("a manifest without restartPolicy: no warning on apply, re-apply, scale or patch", async () => {
      expect(await stderrOf(["apply", "-f", "-"], pcs("plain", "1"))).toBe("");
      expect(await stderrOf(["apply", "-f", "-"], pcs("plain", "2"))).toBe("");
      expect(await stderrOf(["scale", "pcs/plain", "--replicas=2"])).toBe("");
      expect(await stderrOf(["patch", "pcs/plain", "--type=merge", "-p", '{"spec":{"replicas":3}}'])).toBe(
        "",
      );
      // The stored object carries the defaulted Always, which does not warn either.
      const stored = await c.ok([
        "get",
        "pcs/plain",
        "-o",
        "jsonpath={.spec.template.cliques[0].spec.podSpec.restartPolicy}",
      ]);
      expect(stored).toBe("Always");
    });

    it("a manifest that sets restartPolicy: Never warns on apply, re-apply and patch", async () => {
      expect(await stderrOf(["apply", "-f", "-"], pcs("never", "1", "Never"))).toContain(
        `Warning: ${WARNING}`,
      );
      expect(await stderrOf(["apply", "-f", "-"], pcs("never", "2", "Never"))).toContain(
        `Warning: ${WARNING}`,
      );
      expect(
        await stderrOf(["patch", "pcs/never", "--type=merge", "-p", '{"spec":{"replicas":2}}']),
      ).toContain(`Warning: ${WARNING}`);
    });
  },
);
