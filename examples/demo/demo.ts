// `npm run demo`: local servers, one producer process, three worker processes sharing a 4-shard stream; mid-run
// a worker is killed with SIGKILL, a shard is split, another worker stops gracefully. Prints live progress and a
// summary, and exits non-zero if anything the producer acknowledged was not processed.
//
//   npm run demo                 about a minute on local servers (no AWS account)
//   npm run demo -- --fast       the short run the test suite uses
//   npm run demo -- --aws --region eu-west-1 [--stream NAME] [--keep-table]   against real AWS (see docs/getting-started.md)
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { type LocalAws, startLocalAws } from '@kinesis-kit/testing';
import { type LeaseView, leasesPerWorker, scanLeases } from './leaseWatch.js';
import { Ledger } from './ledger.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fast = flag('--fast');
const onAws = flag('--aws');
const plan = fast
  ? { rate: 250, failoverMs: 3000, killAt: 6, splitAt: 11, stopAt: 15, producerStopAt: 20, drainMs: 25_000 }
  : { rate: 400, failoverMs: 5000, killAt: 12, splitAt: 22, stopAt: 32, producerStopAt: 42, drainMs: 30_000 };
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const app = `kinesis-kit-demo-${Date.now().toString(36)}`;
const streamName = option('--stream') ?? (onAws ? 'kinesis-kit-demo' : 'demo');

const ledger = new Ledger();
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
const events: string[] = [];
const note = (text: string) => {
  events.push(`${elapsed()}s  ${text}`);
  log(`${elapsed()}s  ${text}`);
};
const log = (line: string) => process.stdout.write(`${line}\n`);

let aws: LocalAws | undefined;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  STREAM: streamName,
  APP: app,
  FAILOVER_MS: String(plan.failoverMs),
  RATE: String(plan.rate),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

if (onAws) {
  const region = option('--region') ?? process.env.AWS_REGION;
  kinesis = new KinesisClient(region ? { region } : {});
  dynamo = new DynamoDBClient(region ? { region } : {});
  Object.assign(childEnv, { DEMO_TARGET: 'aws', AWS_REGION: region });
  await ensureStream();
} else {
  log('starting local servers (kinesis-local + dynalite) …');
  aws = await startLocalAws({ kinesis: { reshardDelayMs: 500 } });
  kinesis = aws.kinesis.kinesisClient;
  dynamo = aws.dynamoDb.dynamoDbClient;
  Object.assign(childEnv, { KINESIS_ENDPOINT: aws.kinesis.endpoint, DYNAMODB_ENDPOINT: aws.dynamoDb.endpoint });
  await aws.kinesis.createStream(streamName, 4);
}
note(`stream ${streamName} (4 shards) ready; lease table ${app}`);

interface Proc {
  name: string;
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<number | null>;
}
const procs = new Map<string, Proc>();
function start(name: string, script: string, env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, script)], {
    cwd: root,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as Record<string, unknown>;
    if (message.type === 'started') onStarted();
    handle(name, message);
  });
  const proc = { name, child, started, exited };
  procs.set(name, proc);
  return proc;
}

let producerDone: { produced: number; failed: number } | undefined;
function handle(from: string, message: Record<string, unknown>): void {
  switch (message.type) {
    case 'acked':
      ledger.ack(message.ns as number[]);
      break;
    case 'put_failed':
      ledger.putFailures++;
      break;
    case 'done':
      producerDone = message as unknown as { produced: number; failed: number };
      break;
    case 'processed':
      for (const [key, n, sequenceNumber, subSequenceNumber] of message.items as [string, number, string, number][]) {
        ledger.deliver({ worker: from, shardId: message.shardId as string, key, n, sequenceNumber, subSequenceNumber });
      }
      break;
    case 'shard_ended':
      note(`${from} finished parent shard ${message.shardId}`);
      break;
  }
}

// --- live progress -----------------------------------------------------------------------------------------
let leases: LeaseView[] = [];
let last = { t: Date.now(), acked: 0, processed: 0 };
const progress = setInterval(async () => {
  leases = await scanLeases(dynamo, app).catch(() => leases);
  const now = Date.now();
  const dt = (now - last.t) / 1000;
  const putRate = Math.round((ledger.acked.size - last.acked) / dt);
  const procRate = Math.round((ledger.processedUnique - last.processed) / dt);
  last = { t: now, acked: ledger.acked.size, processed: ledger.processedUnique };
  log(
    `${elapsed()}s  put ${ledger.acked.size} (${putRate}/s)  processed ${ledger.processedUnique} (${procRate}/s)  leases ${leasesPerWorker(leases)}`,
  );
}, 1000);

// --- the run -----------------------------------------------------------------------------------------------
const workers = ['w1', 'w2', 'w3'].map((id) => start(id, 'worker.ts', { WORKER_ID: id }));
await Promise.all(workers.map((w) => w.started));
note('3 workers started');
const producer = start('producer', 'producer.ts');
await producer.started;
const runStart = Date.now();
note(`producer started (${plan.rate} records/s over 2,000 keys)`);

await until(plan.killAt);
// The busiest worker is the victim: 4 shards over 3 workers may settle at 2/2/0, and an idle one shows nothing.
const [victim, killed] = await busiest(['w1', 'w2', 'w3']);
(procs.get(victim) as Proc).child.kill('SIGKILL');
const killAt = Date.now();
note(`kill -9 ${victim} (it held ${killed.join(', ') || 'nothing'})`);
const failoverMs = measureTakeover(killed, victim, killAt);

await until(plan.splitAt);
const shards =
  (await kinesis.send(new ListShardsCommand({ StreamName: streamName, ShardFilter: { Type: 'AT_LATEST' } }))).Shards ??
  [];
const target = shards[0];
if (target?.HashKeyRange?.StartingHashKey !== undefined && target.HashKeyRange.EndingHashKey !== undefined) {
  const start = BigInt(target.HashKeyRange.StartingHashKey);
  const mid = start + (BigInt(target.HashKeyRange.EndingHashKey) - start) / 2n;
  await kinesis.send(
    new SplitShardCommand({ StreamName: streamName, ShardToSplit: target.ShardId, NewStartingHashKey: mid.toString() }),
  );
  note(`split ${target.ShardId}`);
}

await until(plan.stopAt);
const [leaving, handedOver] = await busiest(['w1', 'w2', 'w3'].filter((id) => id !== victim));
const leavingProc = procs.get(leaving) as Proc;
leavingProc.child.kill('SIGTERM');
const stopAt = Date.now();
note(`graceful stop of ${leaving} (it held ${handedOver.join(', ') || 'nothing'})`);
const handoffMs = measureTakeover(handedOver, leaving, stopAt);
const leavingExit = await leavingProc.exited;
note(`${leaving} stopped (exit ${leavingExit}) after ${Date.now() - stopAt} ms`);

await until(plan.producerStopAt);
producer.child.kill('SIGTERM');
await producer.exited;
const runSeconds = (Date.now() - runStart) / 1000;
note(`producer stopped: ${producerDone?.produced ?? '?'} put, ${ledger.acked.size} acknowledged`);

const drainDeadline = Date.now() + plan.drainMs;
while (ledger.lost().length > 0 && Date.now() < drainDeadline) await sleep(250);
note('drained');
const failover = await failoverMs;
const handoff = await handoffMs;

for (const proc of procs.values())
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
await Promise.all([...procs.values()].map((p) => p.exited));
clearInterval(progress);
if (aws !== undefined) await aws.stop();
else if (!flag('--keep-table')) await dynamo.send(new DeleteTableCommand({ TableName: app })).catch(() => {});

// --- summary -----------------------------------------------------------------------------------------------
const lost = ledger.lost();
const violations = ledger.orderViolations();
const rows: [string, string][] = [
  ['records produced (acknowledged)', String(ledger.acked.size)],
  ['records processed (unique)', String(ledger.processedUnique)],
  ['lost', String(lost.length)],
  ['duplicates (re-deliveries after the kill)', String(ledger.duplicates)],
  ['put failures reported to the producer', String(ledger.putFailures)],
  ['per-key order violations within a shard', String(violations)],
  ['throughput (processed / producing time)', `${Math.round(ledger.processedUnique / runSeconds)} records/s`],
  [
    `failover after kill -9 (failoverTimeMs ${plan.failoverMs})`,
    failover === undefined ? 'not observed' : `${failover} ms`,
  ],
  ['handoff after graceful stop', handoff === undefined ? 'not observed' : `${handoff} ms`],
];
log('\nSummary');
for (const [label, value] of rows) log(`  ${label.padEnd(52)} ${value.padStart(14)}`);
if (lost.length > 0) log(`  first lost records: ${lost.slice(0, 10).join(', ')}`);
const ok = lost.length === 0 && violations === 0 && ledger.putFailures === 0 && ledger.acked.size > 0;
// Exit once the summary is written out: a piped stdout may still hold it when process.exit() runs.
process.stdout.write(ok ? '\nOK: nothing lost.\n' : '\nFAILED: see above.\n', () => process.exit(ok ? 0 : 1));

// --- helpers -----------------------------------------------------------------------------------------------
async function until(second: number) {
  const wait = runStart + second * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function ownedBy(worker: string): Promise<string[]> {
  const current = await scanLeases(dynamo, app);
  return current.filter((l) => l.owner === worker && l.checkpoint !== 'SHARD_END').map((l) => l.shardId);
}

/** The worker (of `candidates`) that owns the most unfinished leases now, and those leases. */
async function busiest(candidates: string[]): Promise<[string, string[]]> {
  let best: [string, string[]] = [candidates[0] as string, []];
  for (const worker of candidates) {
    const owned = await ownedBy(worker);
    if (owned.length > best[1].length) best = [worker, owned];
  }
  return best;
}

/** Resolves with the ms until every listed lease is owned by another worker (or finished), polling the table. */
async function measureTakeover(shardIds: string[], from: string, since: number): Promise<number | undefined> {
  if (shardIds.length === 0) return undefined;
  const deadline = since + 60_000;
  while (Date.now() < deadline) {
    const current = new Map((await scanLeases(dynamo, app)).map((l) => [l.shardId, l]));
    const done = shardIds.every((id) => {
      const lease = current.get(id);
      return (
        lease === undefined || lease.checkpoint === 'SHARD_END' || (lease.owner !== undefined && lease.owner !== from)
      );
    });
    if (done) {
      const ms = Date.now() - since;
      note(`${from}'s ${shardIds.length} lease(s) taken over by the others after ${ms} ms`);
      return ms;
    }
    await sleep(100);
  }
  return undefined;
}

async function ensureStream() {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  } catch {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 4 }));
    for (;;) {
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await sleep(1000);
    }
  }
}
