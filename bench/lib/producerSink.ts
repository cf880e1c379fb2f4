// The sink half of bench/producer.bench.ts: a KinesisClient answered in-process, the driver that feeds a producer
// (or the floor loop) while keeping a bounded number of records unsettled, and the floor loop itself.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { partitionKeyHash, RecordAggregator } from '@kinesis-kit/aggregation';
import { KinesisProducer, type ProducerSettings } from '@kinesis-kit/producer';

export const KEYS = Array.from({ length: 1000 }, (_, i) => `key-${String(i).padStart(8, '0')}`);
export const DATA = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(100, i & 0xff));
const MAX_HASH = 2n ** 128n - 1n;

/** A KinesisClient that never leaves the process: ListShards → `shards` even ranges, PutRecords → all stored. */
export function sinkClient(shards: number): KinesisClient {
  const client = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const step = MAX_HASH / BigInt(shards);
  const listing = {
    Shards: Array.from({ length: shards }, (_, i) => ({
      ShardId: `shardId-${String(i).padStart(12, '0')}`,
      HashKeyRange: {
        StartingHashKey: (step * BigInt(i) + (i === 0 ? 0n : 1n)).toString(),
        EndingHashKey: i === shards - 1 ? MAX_HASH.toString() : (step * BigInt(i + 1)).toString(),
      },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
    })),
  };
  let seq = 0;
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Records?: unknown[] };
      if (context.commandName === 'ListShardsCommand') return { output: { ...listing, $metadata: {} }, response: {} };
      // No ShardId in the answer: the producer takes the predicted one (hashing here would bill the sink's MD5 to us).
      const records = (input.Records ?? []).map(() => ({ SequenceNumber: String(++seq) }));
      return { output: { Records: records, FailedRecordCount: 0, $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'sink', priority: 'high' },
  );
  return client;
}

export interface Putter {
  put(record: { data: Uint8Array; partitionKey: string }): Promise<unknown>;
  putMany?(records: { data: Uint8Array; partitionKey: string }[]): Promise<unknown>;
  flush(): Promise<void>;
}

interface FloorUser {
  partitionKey: string;
  data: Uint8Array;
  resolve: (result: { shardId: string; sequenceNumber: string; subSequenceNumber: number }) => void;
}

interface FloorShard {
  aggregator: RecordAggregator;
  users: FloorUser[];
}

/** A floor key: its shard and its PartitionKeySlot (the aggregator's key-table index), as the producer's KeyEntry. */
interface FloorKey {
  shard: FloorShard;
  keyBytes: number;
  aggregate: number;
  index: number;
}

interface Sealed {
  shard: FloorShard;
  data: Uint8Array;
  users: FloorUser[];
}

let floorResolve: FloorUser['resolve'] = () => {};
function captureFloorResolve(resolve: FloorUser['resolve']): void {
  floorResolve = resolve;
}

/**
 * The floor for the same work, done the cheapest way we know: a cached key → shard and key slot (one Map.get), our
 * RecordAggregator per shard, one promise per record (shared executor, no closure) settled with a result object, a
 * "request" (settle everything sealed, give the buffers back to their aggregators) once 5 MiB are sealed, as the
 * producer's collection limit does, or `bufferMs` after the first record. No validation, outstanding limits, queues,
 * rate limits, retries, metrics or timers per record.
 */
export class FloorLoop implements Putter {
  readonly #bufferMs: number;
  readonly #keys = new Map<string, FloorKey>();
  readonly #shards: FloorShard[] = Array.from({ length: 4 }, () => ({ aggregator: new RecordAggregator(), users: [] }));
  #sealed: Sealed[] = [];
  #sealedBytes = 0;
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(bufferMs = 100) {
    this.#bufferMs = bufferMs;
  }

  put(record: { data: Uint8Array; partitionKey: string }): Promise<unknown> {
    let key = this.#keys.get(record.partitionKey);
    if (key === undefined) {
      const shard = this.#shards[Number(partitionKeyHash(record.partitionKey) >> 126n)] as FloorShard;
      key = { shard, keyBytes: Buffer.byteLength(record.partitionKey), aggregate: -1, index: 0 };
      this.#keys.set(record.partitionKey, key);
    }
    const shard = key.shard;
    const promise = new Promise<unknown>(captureFloorResolve);
    const user: FloorUser = { partitionKey: record.partitionKey, data: record.data, resolve: floorResolve };
    if (shard.users.length > 0 && !shard.aggregator.wouldFit(user, key)) this.#seal(shard);
    shard.aggregator.add(user, key);
    shard.users.push(user);
    // As the producer's maxBufferedTimeMs: nothing waits longer than that.
    this.#timer ??= setTimeout(() => this.flush(), this.#bufferMs);
    if (this.#sealedBytes >= 5_242_880) {
      const sealed = this.#sealed;
      this.#sealed = [];
      this.#sealedBytes = 0;
      setImmediate(() => this.#settle(sealed));
    }
    return promise;
  }

  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const shard of this.#shards) if (shard.users.length > 0) this.#seal(shard);
    const sealed = this.#sealed;
    this.#sealed = [];
    this.#sealedBytes = 0;
    this.#settle(sealed);
    return Promise.resolve();
  }

  #seal(shard: FloorShard): void {
    const { data } = shard.aggregator.build();
    this.#sealedBytes += data.length;
    this.#sealed.push({ shard, data, users: shard.users });
    shard.users = [];
  }

  #settle(sealed: Sealed[]): void {
    for (const { shard, data, users } of sealed) {
      const sequenceNumber = String(++this.#seq);
      for (let i = 0; i < users.length; i++) {
        (users[i] as FloorUser).resolve({ shardId: 'shardId-000000000000', sequenceNumber, subSequenceNumber: i });
      }
      shard.aggregator.recycle(data);
    }
  }
}

/**
 * Puts `total` records, keeping ≤ `window` unsettled (awaits the oldest chunk); returns user records/s and CPU µs.
 * `many`: each chunk goes in one putMany() call instead of one put() per record.
 */
export async function drive(producer: Putter, total: number, window = 50_000, many = false) {
  // Chunks of a fifth of the window: the caller keeps putting while the oldest chunk waits for its buffering deadline.
  const chunk = Math.min(10_000, Math.max(1, Math.floor(window / 5)));
  const pending: Promise<unknown>[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let base = 0; base < total; base += chunk) {
    if (many && producer.putMany !== undefined) {
      const records = new Array<{ data: Uint8Array; partitionKey: string }>(chunk);
      for (let i = 0; i < chunk; i++) {
        const n = base + i;
        records[i] = { data: DATA[n % 1000] as Buffer, partitionKey: KEYS[n % 1000] as string };
      }
      pending.push(producer.putMany(records));
    } else {
      const promises = new Array<Promise<unknown>>(chunk);
      for (let i = 0; i < chunk; i++) {
        const n = base + i;
        promises[i] = producer.put({ data: DATA[n % 1000] as Buffer, partitionKey: KEYS[n % 1000] as string });
      }
      pending.push(Promise.all(promises));
    }
    if (pending.length * chunk >= window) await pending.shift();
  }
  const flushed = producer.flush();
  await Promise.all(pending);
  await flushed;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: total / seconds, cpuNsPerRecord: ((cpu.user + cpu.system) * 1000) / total, seconds };
}

export async function sinkRun(options: Partial<ProducerSettings>, total: number, window = 50_000, many = false) {
  // rateLimit ∞: the sink is not a shard; with the default, 4 shards × 1.5 MiB/s would be what is measured.
  const producer = new KinesisProducer({
    streamName: 'sink',
    kinesisClient: sinkClient(4),
    rateLimit: Number.POSITIVE_INFINITY,
    ...options,
  });
  await drive(producer, 100_000, window, many); // warm-up
  const result = await drive(producer, total, window, many);
  await producer.close();
  return result;
}

export async function floorRun(total: number, window = 50_000, bufferMs = 100) {
  const floor = new FloorLoop(bufferMs);
  await drive(floor, 100_000, window); // warm-up
  return drive(floor, total, window);
}
