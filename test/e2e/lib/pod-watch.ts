// The pod watcher of Grove's update suites (grove-behaviour.md §18.4, upstream's updateTracker),
// through the real kubectl: `kubectl get pods --watch-only --output-watch-events -o json` records
// every ADDED, MODIFIED and DELETED event of a PodCliqueSet's pods from the moment it is in sync.
// Unlike a watch that first replays the existing pods as ADDED, only changes are recorded, so a
// pod's replacement is never "pre-paid" by the replay. In sync = it has seen the MODIFIED event of
// an annotation it put on one of the pods itself.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { E2E } from "./harness.js";
import type { PodLike } from "./pods.js";
import { waitFor } from "./wait.js";

export type WatchType = "ADDED" | "MODIFIED" | "DELETED";

/** One recorded event: what the update checks read of the pod. */
export interface PodEvent {
  type: WatchType;
  name: string;
  uid: string;
  /** spec.hostname: the pod's stable identity across replacements (`<pclq>-<index>`). */
  hostname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  terminating: boolean;
  /** The UPDATE_TRIGGER env value of the first container (the update suites' spec marker). */
  updateTrigger: string | undefined;
  at: number;
}

const SYNC_ANNOTATION = "e2e.grove-ts.dev/watch-sync";

/** Splits a stream of concatenated JSON objects (kubectl's `-o json` watch output) into objects. */
export class JsonStream {
  private buf = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private pos = 0;

  push(chunk: string): unknown[] {
    this.buf += chunk;
    const out: unknown[] = [];
    for (; this.pos < this.buf.length; this.pos++) {
      const c = this.buf[this.pos];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === "{") {
        if (this.depth++ === 0) this.start = this.pos;
      } else if (c === "}" && --this.depth === 0) {
        out.push(JSON.parse(this.buf.slice(this.start, this.pos + 1)));
        this.buf = this.buf.slice(this.pos + 1);
        this.pos = -1;
      }
    }
    return out;
  }
}

export class PodWatch {
  readonly events: PodEvent[] = [];
  private stderr = "";
  private exited: number | null | undefined;
  private syncs = 0;

  private constructor(
    private readonly e2e: E2E,
    readonly pcs: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {}

  /** Starts the watch on `app.kubernetes.io/part-of=<pcs>` and returns once it is in sync. */
  static async start(e2e: E2E, pcs: string): Promise<PodWatch> {
    const child = e2e.kubectl.spawn([
      "get",
      "pods",
      "-l",
      `app.kubernetes.io/part-of=${pcs}`,
      "--watch-only",
      "--output-watch-events",
      "-o",
      "json",
    ]);
    const w = new PodWatch(e2e, pcs, child);
    const stream = new JsonStream();
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      for (const ev of stream.push(chunk)) w.record(ev as { type: WatchType; object: PodLike });
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      w.stderr += s;
    });
    child.on("exit", (code) => {
      w.exited = code;
    });
    await w.sync();
    return w;
  }

  private record(ev: { type: WatchType; object: PodLike }): void {
    const p = ev.object;
    this.events.push({
      type: ev.type,
      name: p.metadata.name ?? "",
      uid: p.metadata.uid ?? "",
      hostname: p.spec?.hostname ?? "",
      labels: p.metadata.labels ?? {},
      annotations: p.metadata.annotations ?? {},
      terminating: p.metadata.deletionTimestamp !== undefined,
      updateTrigger: p.spec?.containers?.[0]?.env?.find((e) => e.name === "UPDATE_TRIGGER")?.value,
      at: Date.now(),
    });
  }

  /**
   * Annotates one live pod and waits until the watch reports it: every later change is recorded.
   * kubectl opens its watch a moment after it starts (discovery first), so an annotation made
   * before that is not seen; the annotation is renewed every second until one arrives.
   */
  async sync(): Promise<void> {
    const [pod] = await this.e2e.pods(this.pcs);
    if (!pod) throw new Error(`${this.pcs}: no pod to sync the watch on`);
    const tokens = new Set<string>();
    let last = 0;
    await waitFor(`the pod watch of ${this.pcs} in sync`, async () => {
      this.check();
      if (Date.now() - last >= 1000) {
        last = Date.now();
        const token = `${process.pid}-${++this.syncs}`;
        tokens.add(token);
        await this.e2e.kubectl.ok([
          "annotate",
          "pod",
          pod.name,
          `${SYNC_ANNOTATION}=${token}`,
          "--overwrite",
        ]);
      }
      return {
        ok: this.events.some((e) => tokens.has(e.annotations[SYNC_ANNOTATION] ?? "")),
        state: `${this.events.length} events; kubectl stderr: ${this.stderr.trim()}`,
      };
    });
  }

  /** Throws if kubectl stopped watching (an ended watch would silently miss events). */
  check(): void {
    if (this.exited !== undefined)
      throw new Error(`kubectl get pods --watch exited ${this.exited}: ${this.stderr.trim()}`);
  }

  /** Pod ADDED/DELETED events so far (a copy), after checking the watch still runs. */
  lifecycle(): PodEvent[] {
    this.check();
    return this.events.filter((e) => e.type !== "MODIFIED");
  }

  stop(): void {
    if (this.exited === undefined) this.child.kill("SIGTERM");
  }
}
