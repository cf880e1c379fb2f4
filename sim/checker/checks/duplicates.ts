import type { LeaseWrite } from '../../dynamodb/LeaseStore.js';
import type { RunLog, Session } from '../RunLog.js';
import { completedPositions, positionKey, type SessionView } from '../sessionView.js';
import { comparePosition, fmt, isSequence, Rule, type Violation } from '../Violation.js';

/** Errors that are answers, not faults: they do not excuse a duplicate. */
const NOT_FAULTS = new Set(['ConditionalCheckFailedException', 'ResourceNotFoundException', 'ResourceInUseException']);

/**
 * Duplicates only inside the documented windows:
 * - a session never delivers a record its starting checkpoint covers (the checkpoint the worker knew: the one
 *   its take returned, or its own acknowledged checkpoint writes since);
 * - within one session a record is delivered again only when a processor call that held it threw (the batch is
 *   retried; with `eachRecord` only the record that threw is run again, not those before it);
 * - a graceful stop hands over without duplicates: the next session of the shard delivers nothing the stopping
 *   session completed, and at the very end every shard's checkpoint covers what its last session completed
 *   (unless a DynamoDB call of the stopping worker failed during its stop).
 */
export function checkDuplicates(log: RunLog, view: SessionView): Violation[] {
  return [...redeliveredAfterCheckpoint(log, view), ...duplicatesInSession(view), ...handoffDuplicates(log, view)];
}

function redeliveredAfterCheckpoint(log: RunLog, view: SessionView): Violation[] {
  const violations: Violation[] = [];
  const writesByShard = groupWrites(log.writes);
  for (const [id, deliveries] of view.deliveries) {
    const session = view.sessions.get(id);
    if (session === undefined) continue;
    const start = knownCheckpoint(writesByShard.get(session.shardId) ?? [], session);
    if (start === undefined) continue;
    const covered = deliveries.filter((d) => comparePosition(d, start.position) <= 0);
    if (covered.length > 0)
      violations.push({
        rule: Rule.REDELIVERY_AFTER_CHECKPOINT,
        shardId: session.shardId,
        t: covered[0]!.t,
        worker: session.worker,
        text: `session ${id} on ${session.shardId} started at ${fmt.t(session.startedAt)} from checkpoint ${fmt.pos(start.position)} (${start.source}) yet delivered ${covered.length} records it covers, e.g. ${covered
          .slice(0, 3)
          .map((d) => `${fmt.pos(d)} (n=${d.n}) at ${fmt.t(d.t)}`)
          .join(', ')}`,
      });
  }
  return violations;
}

/** The sequence-number checkpoint a session's worker knew when the session started, if any. */
function knownCheckpoint(
  writes: readonly LeaseWrite[],
  session: Session,
): { position: { seq: string; sub: number }; source: string } | undefined {
  let known: { position: { seq: string; sub: number }; source: string } | undefined;
  for (const w of writes) {
    if (w.t > session.startedAt) break;
    const after = w.after;
    if (after === undefined) continue;
    const acquired = (w.kind === 'take' || w.kind === 'transfer') && after.owner === session.worker;
    const ownCheckpoint = w.kind === 'checkpoint' && w.requester === session.worker && w.call.answer === 'ok';
    if (acquired || ownCheckpoint)
      known = isSequence(after.checkpoint)
        ? { position: { seq: after.checkpoint, sub: after.sub }, source: `${w.kind} at ${fmt.t(w.t)}` }
        : undefined;
  }
  return known;
}

function duplicatesInSession(view: SessionView): Violation[] {
  const violations: Violation[] = [];
  for (const [id, attempts] of view.attempts) {
    const seen = new Set<string>();
    /** Re-deliveries a throw has allowed, per position. */
    const allowed = new Map<string, number>();
    const unexpected: string[] = [];
    for (const attempt of attempts) {
      for (const d of attempt.deliveries) {
        const key = positionKey(d);
        if (seen.has(key)) {
          const left = allowed.get(key) ?? 0;
          if (left > 0) allowed.set(key, left - 1);
          else unexpected.push(`${fmt.pos(d)} (n=${d.n}) at ${fmt.t(d.t)}`);
        }
        seen.add(key);
      }
      const threw = attempt.threw;
      if (threw === undefined || attempt.onProcessorError !== 'retry') continue;
      const retried = attempt.variant === 'eachRecord' ? [threw.delivery] : attempt.deliveries;
      for (const d of retried) if (d !== undefined) allowed.set(positionKey(d), (allowed.get(positionKey(d)) ?? 0) + 1);
    }
    if (unexpected.length > 0) {
      const first = attempts[0]!;
      violations.push({
        rule: Rule.DUPLICATE_IN_SESSION,
        shardId: first.shardId,
        t: attempts.find((a) => a.deliveries.length > 0)?.t,
        worker: first.worker,
        text: `session ${id} (${first.variant}) on ${first.shardId} delivered ${unexpected.length} records again without a failed processor call holding them: ${unexpected.slice(0, 3).join(', ')}`,
      });
    }
  }
  return violations;
}

function handoffDuplicates(log: RunLog, view: SessionView): Violation[] {
  const violations: Violation[] = [];
  const stopAt = new Map<string, number>();
  for (const e of log.workerEvents) if (e.kind === 'stop' && !stopAt.has(e.worker)) stopAt.set(e.worker, e.t);
  const sessionsByShard = new Map<string, Session[]>();
  for (const s of log.sessions) sessionsByShard.set(s.shardId, [...(sessionsByShard.get(s.shardId) ?? []), s]);
  const faultDuring = (worker: string, from: number, to: number) =>
    log.failedCalls.some(
      (c) => c.worker === worker && c.service === 'dynamodb' && c.t >= from && c.t <= to && !NOT_FAULTS.has(c.error),
    );

  for (const [shardId, sessions] of sessionsByShard) {
    for (let i = 0; i < sessions.length; i++) {
      const a = sessions[i]!;
      const stoppedAt = stopAt.get(a.worker);
      if (a.endReason !== 'requested' || stoppedAt === undefined || a.endedAt === undefined) continue;
      if (faultDuring(a.worker, stoppedAt, a.endedAt)) continue;
      const done = completedPositions(view.attempts.get(a.id) ?? []);
      if (done.size === 0) continue;
      const giveUp = log.writes.find(
        (w) =>
          w.key === shardId &&
          w.requester === a.worker &&
          (w.kind === 'evict' || w.kind === 'transfer') &&
          w.t >= a.startedAt,
      );
      // No give-up write: the lease was not handed over (it had expired, or was lost, before the stop got to it);
      // the next owner's duplicates are then the expiry window's, not the handoff's.
      if (giveUp === undefined) continue;
      const next = sessions.slice(i + 1).find((s) => s.startedAt >= giveUp.t);
      if (next !== undefined) {
        const again = (view.deliveries.get(next.id) ?? []).filter((d) => done.has(positionKey(d)));
        if (again.length > 0)
          violations.push({
            rule: Rule.HANDOFF_DUPLICATES,
            shardId,
            t: again[0]!.t,
            worker: next.worker,
            text: `${a.worker} stopped gracefully and gave ${shardId} up (${giveUp.kind} at ${fmt.t(giveUp.t)}), yet ${next.worker}'s session ${next.id} re-delivered ${again.length} records ${a.worker} had completed, e.g. ${again
              .slice(0, 3)
              .map((d) => `${fmt.pos(d)} (n=${d.n})`)
              .join(', ')}`,
          });
      } else if (i === sessions.length - 1) {
        const final = finalCheckpoint(log.writes, shardId);
        if (final === undefined || final.seq === 'SHARD_END') continue;
        const uncovered = [...done].filter((k) => {
          const [seq, sub] = k.split('/') as [string, string];
          return !isSequence(final.seq) || comparePosition({ seq, sub: Number(sub) }, final) > 0;
        });
        if (uncovered.length > 0)
          violations.push({
            rule: Rule.HANDOFF_DUPLICATES,
            shardId,
            t: a.endedAt,
            worker: a.worker,
            text: `${a.worker} stopped gracefully as the last owner of ${shardId}, but the stored checkpoint ${final.seq === '?' ? '?' : fmt.pos(final)} does not cover ${uncovered.length} records its session ${a.id} completed (the next owner would process them again)`,
          });
      }
    }
  }
  return violations;
}

function finalCheckpoint(writes: readonly LeaseWrite[], shardId: string): { seq: string; sub: number } | undefined {
  let last: { seq: string; sub: number } | undefined;
  for (const w of writes)
    if (w.key === shardId && w.after !== undefined) last = { seq: w.after.checkpoint, sub: w.after.sub };
  return last;
}

export function groupWrites(writes: readonly LeaseWrite[]): Map<string, LeaseWrite[]> {
  const map = new Map<string, LeaseWrite[]>();
  for (const w of writes) {
    let list = map.get(w.key);
    if (list === undefined) {
      list = [];
      map.set(w.key, list);
    }
    list.push(w);
  }
  return map;
}
