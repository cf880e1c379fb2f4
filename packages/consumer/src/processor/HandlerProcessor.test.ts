import type { Clock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import type { RecordCheckpointer } from '../checkpoint/RecordCheckpointer.js';
import { LeaseLostError } from '../errors.js';
import type { ConsumerRecord } from '../fetch/RecordsFetcher.js';
import { HandlerProcessor } from './HandlerProcessor.js';

function records(from: number, count: number): ConsumerRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: 'k',
    data: new Uint8Array([from + i]),
    sequenceNumber: String(100 + from + i),
    subSequenceNumber: 0,
    aggregated: false,
  }));
}

function fakeCheckpointer(fail?: unknown) {
  const calls: string[] = [];
  const checkpointer = {
    checkpoint: async (target?: { sequenceNumber: string }) => {
      calls.push(target === undefined ? 'checkpoint' : `checkpoint ${target.sequenceNumber}`);
      if (fail !== undefined) throw fail;
    },
  } as unknown as RecordCheckpointer;
  return { checkpointer, calls };
}

/** A signal that never aborts (the worker keeps running). */
const running = new AbortController().signal;

const clockAt = (t: { now: number }): Clock => ({ now: () => t.now, setTimeout: () => ({ cancel() {} }) });

describe('HandlerProcessor', () => {
  it('checkpoints after every successful batch by default', async () => {
    const { checkpointer, calls } = fakeCheckpointer();
    const seen: number[] = [];
    const p = new HandlerProcessor({
      eachBatch: ({ records: rs }) => {
        for (const r of rs) seen.push(r.data[0]!);
      },
      autoCheckpoint: {},
      clock: clockAt({ now: 0 }),
      onCheckpointError: () => {},
    });
    await p.processRecords({
      shardId: 's',
      records: records(0, 3),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    await p.processRecords({
      shardId: 's',
      records: records(3, 2),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(calls).toEqual(['checkpoint', 'checkpoint']);
  });

  it('checkpoints every N records or T ms, and on shutdown only when something is pending', async () => {
    const { checkpointer, calls } = fakeCheckpointer();
    const time = { now: 0 };
    const p = new HandlerProcessor({
      eachRecord: () => {},
      autoCheckpoint: { everyRecords: 5, everyMs: 1_000 },
      clock: clockAt(time),
      onCheckpointError: () => {},
    });
    await p.processRecords({
      shardId: 's',
      records: records(0, 3),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(calls.length).toBe(0);
    await p.processRecords({
      shardId: 's',
      records: records(3, 3),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(calls.length).toBe(1); // 6 ≥ 5
    await p.processRecords({
      shardId: 's',
      records: records(6, 1),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(calls.length).toBe(1);
    time.now = 1_500;
    await p.processRecords({
      shardId: 's',
      records: records(7, 1),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(calls.length).toBe(2); // 1.5 s since the last one
    await p.shutdownRequested({ shardId: 's', checkpointer });
    expect(calls.length).toBe(2); // nothing pending
    await p.processRecords({
      shardId: 's',
      records: records(8, 1),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    await p.shutdownRequested({ shardId: 's', checkpointer });
    expect(calls.length).toBe(3);
  });

  it('a failed automatic checkpoint does not fail the batch, but a lost lease does', async () => {
    const errors: unknown[] = [];
    const make = () =>
      new HandlerProcessor({
        eachBatch: () => {},
        autoCheckpoint: {},
        clock: clockAt({ now: 0 }),
        onCheckpointError: (e) => errors.push(e),
      });
    const throttled = fakeCheckpointer(new Error('throttled'));
    await make().processRecords({
      shardId: 's',
      records: records(0, 1),
      ...throttled,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(errors.length).toBe(1);
    const lost = fakeCheckpointer(new LeaseLostError('s', 'w'));
    await expect(
      make().processRecords({ shardId: 's', records: records(0, 1), ...lost, millisBehindLatest: 0, signal: running }),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('eachRecord with skip: a record that throws is reported and skipped, the rest of the batch is delivered', async () => {
    const { checkpointer, calls } = fakeCheckpointer();
    const seen: number[] = [];
    const skipped: number[] = [];
    const p = new HandlerProcessor({
      eachRecord: (r) => {
        if (r.data[0] === 10) throw new Error('bad record');
        seen.push(r.data[0]!);
      },
      autoCheckpoint: {},
      clock: clockAt({ now: 0 }),
      onCheckpointError: () => {},
      onSkippedRecord: (_error, record, shardId) => skipped.push(record.data[0]! + (shardId === 's' ? 0 : 1000)),
    });
    await p.processRecords({
      shardId: 's',
      records: records(0, 100),
      checkpointer,
      millisBehindLatest: 0,
      signal: running,
    });
    expect(seen.length).toBe(99);
    expect(skipped).toEqual([10]);
    expect(calls).toEqual(['checkpoint']);
  });

  it('eachRecord: a retried batch resumes after the last record handled (the one that threw), whatever array it is handed', async () => {
    // The worker hands a retry only what is not checkpointed yet: a new array, not the one that failed.
    const { checkpointer } = fakeCheckpointer();
    const seen: number[] = [];
    let fail = true;
    const p = new HandlerProcessor({
      eachRecord: (r) => {
        if (r.data[0] === 3 && fail) {
          fail = false;
          throw new Error('boom');
        }
        seen.push(r.data[0]!);
      },
      autoCheckpoint: {},
      clock: clockAt({ now: 0 }),
      onCheckpointError: () => {},
    });
    const batch = records(0, 5);
    await expect(
      p.processRecords({ shardId: 's', records: batch, checkpointer, millisBehindLatest: 0, signal: running }),
    ).rejects.toThrow('boom');
    await p.processRecords({ shardId: 's', records: [...batch], checkpointer, millisBehindLatest: 0, signal: running });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('eachRecord: a stop ends the batch between two records, checkpointing the last one handled', async () => {
    const { checkpointer, calls } = fakeCheckpointer();
    const stop = new AbortController();
    const seen: number[] = [];
    const p = new HandlerProcessor({
      eachRecord: (r) => {
        seen.push(r.data[0]!);
        if (r.data[0] === 2) stop.abort(new Error('stopping'));
      },
      autoCheckpoint: { everyRecords: 1_000 },
      clock: clockAt({ now: 0 }),
      onCheckpointError: () => {},
    });
    await expect(
      p.processRecords({
        shardId: 's',
        records: records(0, 10),
        checkpointer,
        millisBehindLatest: 0,
        signal: stop.signal,
      }),
    ).rejects.toThrow('stopping');
    expect(seen).toEqual([0, 1, 2]);
    expect(calls).toEqual(['checkpoint 102']);
    await p.shutdownRequested({ shardId: 's', checkpointer });
    expect(calls).toEqual(['checkpoint 102']); // nothing else pending
  });
});
