import type { Attempt, Delivery, RunLog, Session } from './RunLog.js';

/** The log indexed the way several checks read it. */
export interface SessionView {
  readonly sessions: ReadonlyMap<string, Session>;
  /** Deliveries per session, in delivery order. */
  readonly deliveries: ReadonlyMap<string, Delivery[]>;
  /** Attempts per session, in order. */
  readonly attempts: ReadonlyMap<string, Attempt[]>;
}

export function sessionView(log: RunLog): SessionView {
  const sessions = new Map(log.sessions.map((s) => [s.id, s]));
  const deliveries = new Map<string, Delivery[]>();
  const attempts = new Map<string, Attempt[]>();
  for (const attempt of log.attempts) {
    let list = attempts.get(attempt.session);
    if (list === undefined) {
      list = [];
      attempts.set(attempt.session, list);
      deliveries.set(attempt.session, []);
    }
    list.push(attempt);
    deliveries.get(attempt.session)!.push(...attempt.deliveries);
  }
  return { sessions, deliveries, attempts };
}

export const positionKey = (p: { seq: string; sub: number }): string => `${p.seq}/${p.sub}`;

/**
 * Positions a session finished for good: delivered successfully in a batch the runner completed. The session's
 * last batch is not completed when its last attempt threw under the `retry` policy (the runner gave up on it at
 * a stop or a lease loss, and rolled the checkpointer back: those records are due again, as documented).
 */
export function completedPositions(attempts: readonly Attempt[]): Set<string> {
  const done = new Set<string>();
  const last = attempts[attempts.length - 1];
  const abandonedBatch =
    last !== undefined && last.threw !== undefined && last.onProcessorError === 'retry' ? last.batch : undefined;
  for (const attempt of attempts) {
    if (attempt.batch === abandonedBatch) continue;
    for (const d of attempt.deliveries) if (d.ok) done.add(positionKey(d));
  }
  return done;
}
