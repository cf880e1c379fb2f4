import { cpus, loadavg } from 'node:os';
import { deaggregateAll, RecordAggregator } from '@kinesis-kit/aggregation';
import agg from 'aws-kinesis-agg';
import { writeBenchSection } from './lib/writeBenchSection.js';

const USER_RECORDS = 100_000;
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const WARMUP = 3;
const CONTAINER_BYTES = 1_048_576; // aws-kinesis-agg packs up to 1 MiB per Kinesis record; use the same for ours

interface Input {
  keys: string[];
  data: Buffer[];
}

function makeInput(recordBytes: number, distinctKeys: number): Input {
  const keys = Array.from({ length: distinctKeys }, (_, i) => `key-${String(i).padStart(8, '0')}`);
  const data = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(recordBytes, i & 0xff));
  return { keys, data };
}

function records(input: Input) {
  return Array.from({ length: USER_RECORDS }, (_, i) => ({
    partitionKey: input.keys[i % input.keys.length]!,
    data: input.data[i % input.data.length]!,
  }));
}

function oursAggregate(userRecords: ReturnType<typeof records>, maxBytes = CONTAINER_BYTES) {
  const aggregator = new RecordAggregator({ maxBytes });
  const out = [];
  for (const r of userRecords) {
    if (!aggregator.wouldFit(r)) out.push(aggregator.build());
    aggregator.add(r);
  }
  out.push(aggregator.build());
  return out;
}

/**
 * Ours as the producer runs it: each aggregate is given back (`recycle`) once "sent", so the next one is encoded into
 * memory already paged in. Returns the user record count (the data is overwritten: nothing here keeps it).
 */
function oursAggregateRecycled(userRecords: ReturnType<typeof records>, maxBytes = CONTAINER_BYTES) {
  const aggregator = new RecordAggregator({ maxBytes });
  let count = 0;
  const send = () => {
    const built = aggregator.build();
    count += built.userRecordCount;
    aggregator.recycle(built.data);
  };
  for (const r of userRecords) {
    if (!aggregator.wouldFit(r)) send();
    aggregator.add(r);
  }
  send();
  return count;
}

function theirsAggregate(userRecords: ReturnType<typeof records>): Promise<{ partitionKey: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const out: { partitionKey: string; data: Buffer }[] = [];
    agg.aggregate(
      userRecords,
      (encoded, done) => {
        out.push(encoded);
        done();
      },
      () => resolve(out),
      reject,
    );
  });
}

function theirsDeaggregate(kinesisRecords: { Data: Uint8Array; PartitionKey: string; SequenceNumber: string }[]) {
  let n = 0;
  for (const record of kinesisRecords) {
    agg.deaggregateSync(record as never, true, (error: unknown, userRecords?: unknown[]) => {
      if (error) throw error;
      n += userRecords?.length ?? 0;
    });
  }
  return n;
}

/**
 * Ours as a consumer runs it: one deaggregateAll() per batch as a batch arrives — a GetRecords page (≤ 10 MiB: 10 of
 * these 1 MiB records) or a Lambda event (≤ 6 MB: 5 of them) — the batch's records dropped once counted, as
 * aws-kinesis-agg's callback drops each record's. (One call over all 100 MiB would keep every user record's bytes
 * alive at once, a shape no consumer has: fresh memory, page faults.)
 */
function oursDeaggregate(kinesisRecords: Parameters<typeof deaggregateAll>[0][], batchSize: number) {
  let n = 0;
  for (let i = 0; i < kinesisRecords.length; i += batchSize) {
    n += deaggregateAll(kinesisRecords.slice(i, i + batchSize) as never).records.length;
  }
  return n;
}

/** CPU time of one run (ms) and the minor page faults it took: CPU, not wall time, so other processes on the
 * machine skew the figures less; faults because first-touching fresh memory costs more than the work here. */
async function time(fn: () => unknown): Promise<{ ms: number; faults: number }> {
  const faults0 = process.resourceUsage().minorPageFault;
  const cpu0 = process.cpuUsage();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return { ms: (cpu.user + cpu.system) / 1000, faults: process.resourceUsage().minorPageFault - faults0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function compare(ours: () => unknown, theirs: () => unknown) {
  for (let i = 0; i < WARMUP; i++) {
    await ours();
    await theirs();
  }
  const o: { ms: number; faults: number }[] = [];
  const t: { ms: number; faults: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate so drift (thermal, GC) hits both sides alike.
    o.push(await time(ours));
    t.push(await time(theirs));
  }
  const oursRate = USER_RECORDS / (median(o.map((x) => x.ms)) / 1000);
  const theirsRate = USER_RECORDS / (median(t.map((x) => x.ms)) / 1000);
  const perThousand = (xs: { faults: number }[]) => (median(xs.map((x) => x.faults)) * 1000) / USER_RECORDS;
  return {
    oursRate,
    theirsRate,
    ratio: oursRate / theirsRate,
    oursFaults: perThousand(o),
    theirsFaults: perThousand(t),
  };
}

const loadBefore = loadavg()[0]!;
const fmt = (rate: number) => `${(rate / 1e6).toFixed(2)} M/s`;
const rows: string[] = [];
for (const recordBytes of [100, 1024]) {
  for (const distinctKeys of [1, 1000]) {
    const input = makeInput(recordBytes, distinctKeys);
    const userRecords = records(input);
    const label = `${recordBytes === 100 ? '100 B' : '1 KiB'}, ${distinctKeys} key${distinctKeys === 1 ? '' : 's'}`;

    const a = await compare(
      () => oursAggregate(userRecords),
      () => theirsAggregate(userRecords),
    );
    const ar = await compare(
      () => oursAggregateRecycled(userRecords),
      () => theirsAggregate(userRecords),
    );
    const built = oursAggregate(userRecords).map((r, i) => ({
      Data: r.data,
      PartitionKey: r.partitionKey,
      SequenceNumber: `${i}`,
    }));
    // Both sides read the same Kinesis records (SDK v3 shape, checksums verified).
    const check = oursDeaggregate(built as never, 10);
    if (check !== USER_RECORDS || theirsDeaggregate(built) !== USER_RECORDS) throw new Error('deaggregate mismatch');
    const d = await compare(
      () => oursDeaggregate(built as never, 10),
      () => theirsDeaggregate(built),
    );
    const lambda = built.map((r) => ({
      kinesis: {
        data: Buffer.from(r.Data).toString('base64'),
        partitionKey: r.PartitionKey,
        sequenceNumber: r.SequenceNumber,
        approximateArrivalTimestamp: 1,
      },
    }));
    const lambdaV2 = lambda.map((r) => r.kinesis);
    const l = await compare(
      () => oursDeaggregate(lambda as never, 5),
      () => theirsDeaggregate(lambdaV2 as never),
    );
    for (const [op, r] of [
      ['aggregate', a],
      ['aggregate, buffers recycled as the producer does', ar],
      ['deaggregate (SDK v3 shape)', d],
      ['deaggregate (Lambda base64 shape)', l],
    ] as const) {
      rows.push(
        `| ${label} | ${op} | ${fmt(r.oursRate)} | ${fmt(r.theirsRate)} | **${r.ratio.toFixed(2)}×** | ${r.oursFaults.toFixed(0)} / ${r.theirsFaults.toFixed(0)} |`,
      );
    }
    console.log(rows.slice(-4).join('\n'));
  }
}

const section = `<!-- bench:aggregation:start -->
## Aggregation: @kinesis-kit/aggregation vs aws-kinesis-agg 4.2.8

\`node_modules/.bin/tsx bench/aggregation.bench.ts\` — ${USER_RECORDS.toLocaleString('en')} user records per run, aggregated into
1 MiB Kinesis records on both sides (aws-kinesis-agg's container size), checksums verified on deaggregate (ours one
\`deaggregateAll\` per GetRecords page of 10 such records or Lambda event of 5, theirs record by record), ${WARMUP}
warm-up runs of each side then ${RUNS} alternating timed runs; user records per CPU-second of the median run (process CPU
time, so other work on the machine skews it less than wall time would), and the minor page faults each side took per 1,000
records (first touches of fresh memory: ~10 µs each on this VM, see docs/aggregation.md § Performance). Node ${process.version},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, 1-min load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after
(other work shares these cores, so absolute rates are noisy). Ratios are the comparable figure.

| records | operation | ours | aws-kinesis-agg | ours / theirs | page faults per 1,000 records, ours / theirs |
|---|---|---|---|---|---|
${rows.join('\n')}

See docs/aggregation.md § Performance for what bounds each side (profile).
<!-- bench:aggregation:end -->`;

writeBenchSection('aggregation', section);
