import { InvalidOptionError } from '@kinesis-kit/commons';

/** A duty cycle of stops and continues: the server runs `runningMs`, then is stopped (SIGSTOP) for `pausedMs`. */
export interface PauseCycle {
  pausedMs: number;
  runningMs: number;
}

/** The environment variable that slows every local Kinesis server down (see `LocalKinesisOptions.slowdown`). */
export const SLOW_SERVER_ENV = 'KINESIS_KIT_SLOW_SERVER';

/** Parses a pause cycle written `<pausedMs>/<runningMs>` (e.g. "7000/1000"); undefined for an empty value. */
export function parsePauseCycle(value: string | undefined): PauseCycle | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (match === null || Number(match[2]) < 1) {
    throw new InvalidOptionError(SLOW_SERVER_ENV, '"<pausedMs>/<runningMs>" (runningMs ≥ 1)', value);
  }
  return { pausedMs: Number(match[1]), runningMs: Number(match[2]) };
}

/**
 * A test's time budget: `idleMs` on a machine with nothing slowing the server, stretched by the deliberate slowdown
 * of `KINESIS_KIT_SLOW_SERVER` (a server running 1 s in 8 needs 8× as long). A budget is a hang detector, not a
 * speed assumption: a test that waits on events passes at any speed, and its budget only has to exceed its real
 * duration.
 */
export function testBudgetMs(idleMs: number, env: string | undefined = process.env[SLOW_SERVER_ENV]): number {
  const cycle = parsePauseCycle(env);
  return cycle === undefined ? idleMs : Math.ceil((idleMs * (cycle.pausedMs + cycle.runningMs)) / cycle.runningMs);
}
