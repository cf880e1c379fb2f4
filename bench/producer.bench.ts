// Producer throughput. (a) CPU cost with the network taken away: a real KinesisClient whose PutRecords/ListShards
// are answered by a middleware before serialization (a sink), 100-byte records over 1,000 keys, aggregated and not.
// (b) End to end into a local server, same run, same records: ours vs a plain SDK PutRecords loop (500 per call)
// vs aws-kinesis-agg + hand batching, plus the server's ceiling (pre-aggregated records put raw, no producer work).
// Writes its section of docs/benchmarks.md. Run: node_modules/.bin/tsx bench/producer.bench.ts [--no-write]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { RecordAggregator } from '@kinesis-kit/aggregation';
import { KinesisProducer, type ProducerOptions } from '@kinesis-kit/producer';
import { type LocalKinesis, startLocalKinesis } from '@kinesis-kit/testing';
import agg from 'aws-kinesis-agg';

const KEYS = Array.from({ length: 1000 }, (_, i) => `key-${String(i).padStart(8, '0')}`);
const DATA = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(100, i & 0xff));
const MAX_HASH = 2n ** 128n - 1n;

// ---------- (a) sink ----------

/** A KinesisClient that never leaves the process: ListShards → `shards` even ranges, PutRecords → all stored. */
function sinkClient(shards: number): KinesisClient {
  const client = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const step = MAX_HASH / BigInt(shards);
  const listing = {
    Shards: Array.from({ length: shards }, (_, i) => ({
      ShardId: `shardId-${String(i).padStart(12, '0')}`,
      HashKeyRange: {
        StartingHashKey: (step * BigInt(i) + (i === 0 ? 0n : 1n)).toString(),
        EndingHashKey: i === shards - 1 ? MAX_HASH.toString() : (step * BigInt(i + 1)).toString(),
      },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
    })),
  };
  let seq = 0;
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Records?: unknown[] };
      if (context.commandName === 'ListShardsCommand') return { output: { ...listing, $metadata: {} }, response: {} };
      // No ShardId in the answer: the producer takes the predicted one (hashing here would bill the sink's MD5 to us).
      const records = (input.Records ?? []).map(() => ({ SequenceNumber: String(++seq) }));
      return { output: { Records: records, FailedRecordCount: 0, $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'sink', priority: 'high' },
  );
  return client;
}

/** Puts `total` records, keeping ≤ `window` unsettled (awaits the oldest chunk); returns user records/s and CPU µs. */
async function drive(producer: KinesisProducer, total: number, window = 50_000) {
  const chunk = 10_000;
  const pending: Promise<unknown>[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let base = 0; base < total; base += chunk) {
    const promises = new Array<Promise<unknown>>(chunk);
    for (let i = 0; i < chunk; i++) {
      const n = base + i;
      promises[i] = producer.put({ data: DATA[n % 1000] as Buffer, partitionKey: KEYS[n % 1000] as string });
    }
    pending.push(Promise.all(promises));
    if (pending.length * chunk >= window) await pending.shift();
  }
  await Promise.all(pending);
  await producer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: total / seconds, cpuNsPerRecord: ((cpu.user + cpu.system) * 1000) / total, seconds };
}

async function sinkRun(options: Partial<ProducerOptions>, total: number) {
  // rateLimit ∞: the sink is not a shard; with the default, 4 shards × 1.5 MiB/s would be what is measured.
  const producer = new KinesisProducer({
    streamName: 'sink',
    kinesisClient: sinkClient(4),
    rateLimit: Number.POSITIVE_INFINITY,
    ...options,
  });
  await drive(producer, 100_000); // warm-up
  const result = await drive(producer, total);
  await producer.close();
  return result;
}

// ---------- (b) end to end ----------

const STREAM_SHARDS = 4;
/**
 * Request size for every sender in (b): 1 MiB, not the 5 MiB Kinesis allows, because kinesalite resets connections
 * when several multi-MiB PutRecords are in flight. Everyone gets the same limit.
 */
const REQUEST_BYTES = 1024 * 1024;

function userRecords(total: number) {
  return Array.from({ length: total }, (_, n) => ({
    partitionKey: KEYS[n % 1000] as string,
    data: DATA[n % 1000] as Buffer,
  }));
}

/** Splits entries into PutRecords-sized batches (≤ 500 entries, ≤ 5 MiB). */
function batches(entries: PutRecordsRequestEntry[], maxBytes = REQUEST_BYTES): PutRecordsRequestEntry[][] {
  const out: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = (entry.Data?.length ?? 0) + (entry.PartitionKey?.length ?? 0);
    if (current.length === 500 || bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function putAll(
  client: KinesisClient,
  streamName: string,
  groups: PutRecordsRequestEntry[][],
  concurrency: number,
) {
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++] as PutRecordsRequestEntry[];
      let records = group;
      // Retry failed entries (neither local server fails any, but be honest about the loop).
      while (records.length > 0) {
        const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        records = records.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function aggregateWithOurs(records: ReturnType<typeof userRecords>): PutRecordsRequestEntry[] {
  const aggregator = new RecordAggregator();
  const out: PutRecordsRequestEntry[] = [];
  const push = () => {
    const built = aggregator.build();
    out.push(
      built.explicitHashKey === undefined
        ? { Data: built.data, PartitionKey: built.partitionKey }
        : { Data: built.data, PartitionKey: built.partitionKey, ExplicitHashKey: built.explicitHashKey },
    );
  };
  for (const record of records) {
    if (!aggregator.wouldFit(record)) push();
    aggregator.add(record);
  }
  push();
  return out;
}

function aggregateWithAwsKinesisAgg(records: ReturnType<typeof userRecords>): Promise<PutRecordsRequestEntry[]> {
  return new Promise((resolve, reject) => {
    const out: PutRecordsRequestEntry[] = [];
    agg.aggregate(
      records,
      (encoded: { partitionKey: string; explicitHashKey?: string; data: Buffer }, done: () => void) => {
        out.push({ Data: encoded.data, PartitionKey: encoded.partitionKey, ExplicitHashKey: encoded.explicitHashKey });
        done();
      },
      () => resolve(out),
      reject,
    );
  });
}

interface Row {
  name: string;
  seconds: number;
  perSecond: number;
}

async function endToEnd(kinesis: LocalKinesis, total: number, label: string): Promise<Row[]> {
  const records = userRecords(total);
  const rows: Row[] = [];
  let streamNo = 0;
  const fresh = async () => {
    const name = `bench-${label}-${++streamNo}`;
    await kinesis.createStream(name, STREAM_SHARDS);
    return name;
  };
  const client = kinesis.createKinesisClient({ maxAttempts: 1 });
  const time = async (name: string, fn: (stream: string) => Promise<void>) => {
    const stream = await fresh();
    const t0 = performance.now();
    await fn(stream);
    const seconds = (performance.now() - t0) / 1000;
    rows.push({ name, seconds, perSecond: total / seconds });
  };
  // The ceiling: the same aggregates ours would send, built before the clock starts, put 24 requests at a time.
  const prebuilt = batches(aggregateWithOurs(records));
  await time('server ceiling: pre-aggregated records put raw (24 concurrent)', (s) => putAll(client, s, prebuilt, 24));
  await time('@kinesis-kit/producer (defaults: rateLimit 150 %)', async (s) => {
    const producer = new KinesisProducer({ streamName: s, kinesisClient: client, collectionMaxBytes: REQUEST_BYTES });
    await Promise.all(records.map((r) => producer.put(r)));
    await producer.close();
  });
  await time('@kinesis-kit/producer (rateLimit: Infinity)', async (s) => {
    const producer = new KinesisProducer({
      streamName: s,
      kinesisClient: client,
      collectionMaxBytes: REQUEST_BYTES,
      rateLimit: Number.POSITIVE_INFINITY,
    });
    await Promise.all(records.map((r) => producer.put(r)));
    await producer.close();
  });
  await time('plain SDK PutRecords loop, 500 per call, sequential', (s) =>
    putAll(client, s, batches(records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey }))), 1),
  );
  await time('aws-kinesis-agg aggregate() + hand batching, sequential', async (s) => {
    await putAll(client, s, batches(await aggregateWithAwsKinesisAgg(records)), 1);
  });
  return rows;
}

// ---------- main ----------

const sinkTotal = 1_000_000;
const aggregated = await sinkRun({}, sinkTotal);
const plain = await sinkRun({ aggregationEnabled: false }, sinkTotal / 2);
console.log('sink aggregated', aggregated, 'sink not aggregated', plain);

const kinesalite = await startLocalKinesis({ engine: 'kinesalite' });
let kinesaliteRows: Row[];
try {
  kinesaliteRows = await endToEnd(kinesalite, 100_000, 'kl');
} finally {
  await kinesalite.stop();
}
const local = await startLocalKinesis();
let localRows: Row[];
try {
  localRows = await endToEnd(local, 5_000, 'local');
} finally {
  await local.stop();
}
console.table(kinesaliteRows);
console.table(localRows);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const table = (rows: Row[]) => {
  const ceiling = rows[0]?.perSecond ?? 1;
  return rows
    .map(
      (r) =>
        `| ${r.name} | ${r.seconds.toFixed(2)} | ${fmt(r.perSecond)} | ${((100 * r.perSecond) / ceiling).toFixed(0)} % |`,
    )
    .join('\n');
};
const section = `<!-- bench:producer:start -->
## Producer (\`bench/producer.bench.ts\`)

Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} (run alongside other test suites, so treat ratios as rough; load average ${loadavg()[0]?.toFixed(2)} at the end: other work was running), Node ${process.version}. 100-byte records, 1,000 partition keys.

### (a) CPU cost, network taken away (sink client, 4 shards, \`rateLimit: Infinity\`, ≤ 50,000 records unsettled, one process)

| mode | user records/s | CPU per record |
|---|---|---|
| aggregated (default) | **${fmt(aggregated.perSecond)}** | ${fmt(aggregated.cpuNsPerRecord)} ns |
| not aggregated (500 records per PutRecords) | ${fmt(plain.perSecond)} | ${fmt(plain.cpuNsPerRecord)} ns |

Target ≥ 1,000,000/s aggregated. Each put validates, looks up the cached hash and route, aggregates (encode + MD5
trailer per aggregate), and settles one promise; the sink answers before request serialization.

### (b) End to end, 4-shard stream, same records, same run, PutRecords ≤ 1 MiB for every sender; % of the server ceiling

kinesalite, 100,000 records:

| sender | seconds | user records/s | % of ceiling |
|---|---|---|---|
${table(kinesaliteRows)}

kinesis-local (fidelity, small volume), 5,000 records:

| sender | seconds | user records/s | % of ceiling |
|---|---|---|---|
${table(localRows)}

The ceiling puts the aggregates our producer would build, built before the clock starts, so it is the server's cost
for the same bytes. With the default \`rateLimit\` (150 % of 1 MiB/s per shard) ours is held to the per-shard limit
real Kinesis enforces; neither local server throttles, so \`rateLimit: Infinity\` shows the producer's own ceiling.
<!-- bench:producer:end -->`;

if (!process.argv.includes('--no-write')) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  let text = readFileSync(path, 'utf8');
  const re = /<!-- bench:producer:start -->[\s\S]*<!-- bench:producer:end -->/;
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}
