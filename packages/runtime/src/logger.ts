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
  /** Where records go. Default: one JSON object per line on stderr. */
  sink?: (record: LogRecord) => void;
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
  return new SinkLogger(order[options.level ?? "info"], options.sink ?? stderrSink, {});
}

/** Drops everything. The default wherever a logger is optional. */
export const noopLogger: Logger = createLogger({ level: "error", sink: () => {} });

/** A logger that keeps its records in memory, for tests that assert on what was logged. */
export function memoryLogger(level: LogLevel = "debug"): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: createLogger({ level, sink: (r) => records.push(r) }), records };
}
