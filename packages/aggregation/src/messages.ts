// The protobufjs codec of proto/messages.proto (the KPL AggregatedRecord schema). The descriptor below is the
// JSON form protobufjs itself produces from the .proto file (`messages.test.ts` checks they stay equal), so the
// package needs no runtime file access and no code generation step.
import protobuf from 'protobufjs/light.js';

const descriptor = {
  nested: {
    kinesis_kit: {
      nested: {
        aggregation: {
          nested: {
            Tag: {
              edition: 'proto2',
              fields: {
                key: { rule: 'required', type: 'string', id: 1 },
                value: { type: 'string', id: 2 },
              },
            },
            Record: {
              edition: 'proto2',
              fields: {
                partitionKeyIndex: { rule: 'required', type: 'uint64', id: 1, protoName: 'partition_key_index' },
                explicitHashKeyIndex: { type: 'uint64', id: 2, protoName: 'explicit_hash_key_index' },
                data: { rule: 'required', type: 'bytes', id: 3 },
                tags: { rule: 'repeated', type: 'Tag', id: 4 },
              },
            },
            AggregatedRecord: {
              edition: 'proto2',
              fields: {
                partitionKeyTable: { rule: 'repeated', type: 'string', id: 1, protoName: 'partition_key_table' },
                explicitHashKeyTable: {
                  rule: 'repeated',
                  type: 'string',
                  id: 2,
                  protoName: 'explicit_hash_key_table',
                },
                records: { rule: 'repeated', type: 'Record', id: 3 },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The JSON descriptor protobufjs builds its reflection types from (exported for the drift test). */
export const MESSAGES_DESCRIPTOR: unknown = descriptor;

/** A uint64 as protobufjs decodes it: a `Long` when `long` is installed (it is, via protobufjs), else a number. */
export type DecodedUint64 = number | { readonly low: number; readonly high: number };

/** A decoded `Tag`. */
export interface DecodedTag {
  readonly key: string;
  readonly value?: string;
}

/** A decoded `Record`. `explicitHashKeyIndex` is an own property only when present on the wire. */
export interface DecodedRecord {
  readonly partitionKeyIndex: DecodedUint64;
  readonly explicitHashKeyIndex?: DecodedUint64;
  readonly data: Uint8Array;
  readonly tags: readonly DecodedTag[];
}

/** A decoded `AggregatedRecord`. */
export interface DecodedAggregatedRecord {
  readonly partitionKeyTable: readonly string[];
  readonly explicitHashKeyTable: readonly string[];
  readonly records: readonly DecodedRecord[];
}

const root = protobuf.Root.fromJSON(descriptor);

/**
 * protobufjs reflection type of `AggregatedRecord`: the reference codec. The hot paths are hand-written
 * (RecordAggregator's encoder, decodeAggregate.ts); tests hold both to this codec byte for byte.
 */
export const AggregatedRecordType: protobuf.Type = root.lookupType('kinesis_kit.aggregation.AggregatedRecord');

/**
 * Decodes the protobuf part of an aggregated record with protobufjs (the reference reading; tests and tools). Throws whatever protobufjs throws (`RangeError` when the
 * bytes end early, `protobuf.util.ProtocolError` for a missing required field, `Error` for a bad wire type).
 */
export function decodeAggregatedRecord(body: Uint8Array): DecodedAggregatedRecord {
  return AggregatedRecordType.decode(body) as unknown as DecodedAggregatedRecord;
}

/** Converts a decoded uint64 index to a number; `-1` when it cannot be a valid array index (≥ 2^32). */
export function uint64ToIndex(value: DecodedUint64): number {
  if (typeof value === 'number') return value;
  return value.high === 0 ? value.low >>> 0 : -1;
}
