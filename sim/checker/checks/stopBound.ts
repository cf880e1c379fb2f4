import type { RunLog } from '../RunLog.js';
import { fmt, Rule, type Violation } from '../Violation.js';

/**
 * `stop()` resolves within its bound: `stopTimeoutMs` plus slack for the lease writes when the worker sets it (the
 * documented promise), else a generous bound (the default waits for the batch in flight; durations go to the stats).
 */
export function checkStopBound(log: RunLog): Violation[] {
  const violations: Violation[] = [];
  for (const stop of log.stops) {
    const tookMs = (stop.resolvedAt ?? log.endAt) - stop.requestedAt;
    if (tookMs <= stop.boundMs) continue;
    violations.push({
      rule: Rule.STOP_BOUND,
      t: stop.requestedAt,
      worker: stop.worker,
      text: `stop() of ${stop.worker} (requested at ${fmt.t(stop.requestedAt)}${stop.final ? ', final' : ''}) ${stop.resolvedAt === undefined ? `had not resolved after ${Math.round(tookMs)} ms when the run ended` : `took ${Math.round(tookMs)} ms`} (bound ${stop.boundMs} ms)`,
    });
  }
  return violations;
}
