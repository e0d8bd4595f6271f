// Speed of the API server: creates/s, list latency at 10,000 objects, watch fan-out to 10
// watchers, each in-process (the Client controllers use) and over HTTP (what kubectl and
// client-node pay). Run: npm run bench -w @grove-ts/apiserver (BENCH_QUICK=1 for a short run,
// BENCH_TIME_MS per task). Writes bench/results/apiserver.json at the repository root.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigMapType, type KubeObject } from "@grove-ts/runtime";
import { Bench } from "tinybench";
import { createApiServer, type RunningApiServer, startApiServer } from "../src/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const TIME = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 300 : 2000));
const LIST_SIZE = 10_000;
const WATCHERS = 10;
const out = join(dirname(fileURLToPath(import.meta.url)), "../../../bench/results/apiserver.json");

const cm = (name: string, namespace: string): KubeObject & { data: Record<string, string> } => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels: { app: "bench", shard: String(name.length % 4) } },
  data: { key: "value", other: "x".repeat(64) },
});

async function http(s: RunningApiServer, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** Opens a watch stream and calls `onName` with the name of each ADDED object. */
async function httpWatcher(
  s: RunningApiServer,
  path: string,
  onName: (name: string) => void,
): Promise<AbortController> {
  const ac = new AbortController();
  const r = await fetch(`${s.url}${path}`, {
    headers: { authorization: `Bearer ${s.token}` },
    signal: ac.signal,
  });
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) {
            const ev = JSON.parse(line) as { type: string; object: KubeObject };
            if (ev.type === "ADDED") onName(ev.object.metadata.name as string);
          }
          nl = buf.indexOf("\n");
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return ac;
}

async function main(): Promise<void> {
  const bench = new Bench({ time: TIME, warmupTime: Math.min(200, TIME / 5) });

  // Creates: a fresh object per iteration.
  const inproc = createApiServer({ historySize: 1_000 });
  let n = 0;
  bench.add("create (in-process)", async () => {
    await inproc.client.create(ConfigMapType, cm(`c${n++}`, "default"));
  });
  const server = await startApiServer({ historySize: 1_000 });
  let m = 0;
  bench.add("create (HTTP)", async () => {
    await http(server, "POST", "/api/v1/namespaces/default/configmaps", cm(`h${m++}`, "default"));
  });

  // Lists at 10,000 objects in one namespace (plus the create benches' objects elsewhere).
  const big = await startApiServer({ historySize: 1_000 });
  await big.client.create(
    { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
    { metadata: { name: "bench" } },
  );
  for (let i = 0; i < LIST_SIZE; i++)
    await big.client.create(ConfigMapType, cm(`obj-${String(i).padStart(5, "0")}`, "bench"));
  bench.add(`list ${LIST_SIZE} (in-process)`, async () => {
    const l = await big.client.list(ConfigMapType, { namespace: "bench" });
    if (l.items.length !== LIST_SIZE) throw new Error(`listed ${l.items.length}`);
  });
  bench.add(`list ${LIST_SIZE} (HTTP, JSON)`, async () => {
    const l = (await http(big, "GET", "/api/v1/namespaces/bench/configmaps")) as { items: unknown[] };
    if (l.items.length !== LIST_SIZE) throw new Error(`listed ${l.items.length}`);
  });
  bench.add(`list ${LIST_SIZE} with a label selector matching 1/4 (in-process)`, async () => {
    await big.client.list(ConfigMapType, { namespace: "bench", labelSelector: "shard=1" });
  });

  // Watch fan-out: one create, until all 10 watchers saw it.
  const fan = createApiServer({ historySize: 1_000 });
  const pending = new Map<string, { left: number; done: () => void }>();
  const seen = (name: string) => {
    const p = pending.get(name);
    if (p && --p.left === 0) {
      pending.delete(name);
      p.done();
    }
  };
  for (let w = 0; w < WATCHERS; w++)
    await fan.client.watch(ConfigMapType, { namespace: "default" }, (e) => {
      if (e.type === "ADDED") seen(e.object.metadata.name as string);
    });
  let f = 0;
  bench.add(`watch fan-out to ${WATCHERS} watchers (in-process)`, async () => {
    const name = `f${f++}`;
    const delivered = new Promise<void>((done) => pending.set(name, { left: WATCHERS, done }));
    await fan.client.create(ConfigMapType, cm(name, "default"));
    await delivered;
  });
  const fanHttp = await startApiServer({ historySize: 1_000 });
  const aborts: AbortController[] = [];
  for (let w = 0; w < WATCHERS; w++)
    aborts.push(
      await httpWatcher(
        fanHttp,
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=now",
        seen,
      ),
    );
  let g = 0;
  bench.add(`watch fan-out to ${WATCHERS} watchers (HTTP)`, async () => {
    const name = `g${g++}`;
    const delivered = new Promise<void>((done) => pending.set(name, { left: WATCHERS, done }));
    await http(fanHttp, "POST", "/api/v1/namespaces/default/configmaps", cm(name, "default"));
    await delivered;
  });

  await bench.run();

  const rows = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== "completed") throw new Error(`${t.name}: ${r.state}`);
    return {
      task: t.name,
      samples: r.latency.samplesCount,
      meanMs: Number(r.latency.mean.toFixed(4)),
      p50Ms: Number(r.latency.p50.toFixed(4)),
      p99Ms: Number(r.latency.p99.toFixed(4)),
      opsPerSec: Math.round(1000 / r.latency.mean),
    };
  });
  const byName = (s: string) => rows.find((r) => r.task === s);
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    command: `npm run bench -w @grove-ts/apiserver${QUICK ? " (BENCH_QUICK=1)" : ""}`,
    timePerTaskMs: TIME,
    summary: {
      createsPerSecInProcess: byName("create (in-process)")?.opsPerSec,
      createsPerSecHttp: byName("create (HTTP)")?.opsPerSec,
      list10000MeanMsInProcess: byName(`list ${LIST_SIZE} (in-process)`)?.meanMs,
      list10000MeanMsHttp: byName(`list ${LIST_SIZE} (HTTP, JSON)`)?.meanMs,
      watchFanout10MeanMsInProcess: byName(`watch fan-out to ${WATCHERS} watchers (in-process)`)?.meanMs,
      watchFanout10MeanMsHttp: byName(`watch fan-out to ${WATCHERS} watchers (HTTP)`)?.meanMs,
    },
    tasks: rows,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.table(rows);
  console.log(`wrote ${out}`);
  for (const a of aborts) a.abort();
  await Promise.all([inproc.close(), server.close(), big.close(), fan.close(), fanHttp.close()]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
