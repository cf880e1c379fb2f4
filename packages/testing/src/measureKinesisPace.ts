import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvalidOptionError } from '@kinesis-kit/commons';
import type { LocalKinesis } from './startLocalKinesis.js';

/** Options of {@link measureKinesisPace}. */
export interface KinesisPaceOptions {
  /** At least this many PutRecords calls, one after another. @default 5 */
  samples?: number;
  /** … and for at least this long, so a short stall of the server is likely to be caught. @default 500 */
  windowMs?: number;
  /** Records per call (100 bytes each, into one shard). @default 100 */
  records?: number;
}

/** How fast a local Kinesis server answers PutRecords right now (measured by {@link measureKinesisPace}). */
export interface KinesisPace {
  /** Each call's round trip (ms), in order. */
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  /** The slowest call. */
  readonly maxMs: number;
  /**
   * A request timeout the server met `margin` times over in every sample, and never below `minMs`: for a test that
   * needs the server to answer within a client's timeout (a producer's `requestTimeoutMs`, say) while it runs.
   */
  requestTimeoutMs(options?: { margin?: number; minMs?: number }): number;
}

let paceStreams = 0;

/**
 * Measures how long PutRecords takes on `kinesis` at the current load of the machine: `samples` calls (and at least
 * `windowMs` of them) of `records` 100-byte records into a fresh one-shard stream, one after another. A test whose
 * pass needs the server to answer within some time derives that time from this instead of assuming an idle machine.
 * Load can change after the measurement: a test should still tolerate an occasional slower answer (a retry).
 */
export async function measureKinesisPace(
  kinesis: LocalKinesis,
  options: KinesisPaceOptions = {},
): Promise<KinesisPace> {
  const { samples = 5, windowMs = 500, records = 100 } = options;
  for (const [key, value] of [
    ['samples', samples],
    ['windowMs', windowMs],
    ['records', records],
  ] as const) {
    if (!Number.isInteger(value) || value < (key === 'windowMs' ? 0 : 1)) {
      throw new InvalidOptionError(key, key === 'windowMs' ? 'a non-negative integer' : 'a positive integer', value);
    }
  }
  const streamName = `kinesis-kit-pace-${process.pid}-${++paceStreams}`;
  await kinesis.createStream(streamName, 1);
  const data = new Uint8Array(100);
  const entries = Array.from({ length: records }, (_, i) => ({ PartitionKey: `pace-${i}`, Data: data }));
  const samplesMs: number[] = [];
  const started = performance.now();
  while (samplesMs.length < samples || performance.now() - started < windowMs) {
    const at = performance.now();
    await kinesis.kinesisClient.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
    samplesMs.push(performance.now() - at);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const medianMs = sorted[sorted.length >> 1] as number;
  const maxMs = sorted[sorted.length - 1] as number;
  return {
    samplesMs,
    medianMs,
    maxMs,
    requestTimeoutMs: ({ margin = 5, minMs = 0 } = {}) => Math.max(minMs, Math.ceil(maxMs * margin)),
  };
}
