// grove-sim's kubelet endpoint for the real control plane: kubelet's paths over HTTPS, the
// simulated log with its query, kubelet's error codes, and exec/attach/portForward refused with
// grove-sim's Status, also when asked as an upgrade (WebSocket), as kube-apiserver forwards them.
import { mkdtempSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeletServer, startKubeletServer } from "../src/kubelet-server.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:01Z";

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ code: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () =>
        resolve({ code: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("grove-sim's kubelet endpoint", () => {
  let api: RunningApiServer;
  let kubelet: KubeletServer;
  beforeAll(async () => {
    api = await startApiServer({ port: 0, kubeconfigPath: join(mkdtempSync(join(tmpdir(), "k2-")), "kc") });
    await api.client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: { nodeName: "n0", containers: [{ name: "main", image: "busybox:1.36", args: ["sleep"] }] },
    } as KubeObject);
    await api.client.patch(
      PodType,
      "web",
      "default",
      {
        type: "merge",
        body: {
          status: {
            conditions: [{ type: "ContainersReady", status: "True", lastTransitionTime: T1 }],
            containerStatuses: [
              { name: "main", ready: true, restartCount: 0, state: { running: { startedAt: T0 } } },
            ],
          },
        },
      },
      { subresource: "status" },
    );
    kubelet = await startKubeletServer(api.client);
  });
  afterAll(async () => {
    await kubelet?.close();
    await api?.close();
  });

  it("serves HTTPS on 127.0.0.1", () => {
    expect(kubelet.url).toBe(`https://127.0.0.1:${kubelet.port}`);
    expect(kubelet.port).toBeGreaterThan(0);
  });

  it("containerLogs: the simulated lifecycle, with tailLines, timestamps and follow", async () => {
    const all = await get(kubelet.port, "/containerLogs/default/web/main");
    expect(all.code).toBe(200);
    expect(all.body).toBe(
      '[grove-sim] started container main: image busybox:1.36, args ["sleep"]\n[grove-sim] container main is ready\n',
    );
    const tail = await get(
      kubelet.port,
      "/containerLogs/default/web/main?tailLines=1&timestamps=true&follow=true",
    );
    expect(tail.body).toBe(`${T1} [grove-sim] container main is ready\n`);
  });

  it("containerLogs errors: kubelet's 400 and 404 with a message", async () => {
    const prev = await get(kubelet.port, "/containerLogs/default/web/main?previous=true");
    expect(prev).toMatchObject({
      code: 400,
      body: 'previous terminated container "main" in pod "web" not found',
    });
    const tail = await get(kubelet.port, "/containerLogs/default/web/main?tailLines=-1");
    expect(tail.code).toBe(400);
    expect(tail.body).toContain("tailLines: Invalid value");
    const pod = await get(kubelet.port, "/containerLogs/default/nope/main");
    expect(pod).toMatchObject({ code: 404, body: 'pod "nope" does not exist' });
    const path = await get(kubelet.port, "/stats/summary");
    expect(path.code).toBe(404);
    expect(path.body).toContain(
      "grove-sim's kubelet serves containerLogs, exec, attach, run and portForward",
    );
  });

  it.each([
    ["/exec/default/web/main?command=ls", "exec"],
    ["/exec/default/web/uid-1/main?command=ls", "exec"],
    ["/run/default/web/main", "exec"],
    ["/attach/default/web/main", "attach"],
    ["/portForward/default/web", "port-forward"],
  ])("%s: 501 with grove-sim's Status, plain and as an upgrade", async (path, what) => {
    const plain: Record<string, string> = {};
    for (const headers of [
      plain,
      {},
      {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    ]) {
      const r = await get(kubelet.port, path, headers);
      expect(r.code).toBe(501);
      expect(r.type).toBe("application/json");
      const status = JSON.parse(r.body) as { kind: string; reason: string; message: string };
      expect(status).toMatchObject({ kind: "Status", reason: "NotImplemented" });
      expect(status.message).toContain(`grove-sim does not simulate ${what}`);
    }
  });
});
