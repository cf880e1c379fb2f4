import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { type Clock, classifyAwsError, type Failure } from '@kinesis-kit/commons';
import type { OutgoingRecord } from '../collector/OutgoingRecord.js';

/** What one PutRecords call came back with. */
export interface SendOutcome {
  startedAt: number;
  durationMs: number;
  /** Result entries, index-aligned with the records sent (absent when the whole request failed). */
  entries: readonly PutRecordsResultEntry[] | undefined;
  /** Set when the whole request failed. */
  failure: Failure | undefined;
  error: unknown;
}

export interface SenderTarget {
  client: KinesisClient;
  streamName: string | undefined;
  streamArn: string | undefined;
  requestTimeoutMs: number;
  clock: Clock;
}

/** The request-timeout error: the call is abandoned (its result, if it ever comes, is ignored) and retried. */
class ProducerRequestTimeout extends Error {
  constructor(ms: number) {
    super(`PutRecords did not answer within requestTimeoutMs (${ms} ms)`);
    this.name = 'ProducerRequestTimeout';
  }
}

/** Sends one PutRecords and reports the per-entry results; never throws. */
export class Sender {
  readonly #target: SenderTarget;

  constructor(target: SenderTarget) {
    this.#target = target;
  }

  async send(records: readonly OutgoingRecord[]): Promise<SendOutcome> {
    const { client, streamName, streamArn, requestTimeoutMs, clock } = this.#target;
    const entries: PutRecordsRequestEntry[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as OutgoingRecord;
      entries[i] =
        record.explicitHashKey === undefined
          ? { Data: record.data, PartitionKey: record.partitionKey }
          : { Data: record.data, PartitionKey: record.partitionKey, ExplicitHashKey: record.explicitHashKey };
    }
    const command = new PutRecordsCommand(
      streamArn !== undefined
        ? { StreamARN: streamArn, Records: entries }
        : { StreamName: streamName, Records: entries },
    );
    const startedAt = Date.now(); // wall time: reported in each Attempt
    const sentAt = clock.now(); // monotonic: the duration
    const controller = new AbortController();
    let timer: { cancel(): void } | undefined;
    try {
      // Our own timer, not only the abort signal: middleware that never reaches the HTTP handler (or a handler
      // that ignores the signal) must not hold the records forever.
      const timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(() => {
          const error = new ProducerRequestTimeout(requestTimeoutMs);
          controller.abort(error);
          reject(error);
        }, requestTimeoutMs);
      });
      const output = await Promise.race([client.send(command, { abortSignal: controller.signal }), timeout]);
      const results = output.Records ?? [];
      if (results.length !== records.length) {
        // A malformed answer from the service side: retriable, like a 5xx.
        throw Object.assign(new Error(`PutRecords returned ${results.length} results for ${records.length} records`), {
          $fault: 'server',
        });
      }
      return { startedAt, durationMs: clock.now() - sentAt, entries: results, failure: undefined, error: undefined };
    } catch (error) {
      return {
        startedAt,
        durationMs: clock.now() - sentAt,
        entries: undefined,
        failure: classifyAwsError(error),
        error,
      };
    } finally {
      timer?.cancel();
    }
  }
}
