import { pino } from 'pino';

/** One log method: a message, or fields and an optional message (pino's argument order). */
export type LogFn = {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
};

/**
 * The subset of a pino logger kinesis-kit calls. Any pino logger fits; so does anything with these
 * methods. Components log through `logger.child({ component })`.
 */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** A silent pino logger: the default everywhere, so the library prints nothing unless given a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
