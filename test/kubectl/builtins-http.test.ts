// kubectl over plain HTTP/1.1 (grove-apiserver --insecure-http) against built-in kinds. kubectl sends
// no bearer token over http://, so the server must be started with --anonymous for it (a measured
// surprise; see the README).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, noKubectl, removeDir, startCluster } from "./harness.js";

let open: Cluster;
let closed: Cluster;

const podYaml = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: main
    image: ${image}
    env: [{name: A, value: "1"}]
    ports: [{containerPort: 80}]
  - name: side
    image: busybox
`;

const skip = noKubectl("kubectl over http");

beforeAll(async () => {
  if (skip) return;
  [open, closed] = await Promise.all([
    startCluster({ insecureHttp: true, anonymous: true }),
    startCluster({ insecureHttp: true }),
  ]);
}, 30_000);
afterAll(async () => {
  for (const c of [open, closed]) {
    if (!c) continue;
    await c.stop();
    removeDir(c.dir);
  }
});

describe.skipIf(skip)("kubectl over plain http", () => {
  it("is refused without --anonymous, because kubectl drops the token on http://", async () => {
    const r = await closed.kubectl(["get", "namespaces"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("the server has asked for the client to provide credentials");
  });

  it("lists built-in kinds and namespaces", async () => {
    const ns = await open.ok(["get", "namespaces"]);
    expect(ns).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(ns).toMatch(/default\s+Active/);
    const res = await open.ok(["api-resources", "--no-headers"]);
    for (const r of [
      "pods",
      "nodes",
      "services",
      "events",
      "leases",
      "priorityclasses",
      "horizontalpodautoscalers",
      "customresourcedefinitions",
    ])
      expect(res).toMatch(new RegExp(`^${r}\\s`, "m"));
  });

  it("creates through kubectl's protobuf generators (namespace, configmap, secret, serviceaccount, priorityclass)", async () => {
    await open.ok(["create", "namespace", "team-a"]);
    await open.ok([
      "create",
      "configmap",
      "cfg",
      "-n",
      "team-a",
      "--from-literal=a=1",
      "--from-literal=b=two",
    ]);
    await open.ok(["create", "secret", "generic", "sec", "-n", "team-a", "--from-literal=pw=hunter2"]);
    await open.ok(["create", "serviceaccount", "robot", "-n", "team-a"]);
    await open.ok(["create", "priorityclass", "high", "--value=1000", "--description=important"]);
    expect(await open.ok(["get", "cm", "cfg", "-n", "team-a", "-o", "jsonpath={.data}"])).toBe(
      '{"a":"1","b":"two"}',
    );
    const pw = await open.ok(["get", "secret", "sec", "-n", "team-a", "-o", "jsonpath={.data.pw}"]);
    expect(Buffer.from(pw, "base64").toString()).toBe("hunter2");
    expect(await open.ok(["get", "pc", "high", "-o", "jsonpath={.value} {.description}"])).toBe(
      "1000 important",
    );
    expect(await open.ok(["get", "sa", "-n", "team-a", "-o", "name"])).toContain("serviceaccount/robot");
    expect(await open.ok(["delete", "namespace", "team-a"])).toContain('namespace "team-a" deleted');
    expect((await open.kubectl(["get", "cm", "cfg", "-n", "team-a"])).code).not.toBe(0);
  });

  it("applies a pod, then re-applies a new image as a strategic merge patch; other changes are refused", async () => {
    expect(await open.ok(["apply", "-f", open.file("pod.yaml", podYaml("nginx:1.26"))])).toContain(
      "pod/web created",
    );
    expect(await open.ok(["apply", "-f", open.file("pod.yaml", podYaml("nginx:1.27"))])).toContain(
      "pod/web configured",
    );
    const images = await open.ok(["get", "pod", "web", "-o", "jsonpath={.spec.containers[*].image}"]);
    expect(images).toBe("nginx:1.27 busybox");
    expect(await open.ok(["get", "pod", "web", "-o", "jsonpath={.spec.containers[0].env[0].value}"])).toBe(
      "1",
    );
    const r = await open.kubectl([
      "apply",
      "-f",
      open.file("pod.yaml", podYaml("nginx:1.27").replace('value: "1"', 'value: "2"')),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("pod updates may not change fields other than");
    await open.ok([
      "patch",
      "pod",
      "web",
      "-p",
      '{"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}',
    ]);
    expect(await open.ok(["get", "pod", "web", "-o", "jsonpath={.spec.containers[*].image}"])).toBe(
      "nginx:1.27 busybox:2",
    );
  });

  it("prints pods -o wide and describes them", async () => {
    const wide = await open.ok(["get", "pods", "-o", "wide"]);
    expect(wide.split("\n")[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
    );
    expect(wide).toMatch(/web\s+0\/2\s+Pending\s+0\s+\S+\s+<none>\s+<none>/);
    const d = await open.ok(["describe", "pod", "web"]);
    expect(d).toMatch(/Status:\s+Pending/);
    expect(d).toMatch(/Image:\s+nginx:1.27/);
    expect(await open.ok(["get", "pods", "-l", "app=web", "--show-labels"])).toMatch(/web\s.*app=web/);
  });

  it("creates nodes and events that print as tables", async () => {
    await open.ok([
      "apply",
      "-f",
      open.file(
        "node.yaml",
        "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {node-role.kubernetes.io/worker: ''}}\nstatus:\n  conditions: [{type: Ready, status: 'True'}]\n  nodeInfo: {kubeletVersion: v1.32.0}\n",
      ),
    ]);
    expect(await open.ok(["get", "nodes"])).toMatch(/n1\s+Ready\s+worker\s+\S+\s+v1.32.0/);
    expect(await open.ok(["delete", "pod", "web", "--wait=false"])).toContain('pod "web" deleted');
  });
});
