import type { LeaseWrite } from '../dynamodb/LeaseStore.js';
import type { IteratorServed } from '../kinesis/FakeKinesis.js';
import type { AckedRecord } from '../kinesis/SimProducer.js';
import type { ShardSummary } from './RunLog.js';

export interface OwedInput {
  readonly acked: readonly AckedRecord[];
  readonly writes: readonly LeaseWrite[];
  readonly iterators: readonly IteratorServed[];
  readonly shards: readonly ShardSummary[];
  readonly initialPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  readonly atTimestamp: number | undefined;
}

/** Why the consumer owes a shard's records: from where they are owed. */
export type ShardDebt =
  | { readonly from: 'all' }
  | { readonly from: 'timestamp'; readonly at: number }
  | { readonly from: 'index'; readonly index: number }
  | { readonly from: 'nothing' };

/**
 * Which acknowledged records the consumer must process, per the start-position rule:
 * - a shard whose lease was created `TRIM_HORIZON` (roots of a TRIM_HORIZON run, every child of a leased parent),
 *   or that has no lease although it should (a leased ancestor, or any shard of a TRIM_HORIZON/AT_TIMESTAMP run):
 *   all of its records;
 * - `AT_TIMESTAMP`: the records stored at or after the timestamp;
 * - `LATEST`: the records from the position of the first iterator served for the shard on. A later LATEST iterator
 *   of the same shard (a reader that started over) does not move that point: what lies between is owed.
 * A LATEST run owes nothing of a shard without lease and without leased ancestor (closed before anyone looked), nor
 * of a shard whose lease was created finished (`SHARD_END`) after the shard had closed: a closed root, never read.
 * A lease created finished while its shard was still open, or below a leased ancestor, owes all of it (a skip).
 */
export function shardDebts(input: OwedInput): Map<string, ShardDebt> {
  const created = new Map<string, { checkpoint: string; t: number }>();
  for (const w of input.writes)
    if (w.kind === 'create' && !created.has(w.key))
      created.set(w.key, { checkpoint: w.after?.checkpoint ?? '?', t: w.t });
  const closedAt = new Map(input.shards.map((s) => [s.shardId, s.closedAt]));
  // Created finished after the shard closed (a LATEST run's closed root): nothing in it is owed — unless one of its
  // ancestors was read, whose children are owed from their beginning (then the finished lease skipped them).
  const isFinishedAtCreation = (id: string): boolean => {
    const c = created.get(id);
    const closed = closedAt.get(id);
    return input.initialPosition === 'LATEST' && c?.checkpoint === 'SHARD_END' && closed !== undefined && closed <= c.t;
  };
  const firstIterator = new Map<string, number>();
  for (const it of input.iterators) if (!firstIterator.has(it.shardId)) firstIterator.set(it.shardId, it.index);
  const parents = new Map(input.shards.map((s) => [s.shardId, s.parents]));
  const hasLeasedAncestor = (id: string, depth = 0): boolean =>
    depth < 64 &&
    (parents.get(id) ?? []).some(
      (p) => (created.has(p) && !isFinishedAtCreation(p)) || hasLeasedAncestor(p, depth + 1),
    );
  const debts = new Map<string, ShardDebt>();
  for (const shard of input.shards) {
    const start = created.get(shard.shardId)?.checkpoint;
    let debt: ShardDebt;
    if (isFinishedAtCreation(shard.shardId) && !hasLeasedAncestor(shard.shardId)) {
      debt = { from: 'nothing' };
    } else if (start === undefined) {
      debt =
        input.initialPosition !== 'LATEST' || hasLeasedAncestor(shard.shardId)
          ? input.initialPosition === 'AT_TIMESTAMP' && !hasLeasedAncestor(shard.shardId)
            ? { from: 'timestamp', at: input.atTimestamp ?? 0 }
            : { from: 'all' }
          : { from: 'nothing' };
    } else if (start === 'LATEST') {
      const index = firstIterator.get(shard.shardId);
      debt = index === undefined ? { from: 'nothing' } : { from: 'index', index };
    } else if (start === 'AT_TIMESTAMP') {
      debt = { from: 'timestamp', at: input.atTimestamp ?? 0 };
    } else {
      debt = { from: 'all' };
    }
    debts.set(shard.shardId, debt);
  }
  return debts;
}

export function isOwed(record: AckedRecord, debt: ShardDebt | undefined): boolean {
  if (debt === undefined) return true;
  switch (debt.from) {
    case 'all':
      return true;
    case 'timestamp':
      return record.at >= debt.at;
    case 'index':
      return record.index >= debt.index;
    case 'nothing':
      return false;
  }
}

/** The acknowledged records owed, per the rule above. */
export function owedRecords(input: OwedInput): AckedRecord[] {
  const debts = shardDebts(input);
  return input.acked.filter((r) => isOwed(r, debts.get(r.shardId)));
}
