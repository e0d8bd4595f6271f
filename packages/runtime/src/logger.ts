// Structured logging (house habit 4): a message plus key/values, never interpolated strings, so a
// log line can be filtered by key. The interface is small on purpose: apps plug in what they like.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogValues = Record<string, unknown>;

export interface Logger {
  debug(msg: string, values?: LogValues): void;
  info(msg: string, values?: LogValues): void;
  warn(msg: string, values?: LogValues): void;
  error(msg: string, values?: LogValues): void;
  /** A logger that adds `values` to every record (e.g. controller name, object key). */
  with(values: LogValues): Logger;
}

export interface LogRecord {
  level: LogLevel;
  msg: string;
  time: string;
  values: LogValues;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  /** Records below this level are dropped. Default "info". */
  level?: LogLevel;
  /** Where records go. Default: one line per record on stderr, in `format`. */
  sink?: (record: LogRecord) => void;
  /** "json" (default): one JSON object per line. "text": `<time> <LEVEL> <msg> key=value ...`. */
  format?: "json" | "text";
}

/** Errors do not survive JSON.stringify; turn them into their message and code. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? { error: value.message } : { error: value.message, code };
  }
  return value;
}

const stderrSink = (record: LogRecord): void => {
  const out: Record<string, unknown> = { level: record.level, time: record.time, msg: record.msg };
  for (const [k, v] of Object.entries(record.values)) out[k] = plain(v);
  process.stderr.write(`${JSON.stringify(out)}\n`);
};

/** A value as a text log shows it: bare when it is one plain word, else JSON (quoted, escaped). */
function textValue(value: unknown): string {
  const v = plain(value);
  if (typeof v === "string" && /^[\w./:@-]+$/.test(v)) return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v) ?? String(v);
}

const textSink = (record: LogRecord): void => {
  const pairs = Object.entries(record.values).map(([k, v]) => `${k}=${textValue(v)}`);
  process.stderr.write(
    `${[record.time, record.level.toUpperCase(), JSON.stringify(record.msg), ...pairs].join(" ")}\n`,
  );
};

class SinkLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly sink: (record: LogRecord) => void,
    private readonly base: LogValues,
  ) {}
  private log(level: LogLevel, msg: string, values?: LogValues): void {
    if (order[level] < this.min) return;
    this.sink({ level, msg, time: new Date().toISOString(), values: { ...this.base, ...values } });
  }
  debug(msg: string, values?: LogValues): void {
    this.log("debug", msg, values);
  }
  info(msg: string, values?: LogValues): void {
    this.log("info", msg, values);
  }
  warn(msg: string, values?: LogValues): void {
    this.log("warn", msg, values);
  }
  error(msg: string, values?: LogValues): void {
    this.log("error", msg, values);
  }
  with(values: LogValues): Logger {
    return new SinkLogger(this.min, this.sink, { ...this.base, ...values });
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? (options.format === "text" ? textSink : stderrSink);
  return new SinkLogger(order[options.level ?? "info"], sink, {});
}

/** Drops everything. The default wherever a logger is optional. */
export const noopLogger: Logger = createLogger({ level: "error", sink: () => {} });

/** A logger that keeps its records in memory, for tests that assert on what was logged. */
export function memoryLogger(level: LogLevel = "debug"): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: createLogger({ level, sink: (r) => records.push(r) }), records };
}
