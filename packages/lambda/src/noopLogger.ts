import type { Logger } from '@kinesis-kit/commons';

const noop = (): void => {};

/**
 * The default logger: discards everything. Local rather than commons' `silentLogger()` (a silent pino) so that a
 * Lambda bundle of this package does not pull in pino.
 */
export const noopLogger: Logger = Object.freeze({
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: (): Logger => noopLogger,
});
