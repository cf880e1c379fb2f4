import type { RunLog } from '../checker/RunLog.js';
import { fmt } from '../checker/Violation.js';

/** One readable line of a run's trace. */
export interface TraceLine {
  readonly t: number;
  /** Order among lines of the same time. */
  readonly o: number;
  readonly shardId: string | undefined;
  readonly worker: string | undefined;
  readonly text: string;
}

/** The run as a time-ordered list of readable lines: faults, lifecycle, lease writes, sessions, batches. */
export function traceLines(log: RunLog): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const f of log.faults)
    lines.push({ t: f.t, o: f.o, shardId: undefined, worker: undefined, text: `FAULT ${f.text}` });
  for (const e of log.workerEvents) {
    // A committed checkpoint shows as its lease write (which also says when the writer never heard of it).
    if (e.kind === 'checkpoint') continue;
    lines.push({
      t: e.t,
      o: e.o,
      shardId: e.shardId,
      worker: e.worker,
      text: `${e.worker} ${e.kind}${e.shardId === undefined ? '' : ` ${fmt.shard(e.shardId)}`}${e.detail === undefined ? '' : ` ${e.detail}`}`,
    });
  }
  for (const w of log.writes) {
    if (w.kind === 'renew') continue;
    const a = w.after;
    lines.push({
      t: w.t,
      o: w.o,
      shardId: w.key,
      worker: w.requester,
      text: `DDB ${w.kind} ${fmt.shard(w.key)} by ${w.requester} → owner ${a?.owner ?? '-'} #${a?.counter ?? '-'} cp ${a === undefined ? '-' : fmt.pos({ seq: a.checkpoint, sub: a.sub })}${a?.pending === undefined ? '' : ` pending ${fmt.seq(a.pending)}`}${w.call.answer === 'ok' ? '' : ` [caller got: ${w.call.answer}]`}`,
    });
  }
  for (const s of log.sessions) {
    lines.push({
      t: s.startedAt,
      o: s.startOrder,
      shardId: s.shardId,
      worker: s.worker,
      text: `${s.id} starts on ${fmt.shard(s.shardId)}`,
    });
    if (s.endedAt !== undefined)
      lines.push({
        t: s.endedAt,
        o: s.endOrder ?? 0,
        shardId: s.shardId,
        worker: s.worker,
        text: `${s.id} ends (${s.endReason})`,
      });
  }
  for (const it of log.iterators)
    lines.push({
      t: it.t,
      o: it.o,
      shardId: it.shardId,
      worker: it.worker,
      text: `KIN ${it.worker} iterator ${it.type} ${fmt.shard(it.shardId)} at record #${it.index}`,
    });
  for (const a of log.attempts) {
    const first = a.deliveries[0];
    const last = a.deliveries[a.deliveries.length - 1];
    if (first === undefined || last === undefined) continue;
    const range = first === last ? fmt.pos(first) : `${fmt.pos(first)}..${fmt.pos(last)}`;
    const threw =
      a.threw === undefined ? '' : ` THREW${a.threw.delivery === undefined ? '' : ` on ${fmt.pos(a.threw.delivery)}`}`;
    lines.push({
      t: a.t,
      o: a.o,
      shardId: a.shardId,
      worker: a.worker,
      text: `${a.session} ${a.callStart ? '▶' : '·'} ${a.deliveries.length} rec ${range} n=${first.n}${a.deliveries.length > 1 ? `..${last.n}` : ''}${threw}`,
    });
  }
  return lines.sort((x, y) => x.t - y.t || x.o - y.o);
}

/** Lines about `shardId` (and the faults and lifecycle around them) in a window before `t`; at most `max`. */
export function traceExcerpt(
  log: RunLog,
  around: { shardId?: string | undefined; t?: number | undefined; worker?: string | undefined },
  max = 60,
): string[] {
  const t = around.t ?? log.endAt;
  const from = t - 10_000;
  const to = t + 2_000;
  const { shardId, worker } = around;
  const relevant = traceLines(log).filter((l) => {
    if (l.t < from || l.t > to) return false;
    // About a shard: its lines, plus the faults and lifecycle lines (no shard) around them.
    if (shardId !== undefined) return l.shardId === shardId || l.shardId === undefined;
    // About a worker (a stop): its lease writes and lifecycle, and the faults that name it.
    if (worker !== undefined)
      return l.worker === worker ? !/ [▶·] /.test(l.text) : l.worker === undefined && mentions(l.text, worker);
    return true;
  });
  const chosen =
    relevant.length > max
      ? [...relevant.filter((l) => l.t <= t).slice(-(max - 8)), ...relevant.filter((l) => l.t > t).slice(0, 8)]
      : relevant;
  return chosen.map((l) => `${fmt.t(l.t).padStart(9)}  ${l.text}`);
}

function mentions(text: string, worker: string): boolean {
  return text.split(/[\s(),]+/).includes(worker);
}
