import type { RunLog } from '../RunLog.js';
import { fmt, Rule, type Violation } from '../Violation.js';

/** No record of a child shard is delivered before every parent's SHARD_END checkpoint was committed. */
export function checkParentsFirst(log: RunLog): Violation[] {
  const violations: Violation[] = [];
  const leased = new Set(log.writes.filter((w) => w.kind === 'create').map((w) => w.key));
  const shardEndAt = new Map<string, number>();
  for (const w of log.writes)
    if (w.after?.checkpoint === 'SHARD_END' && !shardEndAt.has(w.key)) shardEndAt.set(w.key, w.t);
  const firstDelivery = new Map<string, { t: number; worker: string }>();
  for (const a of log.attempts)
    if (a.deliveries.length > 0 && !firstDelivery.has(a.shardId))
      firstDelivery.set(a.shardId, { t: a.t, worker: a.worker });
  for (const shard of log.shards) {
    const first = firstDelivery.get(shard.shardId);
    if (first === undefined) continue;
    for (const parent of shard.parents) {
      if (!leased.has(parent)) continue; // a parent without lease: nothing of it to finish first
      const endedAt = shardEndAt.get(parent);
      if (endedAt !== undefined && endedAt < first.t) continue;
      violations.push({
        rule: Rule.PARENTS_FIRST,
        shardId: shard.shardId,
        t: first.t,
        worker: first.worker,
        text: `${first.worker} delivered ${shard.shardId}'s first record at ${fmt.t(first.t)} before its parent ${parent} reached SHARD_END (${endedAt === undefined ? 'never' : `at ${fmt.t(endedAt)}`})`,
      });
    }
  }
  return violations;
}
