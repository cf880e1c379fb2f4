// Aggregation: user records per CPU-second, ours vs aws-kinesis-agg, and the MD5 (+ base64) floor both must pay.
// Every measurement runs in a fresh child process (one side's garbage and heap growth must not land in the other's
// timings), warmed up first, then timed over many runs; each side's figure is the better of two alternated rounds.
// Writes its section of docs/benchmarks.md. Run: node_modules/.bin/tsx bench/aggregation.bench.ts [--no-write]
import { hash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deaggregate, deaggregateAll, RecordAggregator } from '@kinesis-kit/aggregation';
import agg from 'aws-kinesis-agg';
import { replyToParent, runChild } from './lib/childRun.js';
import { writeBenchSection } from './lib/writeBenchSection.js';

const USER_RECORDS = 100_000;
const WARMUP = 5;
const MIN_RUNS = 9;
const MIN_TIMED_MS = 1000;
const ROUNDS = 2;
const CONTAINER_BYTES = 1_048_576; // aws-kinesis-agg packs up to 1 MiB per Kinesis record; use the same for ours

type UserRecords = { partitionKey: string; data: Buffer }[];
type SdkRecord = { Data: Uint8Array; PartitionKey: string; SequenceNumber: string };
type LambdaRecord = {
  kinesis: { data: string; partitionKey: string; sequenceNumber: string; approximateArrivalTimestamp: number };
};

function userRecords(recordBytes: number, distinctKeys: number): UserRecords {
  const keys = Array.from({ length: distinctKeys }, (_, i) => `key-${String(i).padStart(8, '0')}`);
  const data = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(recordBytes, i & 0xff));
  return Array.from({ length: USER_RECORDS }, (_, i) => ({
    partitionKey: keys[i % distinctKeys]!,
    data: data[i % 1000]!,
  }));
}

function oursAggregate(records: UserRecords) {
  const aggregator = new RecordAggregator({ maxBytes: CONTAINER_BYTES });
  const out = [];
  for (const r of records) {
    if (!aggregator.wouldFit(r)) out.push(aggregator.build());
    aggregator.add(r);
  }
  out.push(aggregator.build());
  return out;
}

/** Ours as the producer runs it: each aggregate is given back (`recycle`) once "sent", so the next one is encoded
 * into memory already paged in. */
function oursAggregateRecycled(records: UserRecords) {
  const aggregator = new RecordAggregator({ maxBytes: CONTAINER_BYTES });
  let count = 0;
  const send = () => {
    const built = aggregator.build();
    count += built.userRecordCount;
    aggregator.recycle(built.data);
  };
  for (const r of records) {
    if (!aggregator.wouldFit(r)) send();
    aggregator.add(r);
  }
  send();
  return count;
}

function theirsAggregate(records: UserRecords): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out: unknown[] = [];
    agg.aggregate(
      records,
      (encoded, done) => {
        out.push(encoded);
        done();
      },
      () => resolve(out),
      reject,
    );
  });
}

/**
 * The batch being "processed": a consumer keeps a GetRecords page's or Lambda event's user records alive while its
 * processing awaits I/O, so they survive a young-generation GC and get promoted — a cost of the batch shape that both
 * sides pay alike. Each batch is held until the next one is deaggregated. (Dropping every batch at once instead makes
 * timings bimodal: whether a scavenge happens to find a batch alive locks in per process.)
 */
let inProcessing: unknown;

/**
 * Theirs through its callback, checksums verified. With `batchSize` > 1 a batch's user records are collected into one
 * array and held as {@link inProcessing}, as a consumer that hands a whole GetRecords page or Lambda event to its
 * processing does; with 1 each Kinesis record's user records are dropped at once. `toBytes` decodes each user
 * record's base64 `data` (its output for every input shape), as its callers must to read the payload.
 */
function theirsDeaggregate(kinesisRecords: unknown[], batchSize: number, toBytes = false) {
  let n = 0;
  let batch: unknown[] = [];
  for (let i = 0; i < kinesisRecords.length; i++) {
    agg.deaggregateSync(kinesisRecords[i] as never, true, (error: unknown, records?: { data: string }[]) => {
      if (error) throw error;
      for (const r of records ?? []) batch.push(toBytes ? Buffer.from(r.data, 'base64') : r);
    });
    if ((i + 1) % batchSize === 0 || i === kinesisRecords.length - 1) {
      n += batch.length;
      if (batchSize > 1) inProcessing = batch;
      batch = [];
    }
  }
  return n;
}

/**
 * Ours: one deaggregateAll() per batch as a batch arrives — a GetRecords page (≤ 10 MiB: 10 of these 1 MiB records)
 * or a Lambda event (≤ 6 MB: 5 of them), held as {@link inProcessing} — or deaggregate() per Kinesis record
 * (`batchSize` 1), results dropped at once. The user records hold their bytes, ready to read.
 */
function oursDeaggregate(kinesisRecords: (SdkRecord | LambdaRecord)[], batchSize: number) {
  let n = 0;
  if (batchSize === 1) {
    for (const record of kinesisRecords) n += deaggregate(record).records.length;
    return n;
  }
  for (let i = 0; i < kinesisRecords.length; i += batchSize) {
    const { records } = deaggregateAll(kinesisRecords.slice(i, i + batchSize));
    n += records.length;
    inProcessing = records;
  }
  return n;
}

const decodeBuffer = Buffer.allocUnsafe(2 * CONTAINER_BYTES);

/** The work no implementation can skip: MD5 over every aggregate's protobuf body, and for Lambda input decoding the
 * base64 first (into memory already paged in). */
function floor(kinesisRecords: SdkRecord[], lambda: LambdaRecord[] | undefined) {
  let n = 0;
  for (let i = 0; i < kinesisRecords.length; i++) {
    const data =
      lambda === undefined
        ? kinesisRecords[i]!.Data
        : decodeBuffer.subarray(0, decodeBuffer.write(lambda[i]!.kinesis.data, 'base64'));
    n += hash('md5', data.subarray(4, data.length - 16), 'hex').length;
  }
  return n;
}

const OPS = {
  'ours aggregate': (c: Cell) => oursAggregate(c.records),
  'ours aggregate recycled': (c: Cell) => oursAggregateRecycled(c.records),
  'theirs aggregate': (c: Cell) => theirsAggregate(c.records),
  'ours deaggregate sdk page': (c: Cell) => oursDeaggregate(c.sdk, 10),
  'theirs deaggregate sdk page': (c: Cell) => theirsDeaggregate(c.sdk, 10),
  'ours deaggregate sdk record': (c: Cell) => oursDeaggregate(c.sdk, 1),
  'theirs deaggregate sdk record': (c: Cell) => theirsDeaggregate(c.sdk, 1),
  'ours deaggregate lambda event': (c: Cell) => oursDeaggregate(c.lambda, 5),
  'theirs deaggregate lambda event': (c: Cell) => theirsDeaggregate(c.lambdaPlain, 5),
  'theirs deaggregate lambda event to bytes': (c: Cell) => theirsDeaggregate(c.lambdaPlain, 5, true),
  'ours deaggregate lambda record': (c: Cell) => oursDeaggregate(c.lambda, 1),
  'theirs deaggregate lambda record': (c: Cell) => theirsDeaggregate(c.lambdaPlain, 1),
  'floor md5': (c: Cell) => floor(c.sdk, undefined),
  'floor base64 + md5': (c: Cell) => floor(c.sdk, c.lambda),
} as const;
type Op = keyof typeof OPS;

interface Cell {
  records: UserRecords;
  sdk: SdkRecord[];
  lambda: LambdaRecord[];
  /** The same records as aws-kinesis-agg takes them (the `kinesis` part). */
  lambdaPlain: LambdaRecord['kinesis'][];
}

function makeCell(recordBytes: number, distinctKeys: number): Cell {
  const records = userRecords(recordBytes, distinctKeys);
  const sdk = oursAggregate(records).map((r, i) => ({
    Data: r.data,
    PartitionKey: r.partitionKey,
    SequenceNumber: `${i}`,
  }));
  const lambda = sdk.map((r) => ({
    kinesis: {
      data: Buffer.from(r.Data).toString('base64'),
      partitionKey: r.PartitionKey,
      sequenceNumber: r.SequenceNumber,
      approximateArrivalTimestamp: 1,
    },
  }));
  // Both sides read the same records, checksums verified, every user record out. One record at a time, results
  // dropped at once: a batch held here would teach V8 that results survive (it then allocates them straight in the
  // old generation, "pretenuring") before the measured shape has had its say.
  if (oursDeaggregate(sdk, 1) !== USER_RECORDS || theirsDeaggregate(sdk, 1) !== USER_RECORDS) {
    throw new Error('deaggregate mismatch');
  }
  return { records, sdk, lambda, lambdaPlain: lambda.map((r) => r.kinesis) };
}

interface Measurement {
  /** CPU ns per user record, median of the timed runs. */
  ns: number;
  /** Minor page faults per 1,000 user records, median run. */
  faults: number;
  /** User records of the batch held at the end (0 for shapes that hold none). */
  held: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** In a child: one operation on one cell, warmed up, then timed by process CPU time (GC threads included). */
async function measure(op: Op, recordBytes: number, distinctKeys: number): Promise<Measurement> {
  const cell = makeCell(recordBytes, distinctKeys);
  const run = OPS[op];
  for (let i = 0; i < WARMUP; i++) await run(cell);
  const ns: number[] = [];
  const faults: number[] = [];
  let timedMs = 0;
  while (ns.length < MIN_RUNS || timedMs < MIN_TIMED_MS) {
    const faults0 = process.resourceUsage().minorPageFault;
    const cpu0 = process.cpuUsage();
    await run(cell);
    const cpu = process.cpuUsage(cpu0);
    faults.push(((process.resourceUsage().minorPageFault - faults0) * 1000) / USER_RECORDS);
    ns.push(((cpu.user + cpu.system) * 1000) / USER_RECORDS);
    timedMs += (cpu.user + cpu.system) / 1000;
  }
  // Reading the held batch keeps its stores observable (and says the hold was in effect).
  return { ns: median(ns), faults: median(faults), held: Array.isArray(inProcessing) ? inProcessing.length : 0 };
}

const one = process.argv.indexOf('--one');
if (one > 0) {
  const [op, recordBytes, distinctKeys] = process.argv.slice(one + 1, one + 4);
  replyToParent(await measure(op as Op, Number(recordBytes), Number(distinctKeys)));
}

// ---------- parent ----------

const CELLS = [
  [100, 1],
  [100, 1000],
  [1024, 1],
  [1024, 1000],
] as const;
/** `--only <text>`: just the operations whose name contains it (and the floors), for a quick look; writes nothing. */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
/** Every operation with the default heap; the batch shapes also with a 64 MiB young generation (both sides). */
const BIG_YOUNG = ['--max-semi-space-size=64'];
const MEASUREMENTS: [Op, string[]][] = [
  ...(Object.keys(OPS) as Op[]).map((op): [Op, string[]] => [op, []]),
  ...(Object.keys(OPS) as Op[])
    .filter((op) => op.endsWith(' page') || op.endsWith(' event'))
    .map((op): [Op, string[]] => [op, BIG_YOUNG]),
];
const best = new Map<string, Measurement>();
const loadBefore = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  for (const [recordBytes, distinctKeys] of CELLS) {
    for (const [op, flags] of MEASUREMENTS.filter(
      ([op]) => ONLY === undefined || op.includes(ONLY) || op.startsWith('floor'),
    )) {
      const args = ['--one', op, `${recordBytes}`, `${distinctKeys}`];
      const m = runChild<Measurement>(fileURLToPath(import.meta.url), args, flags);
      const key = `${recordBytes}/${distinctKeys}/${op}${flags.join(' ')}`;
      const previous = best.get(key);
      if (previous === undefined || m.ns < previous.ns) best.set(key, m);
      console.log(round, key, m);
    }
  }
}

const rate = (ns: number) => `${(1000 / ns).toFixed(2)} M/s`;
const rows: string[] = [];
for (const [recordBytes, distinctKeys] of CELLS) {
  const label = `${recordBytes === 100 ? '100 B' : '1 KiB'}, ${distinctKeys} key${distinctKeys === 1 ? '' : 's'}`;
  const get = (op: Op, flags: string[] = []) => best.get(`${recordBytes}/${distinctKeys}/${op}${flags.join(' ')}`);
  const row = (name: string, ours: Op, theirs: Op, floorOp: Op, flags: string[] = []) => {
    const o = get(ours, flags);
    const t = get(theirs, flags);
    const f = get(floorOp);
    if (o === undefined || t === undefined || f === undefined) return; // left out by --only
    rows.push(
      `| ${label} | ${name} | ${rate(o.ns)} | ${rate(t.ns)} | **${(t.ns / o.ns).toFixed(2)}×** | ${f.ns.toFixed(0)} ns | ${(t.ns / f.ns).toFixed(2)}× | ${(f.ns / o.ns).toFixed(2)} | ${o.faults.toFixed(0)} / ${t.faults.toFixed(0)} |`,
    );
  };
  row('aggregate', 'ours aggregate', 'theirs aggregate', 'floor md5');
  row('aggregate, buffers recycled as the producer does', 'ours aggregate recycled', 'theirs aggregate', 'floor md5');
  row(
    'deaggregate SDK v3 records, a GetRecords page (10) at a time',
    'ours deaggregate sdk page',
    'theirs deaggregate sdk page',
    'floor md5',
  );
  row(
    'the same, both with `--max-semi-space-size=64`',
    'ours deaggregate sdk page',
    'theirs deaggregate sdk page',
    'floor md5',
    BIG_YOUNG,
  );
  row(
    'deaggregate SDK v3 records, one at a time',
    'ours deaggregate sdk record',
    'theirs deaggregate sdk record',
    'floor md5',
  );
  row(
    'deaggregate Lambda records (base64), an event (5) at a time',
    'ours deaggregate lambda event',
    'theirs deaggregate lambda event',
    'floor base64 + md5',
  );
  row(
    'the same, both with `--max-semi-space-size=64`',
    'ours deaggregate lambda event',
    'theirs deaggregate lambda event',
    'floor base64 + md5',
    BIG_YOUNG,
  );
  row(
    'the same, theirs + `Buffer.from(data, "base64")` per user record (bytes, as ours returns)',
    'ours deaggregate lambda event',
    'theirs deaggregate lambda event to bytes',
    'floor base64 + md5',
  );
  row(
    'deaggregate Lambda records (base64), one at a time',
    'ours deaggregate lambda record',
    'theirs deaggregate lambda record',
    'floor base64 + md5',
  );
}
console.log(rows.join('\n'));

const section = `<!-- bench:aggregation:start -->
## Aggregation: @kinesis-kit/aggregation vs aws-kinesis-agg 4.2.8

\`node_modules/.bin/tsx bench/aggregation.bench.ts\` — ${USER_RECORDS.toLocaleString('en')} user records per run, aggregated into
1 MiB Kinesis records on both sides (aws-kinesis-agg's container size), checksums verified on deaggregate (ours one
\`deaggregateAll\` per GetRecords page of 10 such records or Lambda event of 5, theirs through its callback collecting
each page's or event's user records into one array, each batch held until the next is deaggregated, as a consumer
holds a batch while processing it; and both one Kinesis record at a time, results dropped at once). Every figure
comes from its own fresh process: ${WARMUP} warm-up runs, then at least ${MIN_RUNS} timed runs and ${MIN_TIMED_MS / 1000} CPU-seconds; the
median run's process CPU time per user record (GC threads included); each side the better of ${ROUNDS} alternated rounds.
**Floor** is the work no implementation can skip, timed the same way: MD5 of every aggregate's protobuf body (~1.45
ns/byte on this machine), plus decoding the base64 for Lambda input. **theirs / floor** is therefore the highest
ratio any implementation could reach over aws-kinesis-agg; **floor / ours** is how much of ours is that floor (1.00 =
nothing but the floor). Rows marked \`--max-semi-space-size=64\` ran both sides with a 64 MiB young generation (Node's default is 16 MiB): a
held batch of small records outgrows the default one. Page faults: minor faults per 1,000 records (first touches of fresh memory). Node
${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, 1-min load average ${loadBefore.toFixed(1)} before /
${loadavg()[0]!.toFixed(1)} after.

| records | operation | ours | aws-kinesis-agg | ours / theirs | floor per record | theirs / floor (best possible ratio) | floor / ours | page faults per 1,000, ours / theirs |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

See docs/aggregation.md § Performance for what bounds each side (profile).
<!-- bench:aggregation:end -->`;

if (ONLY === undefined) writeBenchSection('aggregation', section);
