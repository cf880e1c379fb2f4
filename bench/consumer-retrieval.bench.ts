import { cpus, loadavg } from 'node:os';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { KinesisConsumer, type RetrievalOption } from '@kinesis-kit/consumer';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { putAggregated, putNumbered } from '../packages/consumer/test/fixtures/streamData.js';
import { writeBenchSection } from './lib/writeBenchSection.js';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 15;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

type Mode = 'polling' | 'fanout';
const MODES: readonly Mode[] = ['fanout', 'polling'];

function retrieval(aws: LocalAws, mode: Mode): RetrievalOption {
  return mode === 'polling' ? 'polling' : { type: 'fanout', kinesisClient: aws.kinesis.createFanOutKinesisClient() };
}

function consumer(
  aws: LocalAws,
  stream: string,
  app: string,
  mode: Mode,
  onRecords: (records: readonly { data: Uint8Array }[]) => void,
): KinesisConsumer {
  return new KinesisConsumer({
    streamName: stream,
    applicationName: app,
    kinesisClient: aws.kinesis.createKinesisClient(),
    dynamoDbClient: aws.dynamoDb.createDynamoDbClient(),
    initialPosition: 'TRIM_HORIZON',
    retrieval: retrieval(aws, mode),
    eachBatch: ({ records }) => onRecords(records),
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(aws: LocalAws) {
  const stream = 'retrieval-latency';
  await aws.kinesis.createStream(stream, 2);
  const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  const consumers = MODES.map((mode) =>
    consumer(aws, stream, `lat-${mode}`, mode, (records) => {
      const now = Date.now();
      for (const r of records) {
        const { sentAt } = JSON.parse(Buffer.from(r.data).toString('utf8')) as { sentAt: number };
        if (sentAt > 0) samples.get(mode)!.push(now - sentAt);
      }
    }),
  );
  await Promise.all(consumers.map((c) => c.start()));
  await sleep(5_000); // leases taken, subscriptions open (first fan-out event after ~2 s on kinesis-local)
  const client: KinesisClient = aws.kinesis.kinesisClient;
  const total = SECONDS * 20;
  for (let i = 0; i < total; i++) {
    const started = Date.now();
    await client.send(
      new PutRecordCommand({
        StreamName: stream,
        PartitionKey: `pk-${i}`,
        Data: Buffer.from(JSON.stringify({ sentAt: Date.now(), i })),
      }),
    );
    await sleep(Math.max(0, 50 - (Date.now() - started)));
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && MODES.some((m) => samples.get(m)!.length < total)) await sleep(200);
  await Promise.all(consumers.map((c) => c.stop()));
  return MODES.map((mode) => {
    const s = [...samples.get(mode)!].sort((a, b) => a - b);
    return {
      mode,
      delivered: s.length,
      total,
      min: s[0] ?? Number.NaN,
      p50: percentile(s, 50),
      p95: percentile(s, 95),
      p99: percentile(s, 99),
      max: s[s.length - 1] ?? Number.NaN,
    };
  });
}

async function catchUp(aws: LocalAws, mode: Mode, kind: 'plain' | 'aggregated') {
  const stream = `retrieval-${kind}-${mode}`;
  // Aggregates go to one shard: on two, user records routed to the other shard's range would be discarded (KCL rule).
  await aws.kinesis.createStream(stream, kind === 'plain' ? 2 : 1);
  const total = kind === 'plain' ? 5_000 : 50_000;
  if (kind === 'plain') await putNumbered(aws.kinesis.kinesisClient, stream, 0, total, 64);
  else await putAggregated(aws.kinesis.kinesisClient, stream, 0, 125, 400, 64);
  let got = 0;
  let firstAt = 0;
  const c = consumer(aws, stream, `catchup-${kind}-${mode}`, mode, (records) => {
    if (firstAt === 0) firstAt = Date.now();
    got += records.length;
  });
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await c.start();
  const deadline = t0 + 120_000;
  while (got < total && Date.now() < deadline) await sleep(20);
  const t1 = Date.now();
  const cpu = process.cpuUsage(cpu0);
  await c.stop();
  return {
    mode,
    kind,
    total,
    got,
    fromStart: (got / (t1 - t0)) * 1000,
    toFirst: firstAt - t0,
    fromFirst: (got / Math.max(1, t1 - firstAt)) * 1000,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, got),
  };
}

const loadAtStart = load();
const aws = await startLocalAws();
let latencyRows: Awaited<ReturnType<typeof latency>>;
const catchUpRows: Awaited<ReturnType<typeof catchUp>>[] = [];
try {
  latencyRows = await latency(aws);
  console.table(latencyRows);
  for (const kind of ['plain', 'aggregated'] as const)
    for (const mode of MODES) {
      const row = await catchUp(aws, mode, kind);
      console.table([row]);
      catchUpRows.push(row);
    }
} finally {
  await aws.stop();
}

const label = (m: Mode) => (m === 'fanout' ? 'enhanced fan-out' : 'polling (defaults)');
const section = `<!-- bench:consumer-fanout:start -->
## Consumer retrieval: enhanced fan-out vs polling (kinesis-local + dynalite)

\`node_modules/.bin/tsx bench/consumer-retrieval.bench.ts\` — one process, Node ${process.version},
${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'cpu'}, load average at start ${loadAtStart}, at the end ${load()}
(other work shares the machine's cores; compare rows of the same run). Same run for every row.

### Put → process latency, both modes reading the same stream at once

Two applications (one per mode, own lease tables, own fan-out consumer) read one 2-shard stream while a producer
sends one \`PutRecord\` every 50 ms for ${SECONDS} s (20 records/s). Latency = processor receives − put sent.

| retrieval | delivered | min ms | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|---|
${latencyRows.map((r) => `| ${label(r.mode)} | ${r.delivered}/${r.total} | ${fmt(r.min)} | **${fmt(r.p50)}** | ${fmt(r.p95)} | **${fmt(r.p99)}** | ${fmt(r.max)} |`).join('\n')}

### Catch-up throughput to a no-op processor (from TRIM_HORIZON, one mode at a time)

| retrieval | records | user records | records/s from \`start()\` | \`start()\` → first batch | records/s from first batch | CPU µs / record |
|---|---|---|---|---|---|---|
${catchUpRows.map((r) => `| ${label(r.mode)} | ${r.kind} | ${fmt(r.got)}/${fmt(r.total)} | **${fmt(r.fromStart)}** | ${fmt(r.toFirst)} ms | **${fmt(r.fromFirst)}** | ${r.cpuUs.toFixed(1)} |`).join('\n')}

What these local numbers can and cannot show: kinesis-local pushes a fan-out event once per second per
subscription (a server timer, ≤ 10,000 records per event), its first event comes ~2 s after \`SubscribeToShard\` over
HTTP/2, and a record shows up one or two ticks after its arrival: a bare SDK subscription loop (no kinesis-kit code)
shows the same (a record put at 2.5 s came in the 4.0 s event; the 3.0 s event was empty). So the fan-out latency
rows measure kinesis-local's timer, not fan-out and not the fetcher; AWS pushes records within ~70 ms of arrival
(its documented average), which no local server reproduces. Polling latency is our 200 ms call spacing plus
kinesis-local's request time. Fan-out catch-up gets up to 10,000 records per event per shard; its
"from \`start()\`" figure includes registering the stream consumer and the ~2 s to the first event. Neither server
enforces the 2 MB/s per shard per consumer (fan-out) or the shared 2 MB/s and 5 calls/s per shard (polling) limits —
those are what fan-out buys on AWS when several applications read one stream, and local numbers cannot show them.
The aggregated rows arrive in one event (fan-out) or one GetRecords call (polling) — 125 Kinesis records — so their
"from first batch" column is only deaggregation and handler time, not a read rate.
<!-- bench:consumer-fanout:end -->`;

console.log(section);
writeBenchSection('consumer-fanout', section);
process.exit(0);
