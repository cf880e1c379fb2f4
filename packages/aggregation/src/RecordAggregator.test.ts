import { createHash } from 'node:crypto';
import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { oracleAggregate } from '../test/oracle.js';
import { randomHashKey, randomString, randomUserRecord, seededRandom } from '../test/random.js';
import { deaggregate } from './deaggregate.js';
import { EmptyAggregatorError, InvalidHashKeyError, RecordDoesNotFitError } from './errors.js';
import { partitionKeyHash } from './hashKey.js';
import { decodeAggregatedRecord } from './messages.js';
import { RecordAggregator } from './RecordAggregator.js';
import type { UserRecord } from './UserRecord.js';

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe('RecordAggregator', () => {
  it('encodes byte for byte what protobufjs encodes, and knows the exact size after every add (property)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      // Prepare
      const random = seededRandom(seed);
      const keys = Array.from({ length: 1 + (seed % 40) }, () => randomString(random, 1, 20));
      const hashKeys = Array.from({ length: 1 + (seed % 5) }, () => randomHashKey(random));
      const aggregator = new RecordAggregator({ maxBytes: 1_048_576 });
      const added: UserRecord[] = [];
      const total = 2 + Math.floor(random() * 300);
      // Act
      for (let i = 0; i < total; i++) {
        const record = randomUserRecord(random, { keys, hashKeys, maxDataBytes: seed % 3 === 0 ? 3000 : 120 });
        expect(aggregator.wouldFit(record)).toBe(true);
        aggregator.add(record);
        added.push(record);
      }
      const predicted = aggregator.sizeBytes;
      const built = aggregator.build();
      // Assess
      expect(built.data.length).toBe(predicted);
      expect(Buffer.from(built.data).equals(oracleAggregate(added))).toBe(true);
      expect(built.userRecordCount).toBe(total);
      expect(built.aggregated).toBe(true);
      expect(aggregator.count).toBe(0);
      expect(aggregator.sizeBytes).toBe(0);
    }
  });

  it('writes every partition key as protobufjs does: short ASCII (copied by hand) and longer or non-ASCII ones', () => {
    const keys = ['k', 'a'.repeat(63), 'b'.repeat(64), 'c'.repeat(65), 'é', 'ключ-1', '😀', 'ascii~\u007f'];
    const aggregator = new RecordAggregator();
    const added: UserRecord[] = keys.map((partitionKey, i) => ({ partitionKey, data: bytes(3, i) }));
    for (const record of added) aggregator.add(record);
    expect(Buffer.from(aggregator.build().data).equals(oracleAggregate(added))).toBe(true);
  });

  it('tracks sizeBytes exactly at every step, including the 1 → 2 switch to the aggregate form', () => {
    const random = seededRandom(99);
    const keys = ['a', 'ключ', '😀😀', 'x'.repeat(200)];
    for (let n = 1; n <= 40; n++) {
      const aggregator = new RecordAggregator();
      const added: UserRecord[] = [];
      for (let i = 0; i < n; i++) {
        const record = randomUserRecord(random, { keys, hashKeys: ['1', '12345678901234567890'], maxDataBytes: 200 });
        aggregator.add(record);
        added.push(record);
      }
      const size = aggregator.sizeBytes;
      const built = aggregator.build();
      expect(built.data.length).toBe(size);
      if (n === 1) expect(Buffer.from(built.data).equals(Buffer.from(added[0]!.data))).toBe(true);
      else expect(Buffer.from(built.data).equals(oracleAggregate(added))).toBe(true);
    }
  });

  it('writes a valid MD5 trailer over the protobuf body', () => {
    const aggregator = new RecordAggregator();
    aggregator.add({ partitionKey: 'p', data: bytes(10) });
    aggregator.add({ partitionKey: 'q', data: bytes(20) });
    const { data } = aggregator.build();
    const body = data.subarray(4, data.length - 16);
    expect([...data.subarray(0, 4)]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    expect(Buffer.from(data.subarray(data.length - 16)).equals(createHash('md5').update(body).digest())).toBe(true);
  });

  it('sends a lone user record raw with its own partition key and explicit hash key (as the KPL)', () => {
    const aggregator = new RecordAggregator();
    const data = bytes(5, 1);
    aggregator.add({ partitionKey: 'solo', explicitHashKey: '42', data });
    const built = aggregator.build();
    expect({ ...built, data: [...built.data] }).toEqual({
      data: [...data],
      partitionKey: 'solo',
      explicitHashKey: '42',
      userRecordCount: 1,
      aggregated: false,
    });
    data[0] = 9; // the aggregator copied the data at add()
    expect(built.data[0]).toBe(1);
  });

  it('routes an aggregate with partition key "a" and the first record’s effective hash key (kinesis_record.cc)', () => {
    const aggregator = new RecordAggregator();
    aggregator.add({ partitionKey: 'first', data: bytes(1) });
    aggregator.add({ partitionKey: 'second', explicitHashKey: '7', data: bytes(1) });
    const byKey = aggregator.build();
    expect(byKey.partitionKey).toBe('a');
    expect(byKey.explicitHashKey).toBe(partitionKeyHash('first').toString());

    aggregator.add({ partitionKey: 'first', explicitHashKey: '123', data: bytes(1) });
    aggregator.add({ partitionKey: 'second', data: bytes(1) });
    expect(aggregator.build().explicitHashKey).toBe('123');
  });

  it('de-duplicates both key tables', () => {
    const aggregator = new RecordAggregator();
    for (let i = 0; i < 100; i++)
      aggregator.add({ partitionKey: `k${i % 3}`, explicitHashKey: `${i % 2}`, data: bytes(1) });
    const perRecordOnly = aggregator.sizeBytes;
    const again = new RecordAggregator();
    for (let i = 0; i < 100; i++) again.add({ partitionKey: `k${i}`, explicitHashKey: `${i}`, data: bytes(1) });
    expect(perRecordOnly).toBeLessThan(again.sizeBytes);
    const data = Buffer.from(aggregator.build().data);
    expect(data.indexOf('k0')).toBe(data.lastIndexOf('k0'));
  });

  it('keeps sizes exact and every record readable past the 8,192 keys its own key map holds (then starts over)', () => {
    const aggregator = new RecordAggregator({ maxBytes: 4_000_000 });
    const added: UserRecord[] = [];
    // 10,000 distinct keys, then the first 300 again: the map started over in between, so those may be listed twice.
    for (let i = 0; i < 10_300; i++) {
      const record = { partitionKey: `key-${i % 10_000}`, data: bytes(i % 5, i) };
      aggregator.add(record);
      added.push(record);
    }
    const predicted = aggregator.sizeBytes;
    const built = aggregator.build();
    expect(built.data.length).toBe(predicted);
    const body = built.data.subarray(4, built.data.length - 16);
    // Started over once: the 300 keys seen again after it are in the table a second time.
    expect(decodeAggregatedRecord(body).partitionKeyTable).toHaveLength(10_300);
    const { records } = deaggregate({ Data: built.data, PartitionKey: 'a', SequenceNumber: '1' }, { strict: true });
    expect(records.map((r) => r.partitionKey)).toEqual(added.map((r) => r.partitionKey));
    expect(records.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(
      added.map((r) => Buffer.from(r.data).toString('hex')),
    );
  });

  it('is reusable after build() and reset()', () => {
    const aggregator = new RecordAggregator();
    aggregator.add({ partitionKey: 'old', explicitHashKey: '5', data: bytes(3) });
    aggregator.add({ partitionKey: 'old2', data: bytes(3) });
    aggregator.build();
    aggregator.add({ partitionKey: 'gone', data: bytes(3) });
    aggregator.reset();
    const records = [
      { partitionKey: 'new', data: bytes(4) },
      { partitionKey: 'new', data: bytes(2) },
    ];
    for (const r of records) aggregator.add(r);
    expect(Buffer.from(aggregator.build().data).equals(oracleAggregate(records))).toBe(true);
  });

  it('grows its buffer for large aggregates', () => {
    const aggregator = new RecordAggregator({ maxBytes: 1_048_576 });
    const records: UserRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const r = { partitionKey: `key-${i}`, data: bytes(4000, i & 0xff) };
      aggregator.add(r);
      records.push(r);
    }
    expect(Buffer.from(aggregator.build().data).equals(oracleAggregate(records))).toBe(true);
  });
});

describe('RecordAggregator buffers (records are encoded in place, key tables written in front at build())', () => {
  it('moves the records when the key tables outgrow the room in front, and keeps every later aggregate exact', () => {
    const aggregator = new RecordAggregator({ maxBytes: 1_048_576 });
    // Three aggregates: one key, then 500 long keys (tables ≫ the initial room), then 3 keys (room now larger).
    const rounds = [1, 500, 3].map((keys, round) =>
      Array.from({ length: 600 }, (_, i) => ({
        partitionKey: `${'k'.repeat(round * 40)}-${i % keys}`,
        data: bytes(1 + (i % 50), i & 0xff),
      })),
    );
    const views: Uint8Array[] = [];
    for (const records of rounds) {
      for (const r of records) aggregator.add(r);
      const built = aggregator.build();
      views.push(built.data);
      expect(Buffer.from(built.data).equals(oracleAggregate(records))).toBe(true);
    }
    // Views handed out earlier are not overwritten by later aggregates.
    rounds.forEach((records, i) => {
      expect(Buffer.from(views[i]!).equals(oracleAggregate(records))).toBe(true);
    });
  });

  it('copies a small aggregate out (no view pinning a large buffer) and reuses its buffer', () => {
    const aggregator = new RecordAggregator({ maxBytes: 1_048_576 });
    const first = [
      { partitionKey: 'a', data: bytes(10, 1) },
      { partitionKey: 'b', data: bytes(10, 2) },
    ];
    for (const r of first) aggregator.add(r);
    const small = aggregator.build().data;
    expect(small.buffer.byteLength).toBeLessThan(64 * 1024);
    const second = [
      { partitionKey: 'c', data: bytes(10, 3) },
      { partitionKey: 'd', data: bytes(10, 4) },
    ];
    for (const r of second) aggregator.add(r);
    expect(Buffer.from(aggregator.build().data).equals(oracleAggregate(second))).toBe(true);
    expect(Buffer.from(small).equals(oracleAggregate(first))).toBe(true);
  });

  it('with caller-kept key slots: byte for byte what its own key index gives, aggregate after aggregate', () => {
    const random = seededRandom(7);
    const keys = Array.from({ length: 40 }, (_, i) => `käy-${i}-${randomString(random, 1, 1 + (i % 5))}`);
    const slots = new Map(keys.map((k) => [k, { keyBytes: Buffer.byteLength(k), aggregate: -1, index: 0 }]));
    const ours = new RecordAggregator({ maxBytes: 3_000 });
    const plain = new RecordAggregator({ maxBytes: 3_000 });
    for (let round = 0; round < 400; round++) {
      const key = keys[Math.floor(random() * keys.length)]!;
      const record = { partitionKey: key, data: bytes(Math.floor(random() * 200), round) };
      const fits = ours.wouldFit(record, slots.get(key));
      expect(fits).toBe(plain.wouldFit(record));
      if (!fits) expect(Buffer.from(ours.build().data).equals(Buffer.from(plain.build().data))).toBe(true);
      ours.add(record, slots.get(key));
      plain.add(record);
      expect(ours.sizeBytes).toBe(plain.sizeBytes);
    }
    expect(Buffer.from(ours.build().data).equals(Buffer.from(plain.build().data))).toBe(true);
  });

  it('with a key slot shared by two aggregators (a key that moved): never a wrong index, sizes exact', () => {
    const random = seededRandom(8);
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const slots = new Map(keys.map((k) => [k, { keyBytes: k.length, aggregate: -1, index: 0 }]));
    const aggregators = [new RecordAggregator(), new RecordAggregator()];
    const added: UserRecord[][] = [[], []];
    for (let round = 0; round < 300; round++) {
      const a = Math.floor(random() * 2);
      const record = { partitionKey: keys[Math.floor(random() * keys.length)]!, data: bytes(20, round) };
      aggregators[a]!.add(record, slots.get(record.partitionKey));
      added[a]!.push(record);
    }
    for (const a of [0, 1]) {
      const size = aggregators[a]!.sizeBytes;
      const built = aggregators[a]!.build();
      expect(built.data.length).toBe(size);
      // A key can stand twice in a table (re-added after the other aggregator took its slot): valid, read alike.
      const back = deaggregate({ Data: built.data, PartitionKey: built.partitionKey, SequenceNumber: '1' }).records;
      expect(back.map((r) => [r.partitionKey, Buffer.from(r.data).toString('hex')])).toEqual(
        added[a]!.map((r) => [r.partitionKey, Buffer.from(r.data).toString('hex')]),
      );
    }
  });

  it('encodes into a recycled buffer (once given back, and only its own), leaving other views intact', () => {
    const aggregator = new RecordAggregator();
    const batch = (n: number) =>
      Array.from({ length: 300 }, (_, i) => ({ partitionKey: `k${(i + n) % 7}`, data: bytes(100, n + i) }));
    const aggregate = (records: UserRecord[]) => {
      for (const r of records) aggregator.add(r);
      return aggregator.build().data;
    };
    const first = aggregate(batch(0));
    const kept = aggregate(batch(1));
    aggregator.recycle(first);
    aggregator.recycle(first); // twice: still one spare
    aggregator.recycle(new Uint8Array(first.buffer.byteLength)); // not ours
    const lone = [{ partitionKey: 'alone', data: bytes(10, 9) }];
    aggregator.recycle(aggregate(lone)); // a lone record's copy: ignored
    const third = batch(2);
    const reused = aggregate(third);
    const fourth = batch(3);
    const fresh = aggregate(fourth);

    expect(reused.buffer).toBe(first.buffer);
    expect(fresh.buffer).not.toBe(first.buffer);
    expect(Buffer.from(reused).equals(oracleAggregate(third))).toBe(true);
    expect(Buffer.from(fresh).equals(oracleAggregate(fourth))).toBe(true);
    expect(Buffer.from(kept).equals(oracleAggregate(batch(1)))).toBe(true);
  });
});

describe('RecordAggregator limits', () => {
  /** Adds the largest record with partition key `key` that still fits; returns its data length. */
  function fillToLimit(aggregator: RecordAggregator, key: string, upTo: number): number {
    let low = 0;
    let high = upTo;
    if (!aggregator.wouldFit({ partitionKey: key, data: bytes(0) })) return -1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (aggregator.wouldFit({ partitionKey: key, data: bytes(mid) })) low = mid;
      else high = mid - 1;
    }
    aggregator.add({ partitionKey: key, data: bytes(low) });
    return low;
  }

  it('never exceeds maxBytes, reaches it exactly when varint sizes allow, and sizeBytes stays exact', () => {
    let exactHits = 0;
    for (let filler = 1; filler <= 30; filler++) {
      const aggregator = new RecordAggregator({ maxBytes: 5000 });
      for (let i = 0; i < filler; i++) aggregator.add({ partitionKey: `p${i % 4}`, data: bytes(i * 7) });
      const last = fillToLimit(aggregator, 'p0', 5000);
      const size = aggregator.sizeBytes;
      expect(size).toBeLessThanOrEqual(5000);
      // One more byte would not have fitted: check against a twin with last + 1.
      const twin = new RecordAggregator({ maxBytes: 5000 });
      for (let i = 0; i < filler; i++) twin.add({ partitionKey: `p${i % 4}`, data: bytes(i * 7) });
      expect(twin.wouldFit({ partitionKey: 'p0', data: bytes(last + 1) })).toBe(false);
      expect(() => twin.add({ partitionKey: 'p0', data: bytes(last + 1) })).toThrow(RecordDoesNotFitError);
      if (size === 5000) exactHits++;
      expect(aggregator.build().data.length).toBe(size);
    }
    expect(exactHits).toBeGreaterThan(20);
  });

  it('keeps the whole Kinesis record (data + partition key) within maxRecordBytes', () => {
    const limit = 1_048_576;
    // An aggregate's partition key is "a": data may take limit − 1 bytes.
    const aggregator = new RecordAggregator({ maxBytes: limit, maxRecordBytes: limit });
    aggregator.add({ partitionKey: 'k', data: bytes(100) });
    fillToLimit(aggregator, 'k', limit);
    const built = aggregator.build();
    expect(built.aggregated).toBe(true);
    expect(built.data.length + Buffer.byteLength(built.partitionKey)).toBe(limit);

    // A lone record carries its own partition key (here 8 UTF-8 bytes).
    const key = 'ключ';
    expect(aggregator.wouldFit({ partitionKey: key, data: bytes(limit - 8) })).toBe(true);
    expect(aggregator.wouldFit({ partitionKey: key, data: bytes(limit - 7) })).toBe(false);
    expect(() => aggregator.add({ partitionKey: key, data: bytes(limit - 7) })).toThrow(RecordDoesNotFitError);
    aggregator.add({ partitionKey: key, data: bytes(limit - 8) });
    const solo = aggregator.build();
    expect(solo.data.length + Buffer.byteLength(solo.partitionKey)).toBe(limit);
  });

  it('honours a larger maxRecordBytes for streams configured for bigger records', () => {
    const aggregator = new RecordAggregator({ maxBytes: 2_000_000, maxRecordBytes: 2_000_000 });
    aggregator.add({ partitionKey: 'k', data: bytes(1_500_000) });
    aggregator.add({ partitionKey: 'k', data: bytes(400_000) });
    expect(aggregator.build().data.length).toBeLessThanOrEqual(1_999_999);
  });

  it('lets a lone record larger than maxBytes go out alone, and takes nothing after it', () => {
    const aggregator = new RecordAggregator(); // maxBytes 51200
    expect(aggregator.wouldFit({ partitionKey: 'big', data: bytes(60_000) })).toBe(true);
    aggregator.add({ partitionKey: 'big', data: bytes(60_000) });
    expect(aggregator.wouldFit({ partitionKey: 'big', data: bytes(0) })).toBe(false);
    expect(aggregator.build().aggregated).toBe(false);
  });

  it('limits the count', () => {
    const aggregator = new RecordAggregator({ maxCount: 3 });
    for (let i = 0; i < 3; i++) aggregator.add({ partitionKey: 'k', data: bytes(1) });
    expect(aggregator.wouldFit({ partitionKey: 'k', data: bytes(1) })).toBe(false);
    expect(aggregator.build().userRecordCount).toBe(3);
    const never = new RecordAggregator({ maxCount: 1 });
    never.add({ partitionKey: 'k', data: bytes(1) });
    expect(never.wouldFit({ partitionKey: 'k', data: bytes(1) })).toBe(false);
  });

  it('rejects invalid explicit hash keys, empty builds, and invalid options with typed errors', () => {
    const aggregator = new RecordAggregator();
    for (const bad of ['', '-1', '01', 'abc', (2n ** 128n).toString(), '1'.repeat(40), ' 1']) {
      expect(() => aggregator.wouldFit({ partitionKey: 'k', explicitHashKey: bad, data: bytes(1) })).toThrow(
        InvalidHashKeyError,
      );
    }
    expect(aggregator.count).toBe(0);
    expect(() => aggregator.build()).toThrow(EmptyAggregatorError);
    expect(() => new RecordAggregator({ maxCount: 0 })).toThrow(InvalidOptionError);
    expect(() => new RecordAggregator({ maxBytes: 1.5 })).toThrow(InvalidOptionError);
    expect(() => new RecordAggregator({ maxRecordBytes: 10 })).toThrow(InvalidOptionError);
  });

  it('re-measures when add() gets a different record than the last wouldFit()', () => {
    const aggregator = new RecordAggregator({ maxBytes: 200 });
    aggregator.add({ partitionKey: 'k', data: bytes(10) });
    expect(aggregator.wouldFit({ partitionKey: 'k', data: bytes(10) })).toBe(true);
    expect(() => aggregator.add({ partitionKey: 'k', data: bytes(500) })).toThrow(RecordDoesNotFitError);
    expect(aggregator.count).toBe(1);
  });
});
