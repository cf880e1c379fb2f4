import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { InvalidOptionError, rejectUnknownOptions } from '@kinesis-kit/commons';

/** How a consumer reads its shards. */
export const RetrievalMode = {
  /** `GetRecords` polling, one call per shard at most every `minGetRecordsIntervalMs` (shared 2 MB/s per shard). */
  POLLING: 'polling',
  /** Enhanced fan-out: `SubscribeToShard` pushes records over HTTP/2 (dedicated 2 MB/s per shard per consumer). */
  FANOUT: 'fanout',
} as const;
export type RetrievalMode = (typeof RetrievalMode)[keyof typeof RetrievalMode];

/** Enhanced fan-out settings (`retrieval: { type: 'fanout', … }`). */
export interface FanOutRetrievalOptions {
  type: 'fanout';
  /**
   * The registered stream consumer's name; registered at `start()` when missing, reused when present.
   * @default the consumer's `applicationName` (KCL: `applicationName` as `consumerName`)
   */
  consumerName?: string | undefined;
  /** An already registered consumer's ARN: skips registration (KCL `consumerArn`). @default registered by name */
  consumerArn?: string | undefined;
  /**
   * The client `SubscribeToShard` goes through; it must speak HTTP/2, as the SDK's stock `KinesisClient` does.
   * Against kinesis-local use `createFanOutKinesisClient()` from `@kinesis-kit/testing` (HTTP/2 workaround).
   * @default the consumer's `kinesisClient` when one is given; else a stock `KinesisClient` from the environment
   * (HTTP/2), beside the consumer's default HTTP/1.1 client for every other call
   */
  kinesisClient?: KinesisClient | undefined;
  /**
   * A subscription that delivers no event for this long is treated as stalled: aborted and replaced from the last
   * continuation sequence number. Events come every ≤ 5 s on AWS (every 1 s on kinesis-local), even when idle;
   * the first one up to ~2 s after subscribing on kinesis-local. Below ~6 s, healthy subscriptions get replaced.
   * @default 15000 (the KCL has no heartbeat: it relies on `readTimeout`/its 35 s max-age checks)
   */
  heartbeatTimeoutMs?: number | undefined;
  /**
   * How often, while a subscription is idle (empty events) and has not reported `ChildShards`, the fetcher checks
   * with `GetShardIterator`+`GetRecords` whether the shard was closed and read to its end. AWS always sends
   * `ChildShards` at shard end; kinesis-local never does. `0` turns the check off (then only `ChildShards` or a
   * null continuation sequence number end a shard).
   * @default 10000
   */
  shardEndCheckIntervalMs?: number | undefined;
  /** How long `start()` waits for a new stream consumer to become ACTIVE. @default 120000 */
  registrationTimeoutMs?: number | undefined;
}

export type RetrievalOption = 'polling' | FanOutRetrievalOptions;

export interface ResolvedFanOutRetrieval {
  type: 'fanout';
  consumerName: string;
  consumerArn: string | undefined;
  kinesisClient: KinesisClient | undefined;
  heartbeatTimeoutMs: number;
  shardEndCheckIntervalMs: number;
  registrationTimeoutMs: number;
}

export type ResolvedRetrieval = 'polling' | ResolvedFanOutRetrieval;

export const DEFAULT_FANOUT_RETRIEVAL_OPTIONS = Object.freeze({
  heartbeatTimeoutMs: 15_000,
  shardEndCheckIntervalMs: 10_000,
  registrationTimeoutMs: 120_000,
} as const);

/** Validates the `retrieval` option eagerly; `applicationName` is the default consumer name. */
export function resolveRetrievalOption(value: RetrievalOption | undefined, applicationName: string): ResolvedRetrieval {
  if (value === undefined || value === RetrievalMode.POLLING) return RetrievalMode.POLLING;
  if (typeof value !== 'object' || value === null || value.type !== RetrievalMode.FANOUT)
    throw new InvalidOptionError('retrieval', "'polling' or { type: 'fanout', … }", value);
  rejectUnknownOptions(value, FANOUT_RETRIEVAL_KEYS, 'retrieval');
  const d = DEFAULT_FANOUT_RETRIEVAL_OPTIONS;
  const consumerName = value.consumerName ?? applicationName;
  if (typeof consumerName !== 'string' || !/^[a-zA-Z0-9_.-]{1,128}$/.test(consumerName))
    throw new InvalidOptionError(
      // The default name is the application's: then that is the option to change (or set consumerName).
      value.consumerName === undefined ? 'applicationName' : 'retrieval.consumerName',
      value.consumerName === undefined
        ? 'a name of 1-128 letters, digits, `_`, `.` or `-` when it names the stream consumer (or set `retrieval.consumerName`)'
        : 'a name of 1-128 letters, digits, `_`, `.` or `-`',
      consumerName,
    );
  if (
    value.consumerArn !== undefined &&
    (typeof value.consumerArn !== 'string' || !value.consumerArn.startsWith('arn:'))
  )
    throw new InvalidOptionError('retrieval.consumerArn', 'a stream consumer ARN', value.consumerArn);
  const heartbeatTimeoutMs = value.heartbeatTimeoutMs ?? d.heartbeatTimeoutMs;
  integer('retrieval.heartbeatTimeoutMs', heartbeatTimeoutMs, 100);
  const shardEndCheckIntervalMs = value.shardEndCheckIntervalMs ?? d.shardEndCheckIntervalMs;
  integer('retrieval.shardEndCheckIntervalMs', shardEndCheckIntervalMs, 0);
  const registrationTimeoutMs = value.registrationTimeoutMs ?? d.registrationTimeoutMs;
  integer('retrieval.registrationTimeoutMs', registrationTimeoutMs, 1);
  return {
    type: RetrievalMode.FANOUT,
    consumerName,
    consumerArn: value.consumerArn,
    kinesisClient: value.kinesisClient,
    heartbeatTimeoutMs,
    shardEndCheckIntervalMs,
    registrationTimeoutMs,
  };
}

const FANOUT_RETRIEVAL_KEYS = Object.keys({
  type: true,
  consumerName: true,
  consumerArn: true,
  kinesisClient: true,
  heartbeatTimeoutMs: true,
  shardEndCheckIntervalMs: true,
  registrationTimeoutMs: true,
} satisfies Record<keyof FanOutRetrievalOptions, true>);

function integer(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new InvalidOptionError(name, `an integer ≥ ${min}`, value);
}
