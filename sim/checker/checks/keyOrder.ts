import { positionKey, type SessionView } from '../sessionView.js';
import { comparePosition, fmt, Rule, type Violation } from '../Violation.js';

/**
 * Per-key order within each owner session: the first delivery of each record, per partition key, comes in
 * increasing position (re-deliveries of a retried batch are the duplicate rule's business, not an order break).
 */
export function checkKeyOrder(view: SessionView): Violation[] {
  const violations: Violation[] = [];
  for (const [id, deliveries] of view.deliveries) {
    const seen = new Set<string>();
    const lastOfKey = new Map<string, (typeof deliveries)[number]>();
    const breaks: string[] = [];
    for (const d of deliveries) {
      const key = positionKey(d);
      if (seen.has(key)) continue;
      seen.add(key);
      const previous = lastOfKey.get(d.key);
      if (previous !== undefined && comparePosition(d, previous) <= 0)
        breaks.push(`${d.key}: ${fmt.pos(d)} (n=${d.n}) at ${fmt.t(d.t)} after ${fmt.pos(previous)} (n=${previous.n})`);
      lastOfKey.set(d.key, d);
    }
    if (breaks.length > 0) {
      const shardId = deliveries[0]?.attempt.shardId;
      violations.push({
        rule: Rule.KEY_ORDER,
        shardId,
        t: deliveries[0]?.t,
        text: `session ${id} on ${shardId} broke per-key order ${breaks.length} times: ${breaks.slice(0, 3).join('; ')}`,
      });
    }
  }
  return violations;
}
