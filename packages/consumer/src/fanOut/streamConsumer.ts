import {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  type DescribeStreamConsumerCommandOutput,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import {
  backoffDelay,
  type Clock,
  errorName,
  type Logger,
  rejectUnknownOptions,
  silentLogger,
  sleep,
  systemClock,
} from '@kinesis-kit/commons';
import { StreamConsumerRegistrationError } from '../errors.js';

/** Where a stream consumer lives, and how to reach it. */
export interface StreamConsumerTarget {
  kinesisClient: KinesisClient;
  /** Give `streamArn` or `streamName` (the ARN is then looked up with `DescribeStreamSummary`). */
  streamArn?: string | undefined;
  streamName?: string | undefined;
  consumerName: string;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
}

const TARGET_KEYS = {
  kinesisClient: true,
  streamArn: true,
  streamName: true,
  consumerName: true,
  logger: true,
  clock: true,
  signal: true,
} satisfies Record<keyof StreamConsumerTarget, true>;

export interface RegisterStreamConsumerOptions extends StreamConsumerTarget {
  /** How long to wait for ACTIVE. @default 120000 */
  timeoutMs?: number | undefined;
  /** How often to poll `DescribeStreamConsumer` while waiting. @default 1000 */
  pollIntervalMs?: number | undefined;
}

/**
 * Returns the ARN of the stream's consumer `consumerName`, registering it when it does not exist, and waits until
 * it is ACTIVE (AWS takes a few seconds). An existing consumer is reused; one being deleted is waited out and
 * registered again. Concurrent callers (several workers starting at once) converge on the same consumer.
 * Throws `StreamConsumerRegistrationError` when it cannot (limit of 20 consumers per stream, permissions, timeout).
 */
export async function registerStreamConsumer(options: RegisterStreamConsumerOptions): Promise<string> {
  rejectUnknownOptions(options, REGISTER_KEYS);
  const { kinesisClient, consumerName, signal } = options;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger()).child({ component: 'StreamConsumer', consumerName });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const streamArn = await resolveStreamArn(options);
  const deadline = clock.now() + timeoutMs;
  let attempt = 0;
  for (;;) {
    let status: string | undefined;
    let arn: string | undefined;
    try {
      const found = await describe(kinesisClient, streamArn, consumerName, signal);
      status = found?.ConsumerDescription?.ConsumerStatus;
      arn = found?.ConsumerDescription?.ConsumerARN;
      if (found === undefined) {
        logger.info({ streamArn }, 'registering stream consumer');
        const registered = await kinesisClient.send(
          new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
          sendOptions(signal),
        );
        status = registered.Consumer?.ConsumerStatus;
        arn = registered.Consumer?.ConsumerARN;
      }
      attempt = 0;
    } catch (error) {
      const name = errorName(error);
      // ResourceInUse: another worker registered it a moment ago; LimitExceeded is also the 5 TPS throttle.
      const transient = name === 'ResourceInUseException' || name === 'LimitExceededException' || isServerError(error);
      if (!transient || clock.now() >= deadline || signal?.aborted)
        throw new StreamConsumerRegistrationError(consumerName, `registration failed (${name ?? 'error'})`, {
          cause: error,
          retriable: transient,
        });
      attempt++;
      logger.info({ err: error, attempt }, 'stream consumer registration: retrying');
      await heldSleep(backoffDelay(attempt, { baseDelayMs: 200, maxDelayMs: 5_000 }), signal, clock);
      continue;
    }
    if (status === 'ACTIVE' && arn !== undefined) return arn;
    if (clock.now() >= deadline)
      throw new StreamConsumerRegistrationError(consumerName, `not ACTIVE after ${timeoutMs} ms (status ${status})`);
    logger.debug({ status }, 'waiting for the stream consumer');
    await heldSleep(pollIntervalMs, signal, clock);
  }
}

export interface DeregisterStreamConsumerOptions extends StreamConsumerTarget {
  /** Wait until the consumer is gone (DELETING takes a few seconds on AWS). @default true */
  wait?: boolean | undefined;
  /** @default 120000 */
  timeoutMs?: number | undefined;
}

const REGISTER_KEYS = Object.keys({
  ...TARGET_KEYS,
  timeoutMs: true,
  pollIntervalMs: true,
} satisfies Record<keyof RegisterStreamConsumerOptions, true>);
const DEREGISTER_KEYS = Object.keys({
  ...TARGET_KEYS,
  wait: true,
  timeoutMs: true,
} satisfies Record<keyof DeregisterStreamConsumerOptions, true>);

/**
 * For operators: deregisters the enhanced fan-out consumer (every open subscription of it ends; a running
 * fan-out `KinesisConsumer` would register it again at its next start). True when it existed. Needs
 * `kinesis:DeregisterStreamConsumer` and `kinesis:DescribeStreamConsumer`.
 */
export async function deregisterStreamConsumer(options: DeregisterStreamConsumerOptions): Promise<boolean> {
  rejectUnknownOptions(options, DEREGISTER_KEYS);
  const { kinesisClient, consumerName, signal } = options;
  const clock = options.clock ?? systemClock;
  const streamArn = await resolveStreamArn(options);
  const found = await describe(kinesisClient, streamArn, consumerName, signal);
  if (found === undefined) return false;
  try {
    await kinesisClient.send(
      new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
      sendOptions(signal),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    return false;
  }
  if (options.wait === false) return true;
  const deadline = clock.now() + (options.timeoutMs ?? 120_000);
  while ((await describe(kinesisClient, streamArn, consumerName, signal)) !== undefined) {
    if (clock.now() >= deadline) throw new StreamConsumerRegistrationError(consumerName, 'still DELETING');
    await heldSleep(500, signal, clock);
  }
  return true;
}

async function resolveStreamArn(target: StreamConsumerTarget): Promise<string> {
  if (target.streamArn !== undefined) return target.streamArn;
  if (target.streamName === undefined)
    throw new StreamConsumerRegistrationError(target.consumerName, 'neither streamArn nor streamName given');
  const summary = await target.kinesisClient.send(
    new DescribeStreamSummaryCommand({ StreamName: target.streamName }),
    sendOptions(target.signal),
  );
  const arn = summary.StreamDescriptionSummary?.StreamARN;
  if (arn === undefined) throw new StreamConsumerRegistrationError(target.consumerName, 'stream has no ARN');
  return arn;
}

async function describe(
  client: KinesisClient,
  streamArn: string,
  consumerName: string,
  signal: AbortSignal | undefined,
): Promise<DescribeStreamConsumerCommandOutput | undefined> {
  try {
    return await client.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
      sendOptions(signal),
    );
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function isServerError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return false;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return (metadata?.httpStatusCode ?? 0) >= 500;
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

/**
 * A wait that keeps the process alive (unlike the library's background timers): a script awaiting `start()` while
 * the consumer is being registered must not exit with an unsettled promise.
 */
async function heldSleep(ms: number, signal: AbortSignal | undefined, clock: Clock): Promise<void> {
  const hold = clock.holdProcessOpen?.();
  try {
    await sleep(ms, signal, clock);
  } finally {
    hold?.cancel();
  }
}
