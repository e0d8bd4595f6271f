// Durability for --data-dir: an append-only JSON-lines log, fsync'd before a write is acknowledged
// (callers await `sync()`; writes in the same event-loop turn share one fsync),
// and a snapshot it is compacted into at start. A torn last line (kill -9 mid-append) is dropped:
// its write was never acknowledged. The folder holds Secrets: it is 0700 and every file 0600, as
// etcd keeps its data directory.
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Obj } from "./util.js";

export interface LogRecord {
  rv: number;
  /** storage key (`group/plural`), namespace ("" when cluster-scoped), name */
  k: string;
  ns: string;
  n: string;
  /** the object after the write; absent for a removal */
  o?: Obj;
}

export interface Loaded {
  rv: number;
  objects: Map<string, LogRecord>;
}

const entryKey = (r: Pick<LogRecord, "k" | "ns" | "n">): string => `${r.k}|${r.ns}|${r.n}`;

/** Owner-only modes of the data folder and its files. */
export const dirMode = 0o700;
export const fileMode = 0o600;

export class Persistence {
  private fd: number | undefined;
  private readonly logPath: string;
  private readonly snapPath: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: dirMode });
    // A folder (or files) left by an older version keep the modes they were made with: tighten them.
    chmodSync(dir, dirMode);
    this.logPath = join(dir, "wal.jsonl");
    this.snapPath = join(dir, "snapshot.json");
    for (const p of [this.logPath, this.snapPath]) if (existsSync(p)) chmodSync(p, fileMode);
  }

  /** Reads snapshot plus log, then compacts both into a fresh snapshot and an empty log. */
  load(): Loaded {
    const objects = new Map<string, LogRecord>();
    let rv = 0;
    if (existsSync(this.snapPath)) {
      const snap = JSON.parse(readFileSync(this.snapPath, "utf8")) as { rv: number; records: LogRecord[] };
      rv = snap.rv;
      for (const r of snap.records) objects.set(entryKey(r), r);
    }
    if (existsSync(this.logPath)) {
      const lines = readFileSync(this.logPath, "utf8").split("\n");
      for (const line of lines) {
        if (line.trim() === "") continue;
        let r: LogRecord;
        try {
          r = JSON.parse(line) as LogRecord;
        } catch {
          break;
        }
        // A crash between a compaction's rename and the log's truncation leaves records the
        // snapshot already holds.
        if (r.rv <= rv) continue;
        rv = r.rv;
        if (r.o) objects.set(entryKey(r), r);
        else objects.delete(entryKey(r));
      }
    }
    this.compact(rv, [...objects.values()]);
    return { rv, objects };
  }

  /** Records appended since the last compaction. */
  appended = 0;

  /** Writes every live record to a fresh snapshot (fsync'd, renamed into place) and empties the log. */
  compact(rv: number, records: LogRecord[]): void {
    this.appended = 0;
    const tmp = `${this.snapPath}.tmp`;
    const fd = openSync(tmp, "w", fileMode);
    fchmodSync(fd, fileMode);
    writeSync(fd, JSON.stringify({ rv, records }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapPath);
    const dirFd = openSync(this.dir, "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.logPath, "w", fileMode);
    fsyncSync(this.fd);
    this.dirty = false;
  }

  private dirty = false;
  private pending: Promise<void> | undefined;

  /** Writes a record; it is durable once a later `sync()` resolves. */
  append(r: LogRecord): void {
    if (this.fd === undefined) this.fd = openSync(this.logPath, "a", fileMode);
    writeSync(this.fd, `${JSON.stringify(r)}\n`);
    this.dirty = true;
    this.appended++;
  }

  /**
   * Resolves once everything appended so far is on disk. Group commit: the writes of one turn of
   * the event loop share a single fsync, so concurrent writers do not pay one each.
   */
  sync(): Promise<void> {
    if (!this.dirty) return this.pending ?? Promise.resolve();
    this.pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.pending = undefined;
        try {
          this.flushNow();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
    return this.pending;
  }

  private flushNow(): void {
    if (this.dirty && this.fd !== undefined) fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    this.flushNow();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
