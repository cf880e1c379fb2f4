// Consumer benchmarks against kinesis-local + dynalite, ours vs lifion-kinesis 1.3.3 in the same run:
//   1. put→process latency (p50/p95/p99) with a steady 20 records/s producer over 2 shards, and GetRecords calls/s
//      per shard (AWS allows 5);
//   2. catch-up throughput to a no-op processor from TRIM_HORIZON: plain records and KPL-aggregated records.
// Writes its section of docs/benchmarks.md. Run: node_modules/.bin/tsx bench/consumer.bench.ts [--seconds 20] [--no-write]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import {
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { isInHashKeyRange, parseHashKeyRange, partitionKeyHash, RecordAggregator } from '@kinesis-kit/aggregation';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 20;
const PLAIN_RECORDS = 5_000;
const AGGREGATES = 125; // × PER_AGGREGATE user records in total, packed per shard
const PER_AGGREGATE = 400;
const require = createRequire(import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Third-party clients run here: refuse any connection that is not loopback.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guarded(this: net.Socket, ...args: unknown[]) {
  const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; path?: string } | number;
  const host =
    typeof first === 'object' && first !== null ? (first.host ?? 'localhost') : String(args[1] ?? 'localhost');
  const isPath = typeof first === 'object' && first !== null && first.path !== undefined;
  if (!isPath && !/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/.test(host)) throw new Error(`refusing ${host}`);
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

// Count lifion's aws-sdk v2 calls.
const lifionRequire = createRequire(require.resolve('lifion-kinesis'));
const AWSv2 = lifionRequire('aws-sdk') as { Service: { prototype: { makeRequest: (...a: unknown[]) => unknown } } };
const v2Calls: Record<string, number> = {};
const makeRequest = AWSv2.Service.prototype.makeRequest;
AWSv2.Service.prototype.makeRequest = function counted(this: unknown, op: unknown, ...rest: unknown[]) {
  v2Calls[String(op)] = (v2Calls[String(op)] ?? 0) + 1;
  return makeRequest.call(this, op, ...rest);
};

type OnRecords = (payloads: unknown[], t: number) => void;
interface Running {
  ready: Promise<void>;
  stop(): Promise<void>;
  getRecordsCalls(): number;
  /** Max GetRecords calls of one shard within any 1 s window (ours only: lifion's calls are not per shard). */
  maxPerShardWindow?: () => number;
}

let aws: LocalAws;
const lifionErrors: string[] = [];
let runCounter = 0;

function startOurs(stream: string, onRecords: OnRecords): Running {
  const kinesisClient = aws.kinesis.createKinesisClient();
  let calls = 0;
  // Per-shard call start times: each GetRecords continues the chain of the iterator the previous one returned.
  const chainOf = new Map<string, number[]>();
  const chains: number[][] = [];
  kinesisClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GetRecordsCommand') return next(args);
      calls++;
      const iterator = String((args.input as { ShardIterator?: string }).ShardIterator);
      const chain = chainOf.get(iterator) ?? [];
      if (!chainOf.delete(iterator)) chains.push(chain);
      chain.push(Date.now());
      const result = await next(args);
      const nextIterator = (result.output as { NextShardIterator?: string }).NextShardIterator;
      if (nextIterator !== undefined) chainOf.set(nextIterator, chain);
      return result;
    },
    { step: 'initialize', name: 'countGetRecords' },
  );
  const consumer = new KinesisConsumer({
    streamName: stream,
    applicationName: `bench-ours-${++runCounter}`,
    kinesisClient,
    dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
    initialPosition: 'TRIM_HORIZON',
    eachBatch: ({ records }) => {
      const t = Date.now();
      onRecords(
        records.map((r) => r.data),
        t,
      );
    },
  });
  let processing = 0;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  consumer.on('consumer.shard_state', ({ to }) => {
    if (to === 'PROCESSING' && ++processing === 2) onReady();
  });
  const started = consumer.start();
  return {
    ready: started.then(() => ready),
    stop: () => consumer.stop(),
    getRecordsCalls: () => calls,
    maxPerShardWindow: () => {
      let max = 0;
      for (const times of chains) {
        for (let i = 0, j = 0; i < times.length; i++) {
          while (times[i]! - times[j]! >= 1000) j++;
          max = Math.max(max, i - j + 1);
        }
      }
      return max;
    },
  };
}

const LIFION_MODES = {
  'lifion default': {},
  'lifion aggressive': { pollDelay: 0, noRecordsPollDelay: 250 },
} as const;

function startLifion(mode: keyof typeof LIFION_MODES, stream: string, onRecords: OnRecords): Running {
  const Kinesis = require('lifion-kinesis') as new (
    options: Record<string, unknown>,
  ) => {
    on(event: string, listener: (chunk: { records?: { data: unknown }[] }) => void): void;
    startConsumer(): Promise<void>;
    stopConsumer(): void;
  };
  const common = { region: 'us-east-1', accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
  const before = v2Calls.getRecords ?? 0;
  let readShards = 0;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const noop = () => {};
  const consumer = new Kinesis({
    streamName: stream,
    endpoint: aws.kinesis.endpoint,
    ...common,
    dynamoDb: { endpoint: aws.dynamoDb.endpoint, ...common, tableName: `lifion-state-${++runCounter}` },
    consumerGroup: `bench-${runCounter}`,
    initialPositionInStream: 'TRIM_HORIZON',
    createStreamIfNeeded: false,
    useEnhancedFanOut: false,
    logger: {
      debug: (m: unknown) => {
        if (typeof m === 'string' && m.startsWith('Starting to read shard') && ++readShards === 2) onReady();
      },
      info: noop,
      warn: noop,
      error: noop,
    },
    ...LIFION_MODES[mode],
  });
  consumer.on('data', (chunk) => {
    const t = Date.now();
    onRecords(
      (chunk.records ?? []).map((r) => r.data),
      t,
    );
  });
  consumer.on('error', (error: unknown) => lifionErrors.push(String((error as Error)?.message ?? error)));
  return {
    ready: consumer.startConsumer().then(() => ready),
    stop: async () => consumer.stopConsumer(),
    getRecordsCalls: () => (v2Calls.getRecords ?? 0) - before,
  };
}

function payload(value: unknown): { i: number; t: number } {
  if (value instanceof Uint8Array) return JSON.parse(Buffer.from(value).toString('utf8'));
  if (typeof value === 'string') return JSON.parse(value);
  return value as { i: number; t: number };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface LatencyRow {
  name: string;
  delivered: number;
  sent: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  callsPerShard: number;
  maxWindow: number | undefined;
}

async function latency(
  name: string,
  start: (stream: string, on: OnRecords) => Running,
  seconds = SECONDS,
): Promise<LatencyRow> {
  const stream = `lat-${++runCounter}`;
  await aws.kinesis.createStream(stream, 2);
  const latencies = new Map<number, number>();
  const running = start(stream, (payloads, t) => {
    for (const p of payloads) {
      const { i, t: sentAt } = payload(p);
      if (!latencies.has(i)) latencies.set(i, t - sentAt);
    }
  });
  await running.ready;
  await sleep(1_500);
  const callsBefore = running.getRecordsCalls();
  const client = aws.kinesis.kinesisClient;
  const count = seconds * 20;
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    await sleep(Math.max(0, t0 + i * 50 - Date.now()));
    void client.send(
      new PutRecordCommand({
        StreamName: stream,
        PartitionKey: `pk-${i}`,
        Data: Buffer.from(JSON.stringify({ i, t: Date.now() })),
      }),
    );
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const calls = running.getRecordsCalls() - callsBefore;
  const deadline = Date.now() + 5_000;
  while (latencies.size < count && Date.now() < deadline) await sleep(50);
  await running.stop();
  const sorted = [...latencies.values()].sort((a, b) => a - b);
  return {
    name,
    delivered: latencies.size,
    sent: count,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    callsPerShard: calls / elapsedS / 2,
    maxWindow: running.maxPerShardWindow?.(),
  };
}

interface ThroughputRow {
  name: string;
  kind: string;
  records: number;
  fromStart: number;
  cpuUsPerRecord: number;
}

async function preload(stream: string, kind: 'plain' | 'aggregated'): Promise<number> {
  const client = aws.kinesis.kinesisClient;
  const entries: PutRecordsRequestEntry[] = [];
  let i = 0;
  if (kind === 'plain') {
    for (; i < PLAIN_RECORDS; i++)
      entries.push({ PartitionKey: `pk-${i}`, Data: Buffer.from(JSON.stringify({ i, t: 0, pad: 'x'.repeat(70) })) });
  } else {
    // As the KPL does: one aggregate holds only user records predicted for the same shard (a consumer drops the
    // user records of an aggregate that fall outside its shard's hash key range, as the KCL does).
    const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    const ranges = shards.map((shard) => parseHashKeyRange(shard.HashKeyRange ?? {}));
    const aggregators = ranges.map(() => new RecordAggregator());
    const flush = (index: number) => {
      const built = aggregators[index]!.build();
      entries.push({ PartitionKey: built.partitionKey, ExplicitHashKey: built.explicitHashKey, Data: built.data });
    };
    for (; i < AGGREGATES * PER_AGGREGATE; i++) {
      const record = { partitionKey: `pk-${i}`, data: Buffer.from(JSON.stringify({ i, t: 0, pad: 'x'.repeat(70) })) };
      const hash = partitionKeyHash(record.partitionKey);
      const index = ranges.findIndex((range) => isInHashKeyRange(hash, range));
      const aggregator = aggregators[index]!;
      if (!aggregator.wouldFit(record)) flush(index);
      aggregator.add(record);
    }
    for (let index = 0; index < aggregators.length; index++) if (aggregators[index]!.count > 0) flush(index);
  }
  for (let k = 0; k < entries.length; k += 500)
    await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries.slice(k, k + 500) }));
  return i;
}

async function throughput(
  name: string,
  kind: 'plain' | 'aggregated',
  start: (stream: string, on: OnRecords) => Running,
): Promise<ThroughputRow> {
  const stream = `thr-${++runCounter}`;
  await aws.kinesis.createStream(stream, 2);
  const total = await preload(stream, kind);
  const seen = new Set<number>();
  let done: () => void = () => {};
  const all = new Promise<void>((r) => {
    done = r;
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const running = start(stream, (payloads) => {
    for (const p of payloads) seen.add(payload(p).i);
    if (seen.size >= total) done();
  });
  await Promise.race([all, sleep(60_000)]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await running.stop();
  return {
    name,
    kind,
    records: seen.size,
    fromStart: seen.size / seconds,
    cpuUsPerRecord: (cpu.user + cpu.system) / seen.size,
  };
}

const loadAtStart = loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
aws = await startLocalAws();
const latencyRows: LatencyRow[] = [];
const throughputRows: ThroughputRow[] = [];
try {
  if (!process.argv.includes('--throughput-only')) {
    // kinesis-local is a JIT-compiled Scala.js bundle: its first seconds of traffic are slow. Warm it up (discarded).
    await latency('warm-up', startOurs, 4);
    latencyRows.push(await latency('kinesis-kit (defaults)', startOurs));
    for (const mode of Object.keys(LIFION_MODES) as (keyof typeof LIFION_MODES)[])
      latencyRows.push(await latency(mode, (s, on) => startLifion(mode, s, on)));
  }
  for (const kind of ['plain', 'aggregated'] as const) {
    throughputRows.push(await throughput('kinesis-kit (defaults)', kind, startOurs));
    // lifion-kinesis 1.3.3 deaggregates KPL records only in enhanced fan-out mode (lib/fan-out-consumer.js), which
    // cannot target a local endpoint (LOCAL-SERVERS.md fact 14); in polling mode it JSON.parses the raw aggregate.
    if (kind === 'plain')
      throughputRows.push(await throughput('lifion default', kind, (s, on) => startLifion('lifion default', s, on)));
  }
} finally {
  await aws.stop();
}
console.table(latencyRows);
console.table(throughputRows);
if (lifionErrors.length > 0) console.log('lifion errors:', [...new Set(lifionErrors)].slice(0, 5));

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '—');
const f1 = (x: number) => x.toFixed(1);
const section = `<!-- bench:consumer:start -->
## Consumer: @kinesis-kit/consumer vs lifion-kinesis 1.3.3 (kinesis-local + dynalite)

\`node_modules/.bin/tsx bench/consumer.bench.ts\` — one process, fresh 2-shard streams, dynalite in-process,
Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at start ${loadAtStart}
(other work on the machine shares its 2 cores; compare rows of the same run). Same run for every row.

### Put → process latency

A producer in the same process sends one \`PutRecord\` every 50 ms for ${SECONDS} s (20 records/s, ~10 per shard,
key \`pk-<i>\`), starting 1.5 s after every shard is being read. Latency = time the processor gets the record − time
of the put. Calls/s are GetRecords per shard over the producing window; "max in 1 s" is the most calls one shard
started in any 1-second window (ours: call start times, followed per shard through the iterator chain; lifion's
aws-sdk v2 calls are only counted).
Targets (issue 7): p50 ≤ 130 ms, p99 ≤ 300 ms, never over 5 GetRecords/s per shard.

| consumer | delivered | p50 ms | p95 ms | p99 ms | max ms | GetRecords/s per shard | max in 1 s, one shard |
|---|---|---|---|---|---|---|---|
${latencyRows
  .map(
    (r) =>
      `| ${r.name} | ${r.delivered}/${r.sent} | **${f0(r.p50)}** | ${f0(r.p95)} | **${f0(r.p99)}** | ${f0(r.max)} | ${f1(r.callsPerShard)} | ${r.maxWindow ?? '—'} |`,
  )
  .join('\n')}

### Catch-up throughput to a no-op processor

${PLAIN_RECORDS.toLocaleString('en')} plain records (~100 B), or ${AGGREGATES} KPL aggregates of ${PER_AGGREGATE} user records
(${(AGGREGATES * PER_AGGREGATE).toLocaleString('en')} user records), pre-loaded into 2 shards; the consumer starts at TRIM_HORIZON; records/s
counted from \`start()\` to the last record (so lease-table creation and startup are included). CPU is this
process (consumer + in-process dynalite) per user record.

| consumer | records | user records | records/s from start | CPU µs / record |
|---|---|---|---|---|
${throughputRows.map((r) => `| ${r.name} | ${r.kind} | ${r.records.toLocaleString('en')} | **${f0(r.fromStart)}** | ${f1(r.cpuUsPerRecord)} |`).join('\n')}

No lifion row for aggregated records: lifion-kinesis 1.3.3 deaggregates KPL records only in its enhanced fan-out
consumer (\`lib/fan-out-consumer.js\`), and its fan-out mode cannot target a local endpoint (its request signer rewrites
the host to the AWS endpoint; LOCAL-SERVERS.md fact 14). In polling mode it hands the raw aggregate to \`JSON.parse\`
and emits an error per record.

Plain records are bound by kinesis-local's read path (~6,800 records/s, docs: LOCAL-SERVERS.md fact 2), not by
either client. Aggregated records show the client: one GetRecords returns thousands of user records.
<!-- bench:consumer:end -->`;

if (!process.argv.includes('--no-write')) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const re = /<!-- bench:consumer:start -->[\s\S]*<!-- bench:consumer:end -->/;
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}
process.exit(0);
