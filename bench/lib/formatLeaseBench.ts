import type { ScaleResult, SkewResult, SteadyResult } from '../leases.bench.js';

const s = (ms: number | undefined) => (ms === undefined ? 'not within the limit' : `${(ms / 1000).toFixed(1)} s`);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;

/** KCL 2.x DynamoDB requests per shard per minute (takingSchedule.ts `kcl2RequestsPerMinute`). */
function kcl2(shards: number, workers: number, failoverMs: number): number {
  return 60_000 / (failoverMs / 3 - 25) + ((60_000 / (2 * (failoverMs + 25))) * workers) / shards;
}

/** The docs/benchmarks.md section of bench/leases.bench.ts. */
export function formatLeaseBench(
  r: { scale: ScaleResult[]; steady: SteadyResult[]; skew: SkewResult[] },
  failoverMs: number,
): string {
  const lines: string[] = [
    '<!-- bench:leases:start -->',
    '## Lease layer at fleet scale (`bench/leases.bench.ts`)',
    '',
    `dynalite in-process, one process, every worker a \`LeaseCoordinator\` with its own DynamoDB client (a request-counting`,
    `middleware, and a kill switch: from the kill on, every request fails before it is sent — kill -9 as the table sees`,
    `it). failoverTimeMs ${failoverMs / 1000} s, other options default. "previous" is the lease layer before this work`,
    '(count balancing, one steal per cycle), built from the same sources at the commit before it and run in the same',
    'bench run; ratios are current ÷ previous (the lease layer before leaderless balancing, 0f80359). Each part runs in a fresh child process.',
    '',
  ];
  const scale = new Map(r.scale.map((x) => [x.impl, x]));
  const b = scale.get('branch');
  const p = scale.get('baseline');
  if (b !== undefined) {
    const row = (label: string, f: (x: ScaleResult) => string) =>
      `| ${label} | ${b ? f(b) : '—'} | ${p ? f(p) : '—'} |`;
    lines.push(
      `### ${b.shards} shards / ${b.workers} workers`,
      '',
      '| | current | previous |',
      '|---|---|---|',
      row('balanced from a cold start (max − min ≤ 1)', (x) => s(x.balancedMs)),
      row(
        'lease moves per shard during convergence (max / mean; the first take counts)',
        (x) => `${x.movesMax} / ${x.movesMean.toFixed(2)}`,
      ),
      row('SDK "socket usage at capacity" warnings', (x) => String(x.socketWarnings)),
      row('steady state: DynamoDB requests / shard / min', (x) => `${x.perShardMinute.toFixed(2)} (${x.detail})`),
      row(
        `kill -9 of one worker: all its leases held again after`,
        (x) => `${s(x.killTakeoverMs)} (${x.killLeases} leases)`,
      ),
      row('rolling restart of every worker (stop(), then a new one starts): total', (x) => s(x.restartMs)),
      row('… longest time a shard was held by nobody', (x) => `${x.restartMaxGapMs} ms`),
      row(
        '… shards held by two workers at once (duplicate deliveries)',
        (x) => `${x.restartOverlaps} (longest ${x.restartMaxOverlapMs} ms)`,
      ),
      row('… stop() per worker (p50 / max)', (x) => `${x.restartStopP50Ms} / ${x.restartStopMaxMs} ms`),
      '',
      `KCL 2.x (computed from its defaults, not measured): ${kcl2(b.shards, b.workers, failoverMs).toFixed(2)} requests / shard / min. Ratios: balanced ${ratio(b.balancedMs, p?.balancedMs)}, requests ${ratio(b.perShardMinute, p?.perShardMinute)}, vs KCL 2.x ${(b.perShardMinute / kcl2(b.shards, b.workers, failoverMs)).toFixed(2)}×.`,
      '',
    );
  }
  if (r.steady.length > 0 || b !== undefined) {
    lines.push(
      '### Steady state: DynamoDB requests per shard per minute',
      '',
      'Counted over 60 s, a failover time after the fleet balanced. KCL 2.x is computed from its defaults (renewal',
      'every 3.308 s, one Scan per worker per 20.05 s), not measured.',
      '',
      '| shards / workers | current | previous | KCL 2.x | current ÷ KCL 2.x | current ÷ previous |',
      '|---|---|---|---|---|---|',
    );
    const rows = [...r.steady.map((x) => ({ ...x })), ...r.scale.map((x) => ({ ...x }))];
    const keys = [...new Set(rows.map((x) => `${x.shards}/${x.workers}`))];
    for (const key of keys) {
      const mine = rows.find((x) => `${x.shards}/${x.workers}` === key && x.impl === 'branch');
      const prev = rows.find((x) => `${x.shards}/${x.workers}` === key && x.impl === 'baseline');
      const [shards, workers] = key.split('/').map(Number) as [number, number];
      const k = kcl2(shards, workers, failoverMs);
      lines.push(
        `| ${key} | ${mine ? `${mine.perShardMinute.toFixed(2)} (${mine.detail})` : '—'} | ${prev ? prev.perShardMinute.toFixed(2) : '—'} | ${k.toFixed(2)} | ${mine ? (mine.perShardMinute / k).toFixed(2) : '—'} | ${ratio(mine?.perShardMinute, prev?.perShardMinute)} |`,
      );
    }
    lines.push('');
  }
  const sk = new Map(r.skew.map((x) => [x.impl, x]));
  const bs = sk.get('branch');
  if (bs !== undefined) {
    const ps = sk.get('baseline');
    lines.push(
      '### Skewed load: 64 shards, 6 of them carry half the bytes, 8 workers',
      '',
      'Each holder reports the bytes its shards carry every 250 ms (as a consumer does per batch: 6 hot shards at',
      '96.7 KB/s, 58 at 10 KB/s). "busiest ÷ mean" is the busiest worker\'s throughput over the mean worker\'s. After',
      `the fleet settled, one hot shard cools to 10 KB/s and the lease moves are counted for ${bs.coolingMinutes} minutes (real time).`,
      '',
      '| | current | previous (count balancing) |',
      '|---|---|---|',
      `| settled (≤ 1.2 × mean, no move for 2 failover times) after | ${s(bs.settledMs)} | ${ps ? 'n/a (balances counts)' : '—'} |`,
      `| busiest ÷ mean, settled | ${bs.ratioSettled.toFixed(2)} | ${ps ? ps.ratioSettled.toFixed(2) : '—'} |`,
      `| lease moves to settle (the first takes count) | ${bs.movesToSettle} | ${ps ? ps.movesToSettle : '—'} |`,
      `| moves per minute after one hot shard cooled | ${bs.movesByMinute.join(', ')} | ${ps ? ps.movesByMinute.join(', ') : '—'} |`,
      `| busiest ÷ mean, ${bs.coolingMinutes} min after cooling | ${bs.ratioAfterCooling.toFixed(2)} | ${ps ? ps.ratioAfterCooling.toFixed(2) : '—'} |`,
      '',
    );
  }
  lines.push('<!-- bench:leases:end -->');
  return lines.join('\n');
}
