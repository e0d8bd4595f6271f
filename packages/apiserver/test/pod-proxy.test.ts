// pods/log, exec, attach and portforward: the checks the API server makes before its kubelet
// (the pod exists, the container is the pod's, a pod with no node has an empty log), the answer
// without a PodProxy (kube-apiserver's 500 for a node whose kubelet it cannot reach), and a
// PodProxy's answers passed through (grove-sim's simulated kubelets are one).
import { ApiError, status } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApiServer, startApiServer } from "../src/index.js";

let s: RunningApiServer;
beforeAll(async () => {
  s = await startApiServer({});
  const pod = (name: string, nodeName?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [
        { name: "a", image: "busybox" },
        { name: "b", image: "busybox" },
      ],
    },
  });
  for (const p of [pod("bound", "n1"), pod("unbound")])
    await s.client.create({ apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true }, p);
});
afterAll(() => s.close());

async function req(method: string, path: string): Promise<{ code: number; text: string }> {
  const r = await fetch(`${s.url}/api/v1/namespaces/default/pods/${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}` },
  });
  return { code: r.status, text: await r.text() };
}

describe("pod subresources without a kubelet", () => {
  it("are listed in discovery as kube-apiserver v1.37 lists them", async () => {
    const r = await fetch(`${s.url}/api/v1`, { headers: { authorization: `Bearer ${s.token}` } });
    const res = ((await r.json()) as { resources: { name: string }[] }).resources;
    const want = ["attach", "exec", "log", "portforward"].map((n) => `pods/${n}`);
    expect(res.filter((x) => want.includes(x.name))).toEqual([
      {
        name: "pods/attach",
        singularName: "",
        namespaced: true,
        kind: "PodAttachOptions",
        verbs: ["create", "get"],
      },
      {
        name: "pods/exec",
        singularName: "",
        namespaced: true,
        kind: "PodExecOptions",
        verbs: ["create", "get"],
      },
      { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
      {
        name: "pods/portforward",
        singularName: "",
        namespaced: true,
        kind: "PodPortForwardOptions",
        verbs: ["create", "get"],
      },
    ]);
  });

  it("log: 404 for no pod, 400 for a container the pod lacks or an ambiguous one", async () => {
    expect((await req("GET", "nope/log")).code).toBe(404);
    const bad = await req("GET", "bound/log?container=c");
    expect(bad.code).toBe(400);
    expect(JSON.parse(bad.text).message).toBe("container c is not valid for pod bound");
    const none = await req("GET", "bound/log");
    expect(none.code).toBe(400);
    expect(JSON.parse(none.text).message).toBe(
      "a container name must be specified for pod bound, choose one of: [a b]",
    );
  });

  it("log of an unscheduled pod is empty, as kube-apiserver answers it", async () => {
    expect(await req("GET", "unbound/log?container=a")).toEqual({ code: 200, text: "" });
  });

  it("log and exec on a bound pod: 500, no kubelet serves the node", async () => {
    for (const [m, p] of [
      ["GET", "bound/log?container=a"],
      ["POST", "bound/exec?container=a&command=ls"],
      ["GET", "bound/attach?container=a"],
      ["POST", "bound/portforward?ports=80"],
    ] as const) {
      const r = await req(m, p);
      expect(r.code).toBe(500);
      expect(JSON.parse(r.text).message).toMatch(/no kubelet serves node n1/);
    }
  });
});

describe("with a PodProxy", () => {
  it("answers log with the proxy's text and exec with the proxy's Status", async () => {
    s.server.podProxy = {
      logs: (_pod, o) => `log of ${o.container} previous=${o.previous} tail=${o.tailLines ?? "-"}\n`,
      stream: (_pod, sub) => {
        throw new ApiError(status(501, "NotImplemented", `${sub} not simulated`));
      },
    };
    try {
      expect(await req("GET", "bound/log?container=b&previous=true&tailLines=3")).toEqual({
        code: 200,
        text: "log of b previous=true tail=3\n",
      });
      const bad = await req("GET", "bound/log?container=b&tailLines=-1");
      expect(bad.code).toBe(400);
      const e = await req("POST", "bound/exec?container=a&command=ls");
      expect(e.code).toBe(501);
      expect(JSON.parse(e.text)).toMatchObject({ reason: "NotImplemented", message: "exec not simulated" });
    } finally {
      s.server.podProxy = undefined;
    }
  });
});
