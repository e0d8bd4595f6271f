// The kube client through a kubeconfig file to a TLS server whose CA the kubeconfig carries
// (certificate-authority-data, verified; no insecure-skip-tls-verify), as grove-apiserver writes it.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApiServer } from "@grove-ts/apiserver";
import { createKubeClient } from "@grove-ts/kube";
import { ConfigMapType, type WatchEvent } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { type ConfigMap, eventually } from "./targets.js";

describe("kube client over TLS with a kubeconfig file", () => {
  it("creates, reads and watches", async () => {
    const kubeconfigPath = join(mkdtempSync(join(tmpdir(), "contract-tls-")), "kubeconfig");
    const server = await startApiServer({ port: 0, tls: true, kubeconfigPath, groveAdmission: false });
    try {
      expect(server.url.startsWith("https://")).toBe(true);
      const kubeconfig = readFileSync(kubeconfigPath, "utf8");
      expect(kubeconfig).toContain("certificate-authority-data:");
      expect(kubeconfig).not.toContain("insecure-skip-tls-verify");
      const client = createKubeClient({ kubeconfigPath, qps: -1 });
      const events: WatchEvent<ConfigMap>[] = [];
      const h = await client.watch<ConfigMap>(ConfigMapType, { namespace: "default" }, (e) => events.push(e));
      const made = await client.create<ConfigMap>(ConfigMapType, {
        metadata: { name: "tls", namespace: "default" },
        data: { a: "1" },
      });
      expect((await client.get<ConfigMap>(ConfigMapType, "tls", "default"))?.data).toEqual({ a: "1" });
      await eventually(
        () => events.some((e) => e.type === "ADDED" && e.object.metadata.uid === made.metadata.uid),
        "watch event over TLS",
      );
      h.stop();
      await h.done;
    } finally {
      await server.close();
    }
  });
});
