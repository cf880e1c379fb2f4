import type { RunLog } from '../RunLog.js';
import { compareCheckpoint, fmt, Rule, type Violation } from '../Violation.js';

/** The committed checkpoint of a shard never moves backwards (judged on every applied write). */
export function checkCheckpointMonotonic(log: RunLog): Violation[] {
  const violations: Violation[] = [];
  for (const w of log.writes) {
    const before = w.before;
    const after = w.after;
    if (before === undefined || after === undefined) continue;
    const from = { seq: before.checkpoint, sub: before.sub };
    const to = { seq: after.checkpoint, sub: after.sub };
    if (compareCheckpoint(to, from) >= 0) continue;
    violations.push({
      rule: Rule.CHECKPOINT_MONOTONIC,
      shardId: w.key,
      t: w.t,
      worker: w.requester,
      text: `the checkpoint of ${w.key} moved backwards from ${fmt.pos(from)} to ${fmt.pos(to)} at ${fmt.t(w.t)}: a ${w.kind} write by ${w.requester} (counter ${before.counter} → ${after.counter}${after.pending === undefined ? '' : `, pending ${fmt.seq(after.pending)}`})`,
    });
  }
  return violations;
}
