import { silentLogger, TypedEmitter } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { InvalidCheckpointError, LeaseLostError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import type { Position } from '../processor/RecordProcessor.js';
import { type CheckpointStore, ShardCheckpointer } from './ShardCheckpointer.js';

function setup(initial: Position = { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 }) {
  const writes: (Position | string)[] = [];
  let lost = false;
  let failNext: unknown;
  const store: CheckpointStore = {
    checkpoint: async (position) => {
      if (lost) throw new LeaseLostError('shardId-0', 'w');
      if (failNext !== undefined) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      writes.push(position);
    },
    prepareCheckpoint: async (position) => {
      writes.push(`prepare ${position.sequenceNumber}/${position.subSequenceNumber}`);
    },
    shardEnded: async () => {
      writes.push('SHARD_END');
    },
  };
  const checkpointer = new ShardCheckpointer({
    shardId: 'shardId-0',
    store,
    initial,
    events: new TypedEmitter<ConsumerEvents>(silentLogger()),
    logger: silentLogger(),
  });
  return {
    checkpointer,
    writes,
    loseLease: () => (lost = true),
    failNextWrite: (error: unknown) => (failNext = error),
  };
}

const at = (sequenceNumber: string, subSequenceNumber = 0) => ({ sequenceNumber, subSequenceNumber });
const throttled = () => Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });

describe('ShardCheckpointer', () => {
  it('checkpoints the last delivered record with no argument, and does nothing when nothing is new', async () => {
    const { checkpointer, writes } = setup();
    await checkpointer.checkpoint();
    checkpointer.delivered(at('100', 3));
    await checkpointer.checkpoint();
    await checkpointer.checkpoint();
    expect(writes).toEqual([at('100', 3)]);
    expect(checkpointer.lastCheckpoint).toEqual(at('100', 3));
  });

  it('accepts a record, or a sequence number with an optional sub-sequence, within what was delivered', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('200', 2));
    await checkpointer.checkpoint({ sequenceNumber: '99' });
    await checkpointer.checkpoint('150', 7);
    await checkpointer.checkpoint(at('200', 2));
    expect(writes).toEqual([at('99'), at('150', 7), at('200', 2)]);
  });

  it('rejects positions beyond the last delivered record or not sequence numbers, writing nothing', async () => {
    const { checkpointer, writes } = setup(at('50'));
    checkpointer.delivered(at('200', 2));
    await expect(checkpointer.checkpoint('200', 3)).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(checkpointer.checkpoint('1000')).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(checkpointer.checkpoint('LATEST')).rejects.toBeInstanceOf(InvalidCheckpointError);
    expect(writes).toEqual([]);
  });

  it('a position at or behind the committed checkpoint is an idempotent no-op, never a rewind', async () => {
    // A retried batch checkpointing its records again (a processor that checkpoints as it goes): no error, no write.
    const { checkpointer, writes } = setup(at('50'));
    checkpointer.delivered(at('200', 2));
    await checkpointer.checkpoint('40');
    await checkpointer.checkpoint('150');
    await checkpointer.checkpoint('149', 9);
    await checkpointer.checkpoint('150');
    expect(writes).toEqual([at('150')]);
    expect(checkpointer.lastCheckpoint).toEqual(at('150'));
  });

  it('after a failed write, checkpoint() with no argument writes again (it is compared with what was committed)', async () => {
    const { checkpointer, writes, failNextWrite } = setup();
    checkpointer.delivered(at('10'));
    failNextWrite(throttled());
    await expect(checkpointer.checkpoint()).rejects.toThrow('throttled');
    expect(checkpointer.lastCheckpoint.sequenceNumber).toBe('TRIM_HORIZON');
    await checkpointer.checkpoint(); // the KCL habit: catch throttling, call checkpoint() again
    expect(writes).toEqual([at('10')]);
  });

  it('compares sequence numbers numerically, not as strings', async () => {
    const { checkpointer, writes } = setup(at('9'));
    checkpointer.delivered(at('10'));
    await checkpointer.checkpoint('10');
    expect(writes).toEqual([at('10')]);
  });

  it('passes LeaseLostError through when the lease (session) is gone', async () => {
    const { checkpointer, loseLease } = setup();
    checkpointer.delivered(at('5'));
    loseLease();
    await expect(checkpointer.checkpoint()).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('writes SHARD_END for checkpoint() after the shard ended, once', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('5'));
    checkpointer.markShardEnd([]);
    await checkpointer.checkpoint();
    await checkpointer.checkpoint();
    expect(writes).toEqual(['SHARD_END']);
    expect(checkpointer.shardEndCheckpointed).toBe(true);
  });

  it('prepares (pending only), then commits a two-phase checkpoint; a rolled-back batch is not covered', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('10'));
    const prepared = await checkpointer.prepareCheckpoint();
    await prepared.checkpoint();
    checkpointer.delivered(at('20'));
    checkpointer.rollBack(at('10'));
    await checkpointer.checkpoint();
    expect(writes).toEqual(['prepare 10/0', at('10')]);
  });

  it('a prepared checkpoint overtaken by a later one commits as a no-op', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('30'));
    const prepared = await checkpointer.prepareCheckpoint('10');
    await checkpointer.checkpoint('30');
    await prepared.checkpoint();
    expect(writes).toEqual(['prepare 10/0', at('30')]);
  });
});
