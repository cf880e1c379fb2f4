// The demo's producer process: puts `{ key, n }` records at a steady rate over a few thousand partition keys
// and reports every acknowledged record (n) to the orchestrator.
import { KinesisProducer } from '@kinesis-kit/producer';
import { kinesisClient, report } from './clients.js';

const env = process.env;
const ratePerSecond = Number(env.RATE ?? 400);
const keyCount = Number(env.KEYS ?? 2000);
const producer = new KinesisProducer({
  streamName: env.STREAM as string,
  kinesisClient: kinesisClient(),
  maxBufferedTimeMs: 100,
  // Strict per-key order (one request in flight per shard): the summary checks that every key's records are
  // stored, and so processed, in put() order — the default mode may store a retried record after later ones.
  maxInFlightPerShard: 1,
  // kinesis-local on a busy laptop can take many seconds per PutRecords: a request timed out while it was stored
  // would be sent again (a second copy, after later records), and strict ordering queues records behind it. The
  // demo waits for the server instead.
  requestTimeoutMs: 60_000,
  recordTtlMs: 300_000,
});

let n = 0;
let failed = 0;
let acked: number[] = [];
let stopping = false;
const flushAcks = () => {
  if (acked.length > 0) report({ type: 'acked', ns: acked });
  acked = [];
};
const ackTimer = setInterval(flushAcks, 250);

const tickMs = 50;
const perTick = Math.max(1, Math.round((ratePerSecond * tickMs) / 1000));
const putTimer = setInterval(() => {
  if (stopping) return;
  for (let i = 0; i < perTick; i++) {
    const id = n++;
    const key = `key-${id % keyCount}`;
    producer.put({ partitionKey: key, data: JSON.stringify({ key, n: id }) }).then(
      () => acked.push(id),
      (error: Error) => {
        failed++;
        report({ type: 'put_failed', n: id, error: error.name });
      },
    );
  }
}, tickMs);

process.once('SIGTERM', async () => {
  stopping = true;
  clearInterval(putTimer);
  await producer.close();
  clearInterval(ackTimer);
  flushAcks();
  report({ type: 'done', produced: n, failed });
  process.exit(0);
});
report({ type: 'started' });
