import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { defaultLogger, InvalidOptionError, type Logger, rejectUnknownOptions } from '@kinesis-kit/commons';

/** Options of {@link cloudWatchSink}. */
export interface CloudWatchSinkOptions {
  /** The client PutMetricData goes through (region, credentials, endpoint, retries are yours). Required. */
  client: CloudWatchClient;
  /** Replaces the namespace of every batch (the producer's `KinesisProducerLibrary`, the consumer's application). */
  namespace?: string;
  /** How often the closed one-minute buckets are uploaded. @default 60000 (the KPL's and KCL's once a minute) */
  uploadIntervalMs?: number;
  /**
   * Most statistic sets held waiting for upload (one per metric × dimensions × minute). Beyond it new ones are
   * dropped and counted (`droppedDatums`): memory stays bounded however long CloudWatch is down.
   * @default 10000 (KCL `metricsMaxQueueSize`)
   */
  maxQueuedDatums?: number;
  /** Datums per PutMetricData call (CloudWatch allows 1,000). @default 1000 */
  maxDatumsPerRequest?: number;
  /** A PutMetricData call taking longer is abandoned (its datums go back to the queue, space permitting). @default 10000 */
  requestTimeoutMs?: number;
  /** `1` publishes high-resolution metrics (billed as such). @default 60 */
  storageResolution?: 1 | 60;
  /** Upload failures are logged at warn, at most once a minute. @default defaultLogger() */
  logger?: Logger;
}

export interface ResolvedCloudWatchSinkOptions {
  readonly client: CloudWatchClient;
  readonly namespace: string | undefined;
  readonly uploadIntervalMs: number;
  readonly maxQueuedDatums: number;
  readonly maxDatumsPerRequest: number;
  readonly requestTimeoutMs: number;
  readonly storageResolution: 1 | 60;
  readonly logger: Logger;
}

export const DEFAULT_CLOUDWATCH_SINK_OPTIONS = Object.freeze({
  uploadIntervalMs: 60_000,
  maxQueuedDatums: 10_000,
  maxDatumsPerRequest: 1_000,
  requestTimeoutMs: 10_000,
  storageResolution: 60 as const,
});

export function resolveCloudWatchSinkOptions(options: CloudWatchSinkOptions): ResolvedCloudWatchSinkOptions {
  rejectUnknownOptions(options, CLOUDWATCH_SINK_OPTION_KEYS);
  if (options.client === undefined || typeof options.client?.send !== 'function')
    throw new InvalidOptionError('client', 'a CloudWatchClient', options.client);
  const d = DEFAULT_CLOUDWATCH_SINK_OPTIONS;
  const resolved = {
    client: options.client,
    namespace: options.namespace,
    uploadIntervalMs: options.uploadIntervalMs ?? d.uploadIntervalMs,
    maxQueuedDatums: options.maxQueuedDatums ?? d.maxQueuedDatums,
    maxDatumsPerRequest: options.maxDatumsPerRequest ?? d.maxDatumsPerRequest,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    storageResolution: options.storageResolution ?? d.storageResolution,
    logger: options.logger ?? defaultLogger(),
  };
  integer('uploadIntervalMs', resolved.uploadIntervalMs, 100, 3_600_000);
  integer('maxQueuedDatums', resolved.maxQueuedDatums, 1, 10_000_000);
  integer('maxDatumsPerRequest', resolved.maxDatumsPerRequest, 1, 1_000);
  integer('requestTimeoutMs', resolved.requestTimeoutMs, 1, 600_000);
  if (resolved.storageResolution !== 1 && resolved.storageResolution !== 60)
    throw new InvalidOptionError('storageResolution', '1 or 60', resolved.storageResolution);
  if (resolved.namespace !== undefined && !/^[a-zA-Z0-9._#:/-]{1,255}$/.test(resolved.namespace))
    throw new InvalidOptionError('namespace', 'a CloudWatch namespace', resolved.namespace);
  return Object.freeze(resolved);
}

const CLOUDWATCH_SINK_OPTION_KEYS = Object.keys({
  client: true,
  namespace: true,
  uploadIntervalMs: true,
  maxQueuedDatums: true,
  maxDatumsPerRequest: true,
  requestTimeoutMs: true,
  storageResolution: true,
  logger: true,
} satisfies Record<keyof CloudWatchSinkOptions, true>);

function integer(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
}
