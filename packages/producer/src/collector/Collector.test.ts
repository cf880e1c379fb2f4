import { describe, expect, it } from 'vitest';
import { PendingRecord } from '../outcome.js';
import { ShardRateLimiter } from '../rateLimiter/ShardRateLimiter.js';
import { Collector, type CollectorLimits } from './Collector.js';
import type { OutgoingRecord } from './OutgoingRecord.js';
import { type QueueLedger, ShardQueue } from './ShardQueue.js';

const BUFFERED_MS = 100;
const TTL_MS = 30_000;

interface Setup {
  collector: Collector;
  busy: Set<ShardQueue>;
  ledger: QueueLedger;
  expired: OutgoingRecord[];
  shard(id: string, options?: { rateLimit?: number; aggregate?: boolean }): ShardQueue;
  put(shard: ShardQueue, at: number, dataBytes?: number): PendingRecord;
}

function setup(limits: Partial<CollectorLimits> = {}): Setup {
  const ledger: QueueLedger = { records: 0, bytes: 0, busy: new Set<ShardQueue>() };
  const busy = ledger.busy;
  const expired: OutgoingRecord[] = [];
  const collector = new Collector(
    busy,
    {
      maxCount: 500,
      maxBytes: 5_242_880,
      maxInFlightPerShard: Number.POSITIVE_INFINITY,
      onePerShard: false,
      ...limits,
    },
    (record) => expired.push(record),
  );
  let n = 0;
  return {
    collector,
    busy,
    ledger,
    expired,
    shard: (id, options = {}) =>
      new ShardQueue(
        id,
        new ShardRateLimiter(options.rateLimit ?? Number.POSITIVE_INFINITY, 0),
        ledger,
        BUFFERED_MS,
        TTL_MS,
        options.aggregate ? { maxCount: 1000, maxBytes: 51_200, maxRecordBytes: 1_048_576 } : undefined,
      ),
    put: (shard, at, dataBytes = 10) => {
      const key = `k${n++}`;
      const input = { partitionKey: key, data: new Uint8Array(dataBytes) };
      const record = new PendingRecord(input, input.data, 0n, dataBytes + key.length, noop, noop);
      record.admission = { at };
      shard.add(record); // joins the busy set by itself
      return record;
    },
  };
}

function noop(): void {}

describe('Collector', () => {
  it('holds records until the oldest reaches its buffering deadline, and says when to look again', () => {
    const t = setup();
    const a = t.shard('a');
    t.put(a, 0);
    t.put(a, 30);
    expect(t.collector.collect(50, false)).toBeUndefined();
    expect(t.collector.nextWakeAt).toBe(BUFFERED_MS);
    const batch = t.collector.collect(BUFFERED_MS, false);
    expect(batch?.records.map((r) => r.records.length)).toEqual([1, 1]);
    expect(batch?.shards).toEqual([a]);
    expect(a.inFlight).toBe(1);
    expect([t.ledger.records, t.ledger.bytes]).toEqual([0, 0]);
    expect(t.busy.size).toBe(0); // idle shards leave the busy set
  });

  it('sends at once when forced (flush) or when a batch is full', () => {
    const t = setup({ maxCount: 3 });
    const a = t.shard('a');
    t.put(a, 0);
    expect(t.collector.collect(1, true)?.records).toHaveLength(1);
    for (let i = 0; i < 4; i++) t.put(a, 10);
    const full = t.collector.collect(11, false);
    expect(full?.records).toHaveLength(3);
    expect(t.collector.collect(11, false)).toBeUndefined(); // the fourth is not due yet
    expect(t.collector.nextWakeAt).toBe(10 + BUFFERED_MS);
  });

  it('caps a batch by bytes as well as by count', () => {
    const t = setup({ maxBytes: 100 });
    const a = t.shard('a');
    for (let i = 0; i < 5; i++) t.put(a, 0, 40); // 42 bytes each
    expect(t.collector.collect(0, true)?.bytes).toBe(84);
  });

  it('skips shards at their in-flight limit, and takes one record per shard when ordering is strict', () => {
    const t = setup({ maxInFlightPerShard: 1, onePerShard: true });
    const a = t.shard('a');
    const b = t.shard('b');
    t.put(a, 0);
    t.put(a, 0);
    t.put(b, 0);
    const first = t.collector.collect(0, true);
    expect(first?.records.map((r) => r.shard.shardId)).toEqual(['a', 'b']);
    expect(t.collector.collect(0, true)).toBeUndefined(); // a's second record waits for a's request
    a.inFlight--;
    expect(t.collector.collect(0, true)?.records.map((r) => r.shard.shardId)).toEqual(['a']);
  });

  it('visits shards round-robin: a shard that contributed goes to the back', () => {
    const t = setup({ maxCount: 2 });
    const shards = ['a', 'b', 'c'].map((id) => t.shard(id));
    for (const shard of shards) for (let i = 0; i < 3; i++) t.put(shard, 0);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = t.collector.collect(0, true);
      order.push(...(batch?.records.map((r) => r.shard.shardId) ?? []));
    }
    // Without round-robin the second batch would be a's last record and one of b's.
    expect(order).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('respects backoff (notBefore) and the shard rate limit, waking no sooner than 20 ms for the limiter', () => {
    const t = setup();
    // 1 % of 1,000 records/s: 10 records/s, a bucket of 10. A full bucket lets one batch overdraw it (as a record
    // larger than the bucket may pass); the debt is then paid back before the shard sends again.
    const a = t.shard('a', { rateLimit: 1 });
    for (let i = 0; i < 12; i++) t.put(a, 0);
    expect(t.collector.collect(0, true)?.records).toHaveLength(12);
    t.put(a, 0);
    a.inFlight--;
    expect(t.collector.collect(0, true)).toBeUndefined();
    expect(t.collector.nextWakeAt).toBe(300); // from -2 tokens to 1 at 10 per second
    const b = t.shard('b');
    t.put(b, 0);
    const retried = t.collector.collect(0, true)?.records[0] as OutgoingRecord;
    retried.notBefore = 500;
    b.unshift(retried); // back in the busy set by itself
    expect(t.collector.collect(300, true)?.records.map((r) => r.shard.shardId)).toEqual(['a']);
    expect(t.collector.collect(300, true)).toBeUndefined();
    expect(t.collector.nextWakeAt).toBe(500);
  });

  it('a queue joins the busy set by itself whenever it stops being idle; only the collector drops it, when idle', () => {
    const t = setup();
    const a = t.shard('a', { aggregate: true });
    expect(t.busy.has(a)).toBe(false);
    t.put(a, 0); // an open aggregate
    expect(t.busy.has(a)).toBe(true);
    const [sealed] = a.takeAll(); // emptied outside the collector (an aborted close): listed, but idle
    expect([a.idle, t.busy.has(a)]).toEqual([true, true]);
    expect(t.collector.collect(0, true)).toBeUndefined();
    expect(t.busy.has(a)).toBe(false);
    a.unshift(sealed as OutgoingRecord); // a retry comes back to the emptied queue: it must be visited again
    expect(t.busy.has(a)).toBe(true);
    expect(t.collector.collect(0, true)?.records).toEqual([sealed]);
  });

  it('fails records past their TTL instead of sending them', () => {
    const t = setup();
    const a = t.shard('a');
    t.put(a, 0);
    t.put(a, 10);
    const batch = t.collector.collect(TTL_MS + 5, true);
    expect(t.expired.map((r) => r.expiresAt)).toEqual([TTL_MS]);
    expect(batch?.records.map((r) => r.expiresAt)).toEqual([TTL_MS + 10]);
  });

  it('seals an open aggregate at its deadline, carrying every user record', () => {
    const t = setup();
    const a = t.shard('a', { aggregate: true });
    for (let i = 0; i < 3; i++) t.put(a, i);
    expect(a.hasOpen).toBe(true);
    expect(t.collector.collect(50, false)).toBeUndefined();
    expect(t.collector.nextWakeAt).toBe(BUFFERED_MS);
    const batch = t.collector.collect(BUFFERED_MS, false);
    const [record] = batch?.records ?? [];
    expect(record?.aggregated).toBe(true);
    expect(record?.records).toHaveLength(3);
    expect(record?.acceptedAtSum).toBe(0 + 1 + 2);
    expect(record?.userDataBytes).toBe(30);
    expect(a.hasOpen).toBe(false);
  });
});
