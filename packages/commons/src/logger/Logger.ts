/** One logging method: a message, or structured fields and an optional message (pino's calling convention). */
export type LogFn = {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
};

/**
 * The subset of a pino logger kinesis-kit calls. Any pino logger fits; so does anything with these methods.
 * Components log through `logger.child({ component })`.
 */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
