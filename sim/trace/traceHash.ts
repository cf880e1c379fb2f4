import { createHash } from 'node:crypto';
import type { RunLog } from '../checker/RunLog.js';

/** A digest of everything observable in a run: equal for two runs of the same seed, or the harness is not deterministic. */
export function traceHash(log: RunLog): string {
  const hash = createHash('sha256');
  const add = (value: unknown) => hash.update(`${JSON.stringify(value)}\n`);
  for (const a of log.attempts)
    add([
      a.t,
      a.worker,
      a.session,
      a.shardId,
      a.callStart,
      a.threw?.at,
      a.deliveries.map((d) => [d.seq, d.sub, d.n, d.ok]),
    ]);
  for (const w of log.writes) add([w.t, w.key, w.kind, w.requester, w.call.answer, w.after]);
  for (const e of log.workerEvents) add(e);
  for (const f of log.faults) add(f);
  for (const it of log.iterators) add(it);
  for (const s of log.stops) add(s);
  for (const s of log.sessions) add(s);
  add([log.acked.length, log.quietEndAt, log.endAt]);
  return hash.digest('hex').slice(0, 16);
}
