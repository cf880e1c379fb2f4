import type { AckedRecord } from '../../kinesis/SimProducer.js';
import { owedRecords, shardDebts } from '../owed.js';
import type { RunLog } from '../RunLog.js';
import { positionKey } from '../sessionView.js';
import { fmt, Rule, type Violation } from '../Violation.js';

/**
 * Zero loss and liveness. Every owed record (see owed.ts) must have been processed successfully at least once by
 * the end of the quiet period — except the records a `skip` policy skipped on purpose: with `eachRecord`, the
 * record whose handler threw; with a batch handler or a processor, the batch it threw on. A record missing while
 * a later record of its shard was processed, a LATEST iterator was served past it, or the shard finished, was skipped
 * over: lost (`no-loss`). One missing with nothing past it is stuck: the shard stopped progressing (`liveness`).
 */
export function checkNoLoss(log: RunLog): Violation[] {
  const processed = new Set<string>();
  const skipped = new Set<string>();
  for (const attempt of log.attempts) {
    for (const d of attempt.deliveries)
      if (d.ok && d.t <= log.quietEndAt) processed.add(`${attempt.shardId}/${positionKey(d)}`);
    if (attempt.threw !== undefined && attempt.onProcessorError === 'skip') {
      const excused = attempt.variant === 'eachRecord' ? [attempt.threw.delivery] : attempt.deliveries;
      for (const d of excused) if (d !== undefined) skipped.add(`${attempt.shardId}/${positionKey(d)}`);
    }
  }
  const key = (r: AckedRecord) => `${r.shardId}/${r.seq}/${r.sub}`;
  const missing = owedRecords(log).filter((r) => !processed.has(key(r)) && !skipped.has(key(r)));
  if (missing.length === 0) return [];

  // Per shard: the furthest record index processed, and whether the shard was finished (SHARD_END written).
  const furthest = new Map<string, number>();
  for (const r of log.acked)
    if (processed.has(key(r))) furthest.set(r.shardId, Math.max(furthest.get(r.shardId) ?? -1, r.index));
  const finished = new Set(log.writes.filter((w) => w.after?.checkpoint === 'SHARD_END').map((w) => w.key));
  // A reader that started over at LATEST beyond a record skipped it, as much as a later record processed. (Other
  // iterators past it may just be the fetcher reading ahead of a processor that is stuck on it.)
  const furthestIterator = new Map<string, number>();
  for (const it of log.iterators)
    if (it.type === 'LATEST')
      furthestIterator.set(it.shardId, Math.max(furthestIterator.get(it.shardId) ?? -1, it.index));
  const byShard = new Map<string, { lost: AckedRecord[]; stuck: AckedRecord[] }>();
  for (const r of missing) {
    let entry = byShard.get(r.shardId);
    if (entry === undefined) {
      entry = { lost: [], stuck: [] };
      byShard.set(r.shardId, entry);
    }
    const passed =
      finished.has(r.shardId) ||
      (furthest.get(r.shardId) ?? -1) > r.index ||
      (furthestIterator.get(r.shardId) ?? -1) > r.index;
    (passed ? entry.lost : entry.stuck).push(r);
  }
  const violations: Violation[] = [];
  const debts = shardDebts(log);
  for (const [shardId, { lost, stuck }] of byShard) {
    if (lost.length > 0) {
      const first = lost[0]!;
      violations.push({
        rule: Rule.NO_LOSS,
        shardId,
        t: passedAt(log, shardId, first),
        text: `${lost.length} acknowledged records of ${shardId} were never processed although the shard's processing moved past them${finished.has(shardId) ? ' (it reached SHARD_END)' : ''}: e.g. n=${lost.slice(0, 4).map((r) => r.n)} (record #${first.index}, stored at ${fmt.t(first.at)})${latestGap(log, shardId, first, debts.get(shardId)?.from === 'index')}`,
      });
    }
    if (stuck.length > 0) {
      const first = stuck[0]!;
      violations.push({
        rule: Rule.LIVENESS,
        shardId,
        t: log.quietEndAt,
        text: `${shardId} stopped progressing: ${stuck.length} owed records still unprocessed when the quiet period ended at ${fmt.t(log.quietEndAt)} (first: n=${first.n}, record #${first.index}, stored at ${fmt.t(first.at)}); ${holders(log, shardId)}`,
      });
    }
  }
  return violations;
}

/** When the shard's processing moved past a lost record: the first later record processed (for the trace). */
function passedAt(log: RunLog, shardId: string, lost: AckedRecord): number {
  const later = new Set(
    log.acked.filter((r) => r.shardId === shardId && r.index > lost.index).map((r) => `${r.seq}/${r.sub}`),
  );
  for (const a of log.attempts)
    if (a.shardId === shardId) for (const d of a.deliveries) if (d.ok && later.has(positionKey(d))) return d.t;
  return lost.at;
}

/** For a LATEST shard: the iterators served around the lost record (a reader that started over at LATEST). */
function latestGap(log: RunLog, shardId: string, lost: AckedRecord, latestShard: boolean): string {
  if (!latestShard) return '';
  const latest = log.iterators.filter((it) => it.shardId === shardId && it.type === 'LATEST');
  const after = latest.find((it) => it.index > lost.index);
  if (latest.length < 2 || after === undefined) return '';
  const first = latest[0]!;
  return `; it lies between the first LATEST iterator (${first.worker} at ${fmt.t(first.t)}, record #${first.index}) and a later LATEST iterator (${after.worker} at ${fmt.t(after.t)}, record #${after.index})${after.worker === first.worker ? ' of the same worker' : ''}`;
}

/** Who held the shard at the end of the quiet period, from the lease writes. */
function holders(log: RunLog, shardId: string): string {
  const writes = log.writes.filter((w) => w.key === shardId && w.t <= log.quietEndAt);
  const last = writes[writes.length - 1];
  if (last === undefined) return 'it never had a lease';
  const owner = last.after?.owner;
  const alive = owner !== undefined && log.liveAtQuietEnd.includes(owner);
  const sessions = log.sessions.filter((s) => s.shardId === shardId && s.worker === owner);
  const lastSession = sessions[sessions.length - 1];
  return `its lease was owned by ${owner ?? 'nobody'}${owner === undefined ? '' : alive ? ' (alive)' : ' (not alive)'}, checkpoint ${fmt.pos({ seq: last.after?.checkpoint ?? '?', sub: last.after?.sub ?? 0 })}${lastSession === undefined ? '' : `; its last session there ${lastSession.id} ${lastSession.endedAt === undefined ? 'was still running' : `ended (${lastSession.endReason}) at ${fmt.t(lastSession.endedAt)}`}`}`;
}

/**
 * Liveness beyond records: every lease that is not finished at the end of the quiet period must have been read
 * (an iterator served), and a closed shard whose lease exists must have reached SHARD_END (else its children
 * never start).
 */
export function checkShardsProgress(log: RunLog): Violation[] {
  const violations: Violation[] = [];
  const lastWrite = new Map<string, RunLog['writes'][number]>();
  for (const w of log.writes) if (w.t <= log.quietEndAt) lastWrite.set(w.key, w);
  const read = new Set(log.iterators.filter((it) => it.t <= log.quietEndAt).map((it) => it.shardId));
  for (const shard of log.shards) {
    const lease = lastWrite.get(shard.shardId)?.after;
    if (lease === undefined || lease.checkpoint === 'SHARD_END') continue;
    if (shard.closedAt !== undefined && shard.closedAt < log.quietEndAt && parentsDone(shard.parents, lastWrite))
      violations.push({
        rule: Rule.LIVENESS,
        shardId: shard.shardId,
        t: log.quietEndAt,
        text: `${shard.shardId} was closed at ${fmt.t(shard.closedAt)} but its lease is still at ${lease.checkpoint === 'SHARD_END' ? '' : fmt.pos({ seq: lease.checkpoint, sub: lease.sub })} (owner ${lease.owner ?? 'nobody'}) when the quiet period ended: its children cannot start`,
      });
    else if (!read.has(shard.shardId) && parentsDone(shard.parents, lastWrite))
      violations.push({
        rule: Rule.LIVENESS,
        shardId: shard.shardId,
        t: log.quietEndAt,
        text: `${shard.shardId} has a lease (owner ${lease.owner ?? 'nobody'}, checkpoint ${lease.checkpoint}) but was never read by the end of the quiet period`,
      });
  }
  return violations;
}

function parentsDone(parents: readonly string[], lastWrite: ReadonlyMap<string, RunLog['writes'][number]>): boolean {
  return parents.every((p) => {
    const lease = lastWrite.get(p)?.after;
    return lease === undefined || lease.checkpoint === 'SHARD_END';
  });
}
