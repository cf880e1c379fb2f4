// @kinesis-kit/lambda: per-user-record cost of processKinesisEvent against a hand-written loop over the same
// deaggregation (the floor) and against aws-kinesis-agg's deaggregateSync + loop (what Lambda consumers use today),
// same process, same events, warmed up, median of alternating runs; plus the bundle size of the handler wrappers
// (esbuild, minified). Writes its section of docs/benchmarks.md.
// Run: node_modules/.bin/tsx bench/lambda.bench.ts [--runs 9] [--no-write]   (build first: node scripts/build.mjs)
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { deaggregate, RecordAggregator } from '@kinesis-kit/aggregation';
import { type KinesisEvent, type KinesisEventRecord, processKinesisEvent } from '@kinesis-kit/lambda';
import agg from 'aws-kinesis-agg';
import { writeBenchSection } from './lib/writeBenchSection.js';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 9;
const WARMUP = 3;
const USER_RECORDS = 10_000;
const KEYS = 100;

function eventRecord(data: Uint8Array, partitionKey: string, i: number): KinesisEventRecord {
  const sequenceNumber = `49650000000000000000000000000000000000000000${String(i).padStart(12, '0')}`;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: 1_700_000_000.123,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
  };
}

/** 10,000 user records of 100 B over 100 keys: plain (one per Kinesis record) or in aggregates of `perAggregate`. */
function makeEvent(perAggregate: number): KinesisEvent {
  const records: KinesisEventRecord[] = [];
  const payload = Buffer.alloc(100, 7);
  if (perAggregate === 1) {
    for (let i = 0; i < USER_RECORDS; i++) records.push(eventRecord(payload, `key-${i % KEYS}`, i));
    return { Records: records };
  }
  const aggregator = new RecordAggregator();
  for (let i = 0; i < USER_RECORDS; i++) {
    aggregator.add({ partitionKey: `key-${i % KEYS}`, data: payload });
    if (aggregator.count === perAggregate) {
      const built = aggregator.build();
      records.push(eventRecord(built.data, built.partitionKey, records.length));
    }
  }
  return { Records: records };
}

let sink = 0;
const syncHandler = (record: { data: { length: number } }) => {
  sink += record.data.length;
};
const asyncHandler = async (record: { data: { length: number } }) => {
  sink += record.data.length;
};

const variants: Record<string, (event: KinesisEvent) => Promise<void>> = {
  'hand loop: deaggregate() + sync call (floor)': async (event) => {
    for (const record of event.Records) for (const user of deaggregate(record).records) syncHandler(user);
  },
  'hand loop: deaggregate() + await async call': async (event) => {
    for (const record of event.Records) for (const user of deaggregate(record).records) await asyncHandler(user);
  },
  'aws-kinesis-agg deaggregateSync + await async call': async (event) => {
    for (const record of event.Records) {
      // aws-kinesis-agg hands user record data back as base64 strings (its Lambda convention).
      let users: { data: string }[] = [];
      agg.deaggregateSync(record.kinesis as never, true, (error, out) => {
        if (error) throw error;
        users = out ?? [];
      });
      for (const user of users) await asyncHandler(user);
    }
  },
  'processKinesisEvent, sync handler': async (event) => {
    await processKinesisEvent(event, syncHandler);
  },
  'processKinesisEvent, async handler': async (event) => {
    await processKinesisEvent(event, asyncHandler);
  },
  'processKinesisEvent, async handler, concurrency 8': async (event) => {
    await processKinesisEvent(event, asyncHandler, { concurrency: 8 });
  },
};

async function measure(): Promise<Map<string, Map<string, number>>> {
  const results = new Map<string, Map<string, number>>();
  for (const [label, perAggregate] of [
    ['10,000 plain records', 1],
    ['1,000 aggregates × 10', 10],
  ] as const) {
    const event = makeEvent(perAggregate);
    const times = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
    for (let run = 0; run < WARMUP + RUNS; run++) {
      for (const [name, fn] of Object.entries(variants)) {
        const start = process.hrtime.bigint();
        await fn(event);
        const ns = Number(process.hrtime.bigint() - start);
        if (run >= WARMUP) times.get(name)!.push(ns / USER_RECORDS);
      }
    }
    const medians = new Map<string, number>();
    for (const [name, list] of times) medians.set(name, list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
    results.set(label, medians);
  }
  return results;
}

interface EsbuildResult {
  outputFiles: { contents: Uint8Array }[];
  metafile: { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
}
/** esbuild comes with tsx (not a dependency of ours): found in the pnpm store. */
function loadEsbuild(): { build(options: object): Promise<EsbuildResult> } {
  const root = new URL('../node_modules/.pnpm/', import.meta.url);
  const dir = readdirSync(root).find((name) => name.startsWith('esbuild@'));
  if (dir === undefined) throw new Error('esbuild not found under node_modules/.pnpm');
  return createRequire(import.meta.url)(new URL(`${dir}/node_modules/esbuild/lib/main.js`, root).pathname);
}

async function bundleSizes(): Promise<string[]> {
  const esbuild = loadEsbuild();
  const rows: string[] = [];
  const entries: [string, string, string[]][] = [
    [
      'consumer: `kinesisHandler` (deaggregation included)',
      "export { kinesisHandler } from '@kinesis-kit/lambda';",
      [],
    ],
    ['producer side: `withFlushingProducer` only', "export { withFlushingProducer } from '@kinesis-kit/lambda';", []],
    [
      'producer side with `KinesisProducer`, `@aws-sdk/*` external (in the Lambda runtime)',
      "export { withFlushingProducer } from '@kinesis-kit/lambda'; export { KinesisProducer } from '@kinesis-kit/producer';",
      ['@aws-sdk/*', '@smithy/*'],
    ],
  ];
  for (const [label, contents, external] of entries) {
    const result = await esbuild.build({
      stdin: { contents, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      external,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0]!.contents;
    // Modules that contributed bytes to the output (parsed-then-tree-shaken ones do not count).
    const inputs = Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    );
    const has = (name: string) => inputs.some((path) => path.includes(name));
    rows.push(
      `| ${label} | ${(bytes.length / 1024).toFixed(1)} KiB | ${(gzipSync(bytes).length / 1024).toFixed(1)} KiB | ${has('protobufjs') ? 'yes' : 'no'} | ${has('pino') ? 'yes' : 'no'} | ${has('client-dynamodb') ? 'yes' : 'no'} |`,
    );
    console.log(rows.at(-1));
  }
  return rows;
}

const loadBefore = loadavg()[0]!;
const sizes = await bundleSizes();
const results = await measure();
const names = Object.keys(variants);
const floorName = names[0]!;
const rows: string[] = [];
for (const [label, medians] of results) {
  const floor = medians.get(floorName)!;
  for (const name of names) {
    const ns = medians.get(name)!;
    rows.push(`| ${label} | ${name} | ${ns.toFixed(0)} | ${(1e3 / ns).toFixed(2)} M/s | ${(ns / floor).toFixed(2)}× |`);
  }
}
console.log(rows.join('\n'), sink > 0 ? '' : '');

const section = `<!-- bench:lambda:start -->
## Lambda: processKinesisEvent per user record, and bundle sizes

\`node_modules/.bin/tsx bench/lambda.bench.ts\` (after \`node scripts/build.mjs\`) — one Lambda event of ${USER_RECORDS.toLocaleString('en')} user
records of 100 B over ${KEYS} partition keys, base64 as Lambda delivers them, checksums verified; ${WARMUP} warm-up runs then
${RUNS} alternating timed runs, median ns per user record. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'},
1-min load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after (other work shares these cores: compare ratios).
The handlers do nothing (add one byte count), so this is the wrapper's own cost.

| event | variant | ns / user record | rate | vs floor |
|---|---|---|---|---|
${rows.join('\n')}

Bundle sizes (esbuild, ESM, minified, node20; gzip for reference):

| entry | minified | gzip | protobufjs | pino | client-dynamodb |
|---|---|---|---|---|---|
${sizes.join('\n')}
<!-- bench:lambda:end -->`;

writeBenchSection('lambda', section);
