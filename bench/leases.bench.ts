import { DynamoDBLeaseTable, LeaseCoordinator, newLease, TRIM_HORIZON } from '@kinesis-kit/consumer';
import { startLocalDynamoDB } from '@kinesis-kit/testing';
import { writeBenchSection } from './lib/writeBenchSection.js';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 30;
const FAILOVER_MS = 10_000;

type Counts = Record<string, number>;

async function fleet(shards: number, workers: number, ddb: Awaited<ReturnType<typeof startLocalDynamoDB>>) {
  const tableName = `bench-${shards}-${workers}-${Date.now()}`;
  const seed = new DynamoDBLeaseTable({ dynamoDbClient: ddb.dynamoDbClient, tableName });
  await seed.initialize();
  for (let i = 0; i < shards; i++) await seed.createLeaseIfNotExists(newLease(`shard-${i}`, TRIM_HORIZON));
  const counts: Counts = {};
  const coordinators = Array.from({ length: workers }, (_, i) => {
    const client = ddb.createDynamoDbClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context.commandName ?? '?').replace(/Command$/, '');
        counts[name] = (counts[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: `count-${i}` },
    );
    return new LeaseCoordinator({
      leaseTable: new DynamoDBLeaseTable({ dynamoDbClient: client, tableName }),
      workerId: `worker-${i}`,
      failoverTimeMs: FAILOVER_MS,
    });
  });
  await Promise.all(coordinators.map((c) => c.start()));
  const balanced = async () => {
    const owners = new Map<string, number>();
    for (const lease of await seed.listLeases()) {
      if (lease.leaseOwner) owners.set(lease.leaseOwner, (owners.get(lease.leaseOwner) ?? 0) + 1);
    }
    const c = [...owners.values()];
    return (
      c.reduce((a, b) => a + b, 0) === shards &&
      Math.max(...c) - Math.min(...c) <= 1 &&
      c.length === Math.min(workers, shards)
    );
  };
  const t0 = Date.now();
  while (!(await balanced())) await sleep(200);
  const convergeMs = Date.now() - t0;
  return { seed, counts, coordinators, convergeMs };
}

function kcl2PerShardMinute(shards: number, workers: number): number {
  const renew = 60_000 / (FAILOVER_MS / 3 - 25);
  const scans = (60_000 / (2 * (FAILOVER_MS + 25))) * workers;
  return renew + scans / shards;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const ddb = await startLocalDynamoDB();
  const rows: string[] = [];
  for (const [shards, workers] of [
    [8, 3],
    [4, 4],
    [32, 4],
    [64, 8],
  ] as const) {
    const { counts, coordinators, convergeMs } = await fleet(shards, workers, ddb);
    await sleep(FAILOVER_MS); // settle: steals done, victims noticed
    for (const key of Object.keys(counts)) delete counts[key];
    await sleep(SECONDS * 1000);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const perShardMinute = (total / shards) * (60 / SECONDS);
    const kcl = kcl2PerShardMinute(shards, workers);
    const detail = Object.entries(counts)
      .map(([k, v]) => `${k} ${((v / shards) * (60 / SECONDS)).toFixed(1)}`)
      .join(', ');
    rows.push(
      `| ${shards} | ${workers} | ${perShardMinute.toFixed(1)} (${detail}) | ${kcl.toFixed(1)} | ${(perShardMinute / kcl).toFixed(2)} | ${(convergeMs / 1000).toFixed(1)} s |`,
    );
    console.log(rows[rows.length - 1]);
    await Promise.all(coordinators.map((c) => c.stop()));
  }

  // Timings with failoverTimeMs 10 s: crash (stop without release) and graceful stop (release), 8 shards / 3 workers.
  const timings: string[] = [];
  for (const mode of ['crash', 'graceful'] as const) {
    const { seed, coordinators } = await fleet(8, 3, ddb);
    await sleep(FAILOVER_MS);
    const leaving = coordinators[2] as LeaseCoordinator;
    const keys = [...leaving.getHeldLeases().keys()];
    await leaving.stop();
    const t0 = Date.now();
    if (mode === 'graceful') await Promise.all(keys.map((k) => leaving.releaseLease(k)));
    const taken: number[] = [];
    for (const c of coordinators.slice(0, 2)) {
      c.on('lease_gained', (l) => {
        if (keys.includes(l.leaseKey)) taken.push(Date.now() - t0);
      });
    }
    while (taken.length < keys.length) await sleep(5);
    timings.push(`| ${mode} | ${keys.length} | ${taken.sort((a, b) => a - b).join(', ')} ms |`);
    console.log(timings[timings.length - 1]);
    await Promise.all(coordinators.map((c) => c.stop()));
    void seed;
  }
  await ddb.stop();

  const section = [
    '<!-- bench:leases:start -->',
    '## Lease layer (`bench/leases.bench.ts`)',
    '',
    `dynalite in-process, default options (failoverTimeMs 10 s, renewal every 5 s, takingIntervalMs 1 s fleet-wide),`,
    `each worker with its own DynamoDB client and a request-counting middleware; counted over ${SECONDS} s after the`,
    'fleet balanced and settled. "KCL 2.x" is computed from its defaults (renewal every 3.308 s; one Scan per worker',
    'per 20.05 s taking cycle), not measured. One Scan request covers the whole table (< 1 MB).',
    '',
    '| shards | workers | ours: DynamoDB requests / shard / min | KCL 2.x | ratio | balanced after |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Takeover with failoverTimeMs 10 s, 8 shards / 3 workers, time from the stop until each of the leaving',
    "worker's leases is taken by another (KCL 2.x: up to ~30 s after a crash, with its 20 s taking cycle;",
    'it has no graceful release before 2.x `gracefulShutdown` / 3.x handoff):',
    '',
    '| stop | leases | taken after |',
    '|---|---|---|',
    ...timings,
    '<!-- bench:leases:end -->',
  ].join('\n');
  writeBenchSection('leases', section);
  console.log(section);
}

await main();
