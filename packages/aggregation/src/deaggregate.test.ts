import { describe, expect, it } from 'vitest';
import { frame, oracleAggregate, oracleBody } from '../test/oracle.js';
import { randomHashKey, randomString, randomUserRecord, seededRandom } from '../test/random.js';
import { deaggregate } from './deaggregate.js';
import { deaggregateAll } from './deaggregateAll.js';
import { AggregationFormatError } from './errors.js';
import { partitionKeyHash } from './hashKey.js';
import { AggregatedRecordType } from './messages.js';
import { RecordAggregator } from './RecordAggregator.js';
import type { UserRecord } from './UserRecord.js';

const arrival = new Date('2024-05-01T12:00:00.250Z');

function aggregate(records: UserRecord[]): Uint8Array {
  const aggregator = new RecordAggregator({ maxBytes: 1_048_576 });
  for (const r of records) aggregator.add(r);
  return aggregator.build().data;
}

function sdk(data: Uint8Array, sequenceNumber = '49590338271490256608559692538361571095921575989136588898') {
  return {
    Data: data,
    PartitionKey: 'a',
    SequenceNumber: sequenceNumber,
    ApproximateArrivalTimestamp: arrival,
    EncryptionType: 'NONE',
  };
}

const encode = (message: Record<string, unknown>) =>
  AggregatedRecordType.encode(AggregatedRecordType.fromObject(message)).finish();

describe('deaggregate', () => {
  it('round-trips random aggregates (multi-byte keys, empty data, explicit hash keys, tags) — property', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed * 7919);
      const keys = Array.from({ length: 1 + (seed % 30) }, () => randomString(random, 1, 30));
      const hashKeys = Array.from({ length: 3 }, () => randomHashKey(random));
      const records = Array.from({ length: 2 + Math.floor(random() * 200) }, () =>
        randomUserRecord(random, { keys, hashKeys, maxDataBytes: 300, tagRate: 0.2 }),
      );
      const result = deaggregate(sdk(aggregate(records), `${seed}`));
      expect(result.formatError).toBeUndefined();
      expect(
        result.records.map((r) => ({ pk: r.partitionKey, ehk: r.explicitHashKey, data: [...r.data], tags: r.tags })),
      ).toEqual(records.map((r) => ({ pk: r.partitionKey, ehk: r.explicitHashKey, data: [...r.data], tags: r.tags })));
      result.records.forEach((r, i) => {
        expect(r.subSequenceNumber).toBe(i);
        expect(r.sequenceNumber).toBe(`${seed}`);
        expect(r.aggregated).toBe(true);
        expect(r.approximateArrivalTimestamp).toBe(arrival);
        expect(r.encryptionType).toBe('NONE');
      });
    }
  });

  it('reads the three input shapes the same way', () => {
    const records = [
      { partitionKey: 'k1', data: Buffer.from('one') },
      { partitionKey: 'k2', explicitHashKey: '99', data: Buffer.from('two') },
    ];
    const data = aggregate(records);
    const seconds = arrival.getTime() / 1000;
    const payload = {
      data: Buffer.from(data).toString('base64'),
      partitionKey: 'a',
      sequenceNumber: '7',
      approximateArrivalTimestamp: seconds,
      kinesisSchemaVersion: '1.0',
    };
    const fromSdk = deaggregate({
      Data: data,
      PartitionKey: 'a',
      SequenceNumber: '7',
      ApproximateArrivalTimestamp: arrival,
    });
    const fromLambda = deaggregate({ kinesis: payload });
    const fromPayload = deaggregate(payload);
    const fromPlain = deaggregate({
      data,
      partitionKey: 'a',
      sequenceNumber: '7',
      approximateArrivalTimestamp: arrival,
    });
    for (const result of [fromSdk, fromLambda, fromPayload, fromPlain]) {
      expect(
        result.records.map((r) => [
          r.partitionKey,
          r.explicitHashKey,
          Buffer.from(r.data).toString(),
          r.sequenceNumber,
          r.subSequenceNumber,
        ]),
      ).toEqual([
        ['k1', undefined, 'one', '7', 0],
        ['k2', '99', 'two', '7', 1],
      ]);
      expect(result.records[0]!.approximateArrivalTimestamp?.getTime()).toBe(arrival.getTime());
    }
  });

  it('gives base64 input its own bytes: what one record returned survives decoding the next ones', () => {
    // Base64 is decoded into one reused buffer; every user record (aggregated, raw, discarded) must own a copy.
    const lambda = (data: Uint8Array, sequenceNumber: string) => ({
      kinesis: { data: Buffer.from(data).toString('base64'), partitionKey: 'p', sequenceNumber },
    });
    const first = deaggregate(
      lambda(
        aggregate([
          { partitionKey: 'k1', data: Buffer.from('first-1') },
          { partitionKey: 'k2', data: Buffer.from('first-2') },
        ]),
        '1',
      ),
    );
    const raw = deaggregate(lambda(Buffer.from('raw record'), '2'));
    const all = deaggregateAll(
      [1, 2, 3].map((n) =>
        lambda(
          aggregate([
            { partitionKey: `a${n}`, data: Buffer.alloc(300, n) },
            { partitionKey: 'b', data: Buffer.alloc(5, n) },
          ]),
          `${n}`,
        ),
      ),
      { hashKeyRange: { startingHashKey: 0n, endingHashKey: partitionKeyHash('b') } },
    );
    deaggregate(lambda(Buffer.alloc(4096, 0xee), '9')); // overwrites whatever a view into the reused buffer would show
    expect(first.records.map((r) => Buffer.from(r.data).toString())).toEqual(['first-1', 'first-2']);
    expect(Buffer.from(raw.records[0]!.data).toString()).toBe('raw record');
    for (const r of [...all.records, ...all.discarded]) {
      const n = Number(r.sequenceNumber);
      expect(Buffer.from(r.data).equals(Buffer.alloc(r.partitionKey === 'b' ? 5 : 300, n))).toBe(true);
    }
    expect(all.records.length + all.discarded.length).toBe(6);
    expect(all.discarded.length).toBeGreaterThan(0); // a3 lies above the range
  });

  it('passes a non-aggregated record through as one user record with sub-sequence 0', () => {
    const data = Buffer.from('{"plain":true}');
    for (const input of [
      { Data: data, PartitionKey: 'pk', SequenceNumber: '1', ApproximateArrivalTimestamp: arrival },
      {
        kinesis: {
          data: data.toString('base64'),
          partitionKey: 'pk',
          sequenceNumber: '1',
          approximateArrivalTimestamp: arrival.getTime() / 1000,
        },
      },
    ]) {
      const { records, formatError } = deaggregate(input);
      expect(formatError).toBeUndefined();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        partitionKey: 'pk',
        sequenceNumber: '1',
        subSequenceNumber: 0,
        aggregated: false,
      });
      expect(Buffer.from(records[0]!.data).equals(data)).toBe(true);
    }
    // Short records, even with the magic, are not aggregates (the KCL needs more than 16 bytes after the magic).
    for (const short of [Buffer.alloc(0), Buffer.from([0xf3, 0x89]), frame(new Uint8Array(0))]) {
      const { records, formatError } = deaggregate({ Data: short, PartitionKey: 'pk', SequenceNumber: '2' });
      expect(formatError).toBeUndefined();
      expect(records.map((r) => [r.aggregated, r.data.length])).toEqual([[false, short.length]]);
    }
  });

  it('returns user data as views into the input (no copy)', () => {
    const data = aggregate([
      { partitionKey: 'k', data: Buffer.from('abc') },
      { partitionKey: 'k', data: Buffer.from('def') },
    ]);
    const { records } = deaggregate(sdk(data));
    expect(records[0]!.data.buffer).toBe(data.buffer);
  });

  describe('hashKeyRange', () => {
    const low = { partitionKey: 'low', explicitHashKey: '10', data: Buffer.from('L') };
    const high = { partitionKey: 'high', explicitHashKey: '1000', data: Buffer.from('H') };
    const byKey = { partitionKey: 'by-key', data: Buffer.from('K') };
    const keyHash = partitionKeyHash('by-key');

    it('drops user records outside the shard’s range and reports them', () => {
      const data = aggregate([low, high, byKey, low]);
      const range = { startingHashKey: 0n, endingHashKey: 999n };
      const result = deaggregate(sdk(data), { hashKeyRange: range });
      expect(result.records.map((r) => [Buffer.from(r.data).toString(), r.subSequenceNumber])).toEqual([
        ['L', 0],
        ['L', 3],
      ]);
      expect(result.discardedByHashKeyRange).toBe(2);
      expect(result.discarded.map((r) => r.subSequenceNumber)).toEqual([1, 2]);

      const keyRange = { startingHashKey: keyHash, endingHashKey: keyHash };
      expect(deaggregate(sdk(data), { hashKeyRange: keyRange }).records.map((r) => r.partitionKey)).toEqual(['by-key']);
    });

    it('never filters a record that was not aggregated (Kinesis routed it itself)', () => {
      const result = deaggregate(
        { Data: Buffer.from('x'), PartitionKey: 'by-key', SequenceNumber: '1' },
        {
          hashKeyRange: { startingHashKey: 0n, endingHashKey: 0n },
        },
      );
      expect(result.records).toHaveLength(1);
      expect(result.discardedByHashKeyRange).toBe(0);
    });
  });

  describe('corrupt aggregates', () => {
    const good = oracleAggregate([
      { partitionKey: 'k1', data: Buffer.from('one') },
      { partitionKey: 'k2', data: Buffer.from('two') },
    ]);
    const expectPassThrough = (data: Uint8Array, reason: string) => {
      const result = deaggregate(sdk(data, '5'));
      expect(result.formatError).toBeInstanceOf(AggregationFormatError);
      expect(result.formatError?.reason).toBe(reason);
      expect(result.formatError?.sequenceNumber).toBe('5');
      // KCL behaviour: the whole Kinesis record is delivered once, raw, as a non-aggregated record.
      expect(result.records).toHaveLength(1);
      expect(result.records[0]).toMatchObject({
        aggregated: false,
        subSequenceNumber: 0,
        partitionKey: 'a',
        sequenceNumber: '5',
      });
      expect(Buffer.from(result.records[0]!.data).equals(Buffer.from(data))).toBe(true);
      // Strict: a typed error, nothing returned.
      let thrown: unknown;
      try {
        deaggregate(sdk(data, '5'), { strict: true });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AggregationFormatError);
      expect((thrown as AggregationFormatError).reason).toBe(reason);
    };

    it('bad MD5', () => {
      const bad = Buffer.from(good);
      bad[bad.length - 1]! ^= 0xff;
      expectPassThrough(bad, 'checksum');
      const flippedBody = Buffer.from(good);
      flippedBody[8]! ^= 0x01;
      expectPassThrough(flippedBody, 'checksum');
    });

    it('bad MD5 is not detected with computeChecksum: false (the body still decodes)', () => {
      const bad = Buffer.from(good);
      bad[bad.length - 1]! ^= 0xff;
      const result = deaggregate(sdk(bad), { computeChecksum: false });
      expect(result.formatError).toBeUndefined();
      expect(result.records).toHaveLength(2);
    });

    it('truncated protobuf (with a matching MD5)', () => {
      const body = good.subarray(4, good.length - 16);
      expectPassThrough(frame(body.subarray(0, body.length - 2)), 'truncated');
      // Truncated without fixing the MD5: caught by the checksum first.
      expectPassThrough(good.subarray(0, good.length - 3), 'checksum');
    });

    it('partition key index out of range — nothing of the aggregate is delivered twice or partially', () => {
      const body = encode({
        partitionKeyTable: ['k'],
        records: [
          { partitionKeyIndex: 0, data: Buffer.from('ok') },
          { partitionKeyIndex: 3, data: Buffer.from('bad') },
        ],
      });
      expectPassThrough(frame(body), 'key_index');
    });

    it('explicit hash key index out of range', () => {
      const body = encode({
        partitionKeyTable: ['k'],
        explicitHashKeyTable: ['1'],
        records: [
          { partitionKeyIndex: 0, data: Buffer.from('ok') },
          { partitionKeyIndex: 0, explicitHashKeyIndex: 1, data: Buffer.from('bad') },
        ],
      });
      expectPassThrough(frame(body), 'key_index');
    });

    it('index beyond 2^32 (uint64 on the wire)', () => {
      const body = encode({
        partitionKeyTable: ['k'],
        records: [
          { partitionKeyIndex: '4294967296', data: Buffer.from('x') },
          { partitionKeyIndex: 0, data: Buffer.from('y') },
        ],
      });
      expectPassThrough(frame(body), 'key_index');
    });

    it('invalid explicit hash key string in the table', () => {
      const body = encode({
        partitionKeyTable: ['k'],
        explicitHashKeyTable: ['not-a-number'],
        records: [{ partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: Buffer.from('x') }],
      });
      expectPassThrough(frame(body), 'explicit_hash_key');
    });

    it('missing required field', () => {
      // Record { partition_key_index: 0 } without data: field 3 of AggregatedRecord, length 2, [08 00].
      expectPassThrough(frame(Uint8Array.of(0x1a, 0x02, 0x08, 0x00)), 'protobuf');
    });

    it('magic + garbage', () => {
      const random = seededRandom(3);
      const reasons = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const garbage = Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256));
        const result = deaggregate(sdk(frame(garbage)));
        // Never an untyped error; either valid by chance or passed through with a reason.
        if (result.formatError !== undefined) {
          reasons.add(result.formatError.reason);
          expect(result.records).toHaveLength(1);
        }
      }
      expect(reasons.has('truncated') || reasons.has('protobuf')).toBe(true);
      // Without a matching MD5 garbage is a checksum failure.
      expectPassThrough(Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), Buffer.alloc(40, 0xee)]), 'checksum');
    });

    it('an aggregate of zero user records yields nothing (as the KCL), without an error', () => {
      const result = deaggregate(sdk(frame(encode({ partitionKeyTable: ['unused'] }))));
      expect(result.records).toEqual([]);
      expect(result.formatError).toBeUndefined();
    });
  });
});

describe('deaggregateAll', () => {
  it('deaggregates a batch into one array and collects format errors', () => {
    const aggregated = aggregate([
      { partitionKey: 'a1', data: Buffer.from('1') },
      { partitionKey: 'a2', data: Buffer.from('2') },
    ]);
    const corrupt = Buffer.from(aggregated);
    corrupt[corrupt.length - 1]! ^= 1;
    const result = deaggregateAll([
      sdk(aggregated, '1'),
      { Data: Buffer.from('raw'), PartitionKey: 'r', SequenceNumber: '2' },
      sdk(corrupt, '3'),
    ]);
    expect(result.records.map((r) => [r.sequenceNumber, r.subSequenceNumber, r.aggregated])).toEqual([
      ['1', 0, true],
      ['1', 1, true],
      ['2', 0, false],
      ['3', 0, false],
    ]);
    expect(result.formatErrors.map((e) => [e.reason, e.sequenceNumber])).toEqual([['checksum', '3']]);
    expect(() => deaggregateAll([sdk(corrupt, '3')], { strict: true })).toThrow(AggregationFormatError);
  });

  it('oracle body sanity: protobufjs decodes what it encodes', () => {
    const body = oracleBody([{ partitionKey: 'k', data: Buffer.from('x') }]);
    expect(AggregatedRecordType.decode(body).toJSON()).toMatchObject({ partitionKeyTable: ['k'] });
  });
});
