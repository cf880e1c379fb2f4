import type { Logger } from './Logger.js';

const noop = (): void => {};

const SILENT: Logger = Object.freeze({
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: (): Logger => SILENT,
});

/** A logger that discards everything: pass it as `logger` to make kinesis-kit print nothing at all. */
export function silentLogger(): Logger {
  return SILENT;
}
