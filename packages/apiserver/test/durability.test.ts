// --data-dir durability: kill -9 the CLI in the middle of concurrent writes, restart it on the same
// directory, and find every acknowledged write, served kinds included; versions keep increasing.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { widgetCrd } from "./fixtures.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "../bin/grove-apiserver.js");
const dir = mkdtempSync(join(tmpdir(), "grove-durability-"));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ url: string; token: string; proc: ChildProcess }> {
  const kubeconfig = join(dir, "kubeconfig");
  // Plain http: this suite is about the data (fetch does not take the generated CA; tls.test.ts covers HTTPS).
  const args = [cli, "--data-dir", join(dir, "data"), "--kubeconfig", kubeconfig, "--insecure-http"];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    proc.on("exit", (code) => reject(new Error(`exited ${code}`)));
  });
  const kc = parse(readFileSync(kubeconfig, "utf8")) as { users: { user: { token: string } }[] };
  return { url, token: kc.users[0]?.user.token as string, proc };
}

async function call(s: { url: string; token: string }, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    code: r.status,
    json: (await r.json()) as { metadata?: { resourceVersion?: string }; items?: unknown[] },
  };
}

describe("durability with --data-dir", () => {
  it("keeps every acknowledged write across kill -9 and restart", { timeout: 60_000 }, async () => {
    const s1 = await start();
    expect(
      (await call(s1, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd)).code,
    ).toBe(201);
    expect(
      (
        await call(s1, "POST", "/apis/example.com/v1/namespaces/default/widgets", {
          metadata: { name: "w1" },
          spec: { size: "large" },
        })
      ).code,
    ).toBe(201);
    const acked = new Map<string, number>();
    let stop = false;
    let failedAfterKill = 0;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${w}-${i}`;
        try {
          const r = await call(s1, "POST", "/api/v1/namespaces/default/configmaps", {
            metadata: { name },
            data: { w: String(w), i: String(i) },
          });
          if (r.code === 201) acked.set(name, Number(r.json.metadata?.resourceVersion));
        } catch {
          failedAfterKill++;
          return;
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    while (acked.size < 60) await new Promise((r) => setTimeout(r, 5));
    s1.proc.kill("SIGKILL");
    await Promise.all(writers);
    stop = true;
    expect(failedAfterKill).toBeGreaterThan(0);

    const s2 = await start();
    const list = await call(s2, "GET", "/api/v1/namespaces/default/configmaps");
    const stored = new Map(
      (list.json.items as { metadata: { name: string; resourceVersion: string }; data: { w: string } }[]).map(
        (o) => [o.metadata.name, o],
      ),
    );
    const missing = [...acked.keys()].filter((n) => !stored.has(n));
    expect(missing).toEqual([]);
    for (const [name, rv] of acked) expect(Number(stored.get(name)?.metadata.resourceVersion)).toBe(rv);
    // CRDs are data: the kind is served again, with its object.
    expect((await call(s2, "GET", "/apis/example.com/v1/namespaces/default/widgets/w1")).code).toBe(200);
    const maxAcked = Math.max(...acked.values());
    const after = await call(s2, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "after-restart" },
    });
    expect(Number(after.json.metadata?.resourceVersion)).toBeGreaterThan(maxAcked);

    // A graceful stop and a third start (the log was compacted into the snapshot) lose nothing either.
    const exited = new Promise((r) => s2.proc.once("exit", r));
    s2.proc.kill("SIGTERM");
    await exited;
    const s3 = await start();
    const again = await call(s3, "GET", "/api/v1/namespaces/default/configmaps");
    expect(again.json.items?.length).toBe(stored.size + 1);
    s3.proc.kill("SIGKILL");
  });
});

describe("log compaction while running", () => {
  it("compacts the log into the snapshot and replays the same state", { timeout: 30_000 }, async () => {
    const { createApiServer } = await import("../src/index.js");
    const { ConfigMapType } = await import("@grove-ts/runtime");
    const dataDir = join(dir, "compact");
    const a = createApiServer({ dataDir, compactAfter: 10 });
    for (let i = 0; i < 12; i++)
      await a.client.create(ConfigMapType, { metadata: { name: `c${i}`, namespace: "default" } });
    for (let i = 0; i < 12; i++)
      await a.client.patch(ConfigMapType, `c${i}`, "default", {
        type: "merge",
        body: { data: { v: String(i) } },
      });
    for (let i = 0; i < 4; i++) await a.client.delete(ConfigMapType, `c${i}`, "default");
    const before = await a.client.list(ConfigMapType, { namespace: "default" });
    await a.close();
    const log = readFileSync(join(dataDir, "wal.jsonl"), "utf8").trim().split("\n").filter(Boolean);
    expect(log.length).toBeLessThan(32);
    const b = createApiServer({ dataDir });
    const after = await b.client.list(ConfigMapType, { namespace: "default" });
    expect(after.items).toEqual(before.items);
    expect(after.resourceVersion).toBe(before.resourceVersion);
    await b.close();
  });
});
