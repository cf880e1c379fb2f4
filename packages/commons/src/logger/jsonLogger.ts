import { hostname } from 'node:os';
import type { LogFn, Logger } from './Logger.js';
import { isLogLevel, LEVEL_NUMBERS, LogLevel } from './levels.js';
import { safeStringify } from './safeStringify.js';
import { serializeError } from './serializeError.js';

/** Where log lines go: anything with `write(line)` (a `Writable`, `process.stderr`, a test collector). */
export interface LogDestination {
  write(line: string): unknown;
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /**
   * The lowest level written. @default the `KINESIS_KIT_LOG_LEVEL` environment variable when it names a level,
   * else `'warn'`
   */
  level?: LogLevel;
  /** @default process.stderr */
  destination?: LogDestination;
  /** Fields on every line (after `hostname`). @default {} */
  bindings?: Record<string, unknown>;
}

/**
 * A small logger that writes one JSON object per line in pino's line format — `level` (pino's number), `time`
 * (epoch ms), `pid`, `hostname`, the bindings of `child()` calls, the call's fields, `msg` — so pino tooling
 * (`pino-pretty`, log shippers) reads it. An `err` field (or an `Error` passed instead of fields) is serialized as
 * pino's `err` serializer does: type, message and stack with their causes, enumerable properties only.
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnvironment();
  const destination = options.destination ?? process.stderr;
  const prefix = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  return new JsonLogger(LEVEL_NUMBERS[level], destination, prefix, bindingsText(options.bindings ?? {}));
}

/**
 * The logger kinesis-kit uses when you pass none: warnings and errors to stderr, one JSON line each (see
 * {@link jsonLogger}); `KINESIS_KIT_LOG_LEVEL` changes the level. Pass `silentLogger()` to print nothing.
 */
export function defaultLogger(): Logger {
  return jsonLogger();
}

function levelFromEnvironment(): LogLevel {
  const fromEnv = process.env.KINESIS_KIT_LOG_LEVEL?.toLowerCase();
  return isLogLevel(fromEnv) ? fromEnv : LogLevel.WARN;
}

/** `"a":1,"b":"x"` (no braces), or '' when empty. */
function bindingsText(bindings: Record<string, unknown>): string {
  const text = safeStringify(bindings);
  return text.length > 2 ? text.slice(1, -1) : '';
}

const noop = (): void => {};

class JsonLogger implements Logger {
  readonly error: LogFn;
  readonly warn: LogFn;
  readonly info: LogFn;
  readonly debug: LogFn;
  readonly trace: LogFn;
  readonly #threshold: number;
  readonly #destination: LogDestination;
  readonly #prefix: string;
  readonly #bindings: string;

  constructor(threshold: number, destination: LogDestination, prefix: string, bindings: string) {
    this.#threshold = threshold;
    this.#destination = destination;
    this.#prefix = prefix;
    this.#bindings = bindings;
    // Levels below the threshold are a shared no-op: a disabled debug() costs a call, nothing more.
    this.error = this.#method(LEVEL_NUMBERS.error);
    this.warn = this.#method(LEVEL_NUMBERS.warn);
    this.info = this.#method(LEVEL_NUMBERS.info);
    this.debug = this.#method(LEVEL_NUMBERS.debug);
    this.trace = this.#method(LEVEL_NUMBERS.trace);
  }

  child(bindings: Record<string, unknown>): Logger {
    const added = bindingsText(bindings);
    const all = this.#bindings === '' ? added : added === '' ? this.#bindings : `${this.#bindings},${added}`;
    return new JsonLogger(this.#threshold, this.#destination, this.#prefix, all);
  }

  #method(level: number): LogFn {
    if (level < this.#threshold) return noop;
    return ((fieldsOrMessage: Record<string, unknown> | string, message?: string) =>
      this.#write(level, fieldsOrMessage, message)) as LogFn;
  }

  #write(level: number, fieldsOrMessage: Record<string, unknown> | string | Error, message: string | undefined): void {
    let fields: Record<string, unknown> | undefined;
    let msg = message;
    if (typeof fieldsOrMessage === 'string') msg = fieldsOrMessage;
    else if (fieldsOrMessage instanceof Error) {
      fields = { err: serializeError(fieldsOrMessage) };
      msg ??= fieldsOrMessage.message;
    } else if (fieldsOrMessage !== null && typeof fieldsOrMessage === 'object') {
      fields =
        'err' in fieldsOrMessage ? { ...fieldsOrMessage, err: serializeError(fieldsOrMessage.err) } : fieldsOrMessage;
    }
    let line = `{"level":${level},"time":${Date.now()},${this.#prefix}`;
    if (this.#bindings !== '') line += `,${this.#bindings}`;
    if (fields !== undefined) {
      const text = safeStringify(fields);
      if (text.length > 2) line += `,${text.slice(1, -1)}`;
    }
    if (msg !== undefined) line += `,"msg":${JSON.stringify(String(msg))}`;
    try {
      this.#destination.write(`${line}}\n`);
    } catch {
      // A closed or broken destination must never throw into the library's loops.
    }
  }
}
