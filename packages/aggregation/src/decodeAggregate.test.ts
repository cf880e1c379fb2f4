import { describe, expect, it } from 'vitest';
import { frame, oracleBody } from '../test/oracle.js';
import { randomHashKey, randomString, randomUserRecord, seededRandom } from '../test/random.js';
import { deaggregate } from './deaggregate.js';
import { AggregationFormatError } from './errors.js';
import { AggregatedRecordType, decodeAggregatedRecord, uint64ToIndex } from './messages.js';

/** What protobufjs (the reference) reads from a body, or undefined when it rejects it or an index is invalid. */
function reference(body: Uint8Array) {
  let message: ReturnType<typeof decodeAggregatedRecord>;
  try {
    message = decodeAggregatedRecord(body);
  } catch {
    return undefined;
  }
  // Only canonical bodies (protobufjs re-encodes them to the same bytes) have one unambiguous reading.
  const reencoded = AggregatedRecordType.encode(AggregatedRecordType.fromObject(message as never)).finish();
  if (!Buffer.from(reencoded).equals(Buffer.from(body))) return undefined;
  const out = [];
  for (const r of message.records) {
    const pk = message.partitionKeyTable[uint64ToIndex(r.partitionKeyIndex)];
    const hasEhk = Object.hasOwn(r, 'explicitHashKeyIndex');
    const ehk = hasEhk ? message.explicitHashKeyTable[uint64ToIndex(r.explicitHashKeyIndex ?? 0)] : undefined;
    if (pk === undefined || (hasEhk && ehk === undefined)) return undefined;
    out.push([
      pk,
      ehk,
      Buffer.from(r.data).toString('hex'),
      r.tags.map((t) => (Object.hasOwn(t, 'value') ? { key: t.key, value: t.value } : { key: t.key })),
    ]);
  }
  if (message.explicitHashKeyTable.some((k) => !/^\d+$/.test(k) || BigInt(k) >= 2n ** 128n)) return undefined;
  return out;
}

describe('decodeAggregate (hand decoder) vs protobufjs', () => {
  it('reads every canonical body as protobufjs does, and fails with a typed reason otherwise (fuzz)', () => {
    const random = seededRandom(2024);
    let agreed = 0;
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const keys = Array.from({ length: 1 + Math.floor(random() * 5) }, () => randomString(random, 1, 8));
      const records = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        randomUserRecord(random, { keys, hashKeys: [randomHashKey(random)], maxDataBytes: 20, tagRate: 0.3 }),
      );
      const body = Buffer.from(oracleBody(records));
      // Mutate most bodies: flip, drop or insert a few bytes.
      const mutations = i % 4 === 0 ? 0 : 1 + Math.floor(random() * 3);
      let mutated = body;
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(random() * mutated.length);
        const kind = random();
        if (kind < 0.5) mutated[at] = Math.floor(random() * 256);
        else if (kind < 0.75) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
        else
          mutated = Buffer.concat([
            mutated.subarray(0, at),
            Buffer.from([Math.floor(random() * 256)]),
            mutated.subarray(at),
          ]);
      }
      const expected = reference(mutated);
      const result = deaggregate({ Data: frame(mutated), PartitionKey: 'a', SequenceNumber: '1' });
      if (result.formatError !== undefined) {
        expect(result.formatError).toBeInstanceOf(AggregationFormatError);
        expect(expected).toBeUndefined();
        rejected++;
        continue;
      }
      if (expected === undefined) continue; // non-canonical but readable: no single reference reading
      expect(
        result.records.map((r) => [
          r.partitionKey,
          r.explicitHashKey,
          Buffer.from(r.data).toString('hex'),
          r.tags ?? [],
        ]),
      ).toEqual(expected);
      agreed++;
    }
    expect(agreed).toBeGreaterThan(800);
    expect(rejected).toBeGreaterThan(300);
  });
});
