import { checkCheckpointMonotonic } from './checks/checkpointMonotonic.js';
import { checkDuplicates } from './checks/duplicates.js';
import { checkKeyOrder } from './checks/keyOrder.js';
import { checkNoLoss, checkShardsProgress } from './checks/noLoss.js';
import { checkOwnership, type OwnershipStats } from './checks/ownership.js';
import { checkParentsFirst } from './checks/parentsFirst.js';
import { checkStopBound } from './checks/stopBound.js';
import type { RunLog } from './RunLog.js';
import { sessionView } from './sessionView.js';
import { Rule, type Violation } from './Violation.js';

/** Numbers of a run worth aggregating over many seeds. */
export interface RunStats extends OwnershipStats {
  deliveries: number;
  /** Deliveries of a position already delivered before (any session). */
  redeliveries: number;
  stopDurationsMs: number[];
}

/** Every check of the consumer's guarantees over one run's log. Never throws. */
export function checkRun(log: RunLog): { violations: Violation[]; stats: RunStats } {
  const view = sessionView(log);
  const stats: RunStats = { deliveries: 0, redeliveries: 0, stopDurationsMs: [], maxLateStartMs: 0 };
  const seen = new Set<string>();
  for (const a of log.attempts)
    for (const d of a.deliveries) {
      stats.deliveries++;
      const key = `${a.shardId}/${d.seq}/${d.sub}`;
      if (seen.has(key)) stats.redeliveries++;
      seen.add(key);
    }
  for (const s of log.stops) if (s.resolvedAt !== undefined) stats.stopDurationsMs.push(s.resolvedAt - s.requestedAt);
  const violations: Violation[] = [
    ...log.harnessErrors.map((text): Violation => ({ rule: Rule.HARNESS, text })),
    ...checkNoLoss(log),
    ...checkShardsProgress(log),
    ...checkDuplicates(log, view),
    ...checkKeyOrder(view),
    ...checkCheckpointMonotonic(log),
    ...checkOwnership(log, view, stats),
    ...checkParentsFirst(log),
    ...checkStopBound(log),
  ];
  return { violations, stats };
}
