// A producer that puts JSON events, sheds load when full, dead-letters failures, and closes cleanly.
import {
  KinesisProducer,
  PutRecordError,
  type PutResult,
  RecordExpiredError,
  ValidationError,
} from '@kinesis-kit/producer';

export async function main(streamName: string): Promise<void> {
  const producer = new KinesisProducer({
    streamName,
    // Every option has a KPL-like default; these two are the ones most often tuned.
    maxBufferedTimeMs: 100,
    recordTtlMs: 30_000,
    // Strict per-key ordering across retries (one request in flight per shard).
    maxInFlightPerShard: 1,
  });

  producer.on('producer.put_records', ({ recordCount, userRecordCount, durationMs, failedRecordCount }) => {
    console.log(
      `PutRecords: ${recordCount} Kinesis records (${userRecordCount} user records), ${durationMs} ms, ${failedRecordCount} failed`,
    );
  });

  const pending: Promise<PutResult | undefined>[] = [];
  for (let i = 0; i < 10_000; i++) {
    const record = { data: JSON.stringify({ orderId: i, at: Date.now() }), partitionKey: `customer-${i % 100}` };
    // tryPut() sheds load instead of waiting when the producer is at maxOutstandingRecords / maxOutstandingBytes.
    let put = producer.tryPut(record);
    if (put === false) {
      await producer.waitForCapacity();
      put = producer.put(record);
    }
    pending.push(
      put.catch((error: unknown) => {
        if (error instanceof ValidationError) console.error('bad record', error.reason);
        else if (error instanceof RecordExpiredError) console.error('expired after', error.attempts.length, 'attempts');
        else if (error instanceof PutRecordError) console.error('dead-letter', error.record, error.errorCode);
        return undefined;
      }),
    );
  }

  const results = await Promise.all(pending);
  const first = results.find((r) => r !== undefined);
  if (first !== undefined)
    console.log(`first record: ${first.shardId} ${first.sequenceNumber}/${first.subSequenceNumber}`);
  console.log(producer.metrics().UserRecordsPut, 'records stored');

  // Flushes what is buffered, stops timers and destroys the client the producer made.
  await producer.close();
}
