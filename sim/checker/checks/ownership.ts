import type { RunLog } from '../RunLog.js';
import type { SessionView } from '../sessionView.js';
import { fmt, Rule, type Violation } from '../Violation.js';

/** Slack on the failover bound for clock granularity (clocks read whole milliseconds). */
const EPSILON_MS = 10;

/** How late, after another worker took its lease, an old owner started a batch (the largest per run). */
export interface OwnershipStats {
  maxLateStartMs: number;
}

/**
 * Never two owners past the failover window: once worker B took a shard's lease from A (a take write naming B,
 * where A owned it), A starts no new processor call on that shard later than failoverTimeMs × (1 + max drift) + ε
 * after the take, by the checker's true clock. And no worker starts a processor call in a session after it knew
 * the session's lease was gone (after its `lease_lost` event, or after it gave the lease up itself), nor commits a
 * checkpoint in that session: the batch already inside the processor finishes, but its checkpoint must fail with
 * `LeaseLostError` (docs/consumer.md, "No delivery after a lease is lost") — even if the worker took the lease
 * again meanwhile, for a new session.
 */
export function checkOwnership(log: RunLog, view: SessionView, stats: OwnershipStats): Violation[] {
  const violations: Violation[] = [];
  const boundMs = log.failoverTimeMs * (1 + log.maxDrift) + EPSILON_MS;
  for (const w of log.writes) {
    if (w.kind !== 'take' || w.before?.owner === undefined || w.before.owner === w.after?.owner) continue;
    const previous = w.before.owner;
    // Until the old owner takes the lease back: from then on its runner may rightly go on.
    const back = log.writes.find(
      (x) =>
        x.key === w.key && x.t > w.t && (x.kind === 'take' || x.kind === 'transfer') && x.after?.owner === previous,
    );
    const until = back?.t ?? Number.POSITIVE_INFINITY;
    for (const session of log.sessions) {
      if (session.worker !== previous || session.shardId !== w.key || session.startedAt > w.t) continue;
      for (const attempt of view.attempts.get(session.id) ?? []) {
        if (!attempt.callStart || attempt.t <= w.t || attempt.t >= until) continue;
        stats.maxLateStartMs = Math.max(stats.maxLateStartMs, attempt.t - w.t);
        if (attempt.t - w.t <= boundMs) continue;
        violations.push({
          rule: Rule.TWO_OWNERS,
          shardId: w.key,
          t: attempt.t,
          worker: previous,
          text: `${w.after?.owner} took ${w.key} from ${previous} at ${fmt.t(w.t)}, yet ${previous} (session ${session.id}) started a batch at ${fmt.t(attempt.t)}, ${Math.round(attempt.t - w.t)} ms later (bound ${Math.round(boundMs)} ms)`,
        });
        break;
      }
    }
  }
  for (const session of log.sessions) {
    const lostAt = knownLossAt(log, session);
    if (lostAt === undefined) continue;
    // The old session's checkpoint can only succeed through a lease the worker took again after losing it (else it
    // holds none and the write fails): lost event, then a take by the same worker, then the session's checkpoint.
    const lost = lostAt.how === 'lease_lost event' ? lostAt : undefined;
    const retake =
      lost === undefined
        ? undefined
        : log.writes.find(
            (w) =>
              w.key === session.shardId &&
              (w.kind === 'take' || w.kind === 'transfer') &&
              w.after?.owner === session.worker &&
              (w.t > lost.t || (w.t === lost.t && w.o > lost.o)),
          );
    const checkpoint =
      retake === undefined
        ? undefined
        : log.workerEvents.find(
            (e) =>
              e.kind === 'checkpoint' &&
              e.worker === session.worker &&
              e.shardId === session.shardId &&
              (e.t > retake.t || (e.t === retake.t && e.o > retake.o)) &&
              (session.endedAt === undefined ||
                e.t < session.endedAt ||
                (e.t === session.endedAt && e.o < (session.endOrder ?? 0))),
          );
    if (checkpoint !== undefined)
      violations.push({
        rule: Rule.CHECKPOINT_AFTER_LOSS,
        shardId: session.shardId,
        t: checkpoint.t,
        worker: session.worker,
        text: `${session.worker} lost its lease of ${session.shardId} at ${fmt.t(lostAt.t)} and took it again at ${fmt.t(retake?.t)}, yet the lost session ${session.id} committed checkpoint ${checkpoint.detail} at ${fmt.t(checkpoint.t)} through the new lease (it should have failed with LeaseLostError)`,
      });
    const late = (view.attempts.get(session.id) ?? []).find((a) => a.callStart && a.t > lostAt.t);
    if (late !== undefined)
      violations.push({
        rule: Rule.DELIVERY_AFTER_LOSS,
        shardId: session.shardId,
        t: late.t,
        worker: session.worker,
        text: `${session.worker} knew at ${fmt.t(lostAt.t)} that its lease of ${session.shardId} was gone (${lostAt.how}), yet session ${session.id} started a batch of ${late.deliveries.length} records at ${fmt.t(late.t)}`,
      });
  }
  return violations;
}

function knownLossAt(
  log: RunLog,
  session: RunLog['sessions'][number],
): { t: number; o: number; how: string } | undefined {
  const event = log.workerEvents.find(
    (e) =>
      e.kind === 'lease_lost' &&
      e.worker === session.worker &&
      e.shardId === session.shardId &&
      e.t >= session.startedAt,
  );
  const giveUp = log.writes.find(
    (w) =>
      w.key === session.shardId &&
      w.requester === session.worker &&
      (w.kind === 'evict' || w.kind === 'transfer') &&
      w.t >= session.startedAt &&
      w.call.answer === 'ok',
  );
  const candidates = [
    ...(event === undefined ? [] : [{ t: event.t, o: event.o, how: 'lease_lost event' }]),
    ...(giveUp === undefined ? [] : [{ t: giveUp.t, o: giveUp.o, how: `its own ${giveUp.kind} write` }]),
  ];
  return candidates.sort((a, b) => a.t - b.t || a.o - b.o)[0];
}
