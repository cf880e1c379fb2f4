import { silentLogger, TypedEmitter } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { InvalidCheckpointError, LeaseLostError } from '../errors.js';
import type { ConsumerEvents } from '../events.js';
import type { Position } from '../processor/RecordProcessor.js';
import { type CheckpointStore, ShardCheckpointer } from './ShardCheckpointer.js';

function setup(initial: Position = { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 }) {
  const writes: (Position | string)[] = [];
  let lost = false;
  const store: CheckpointStore = {
    checkpoint: async (shardId, position) => {
      if (lost) throw new LeaseLostError(shardId, 'w');
      writes.push(position);
    },
    prepareCheckpoint: async (_shardId, position) => {
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
  return { checkpointer, writes, loseLease: () => (lost = true) };
}

const at = (sequenceNumber: string, subSequenceNumber = 0) => ({ sequenceNumber, subSequenceNumber });

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

  it('rejects positions beyond the last delivered record, backwards, or not sequence numbers', async () => {
    const { checkpointer, writes } = setup(at('50'));
    checkpointer.delivered(at('200', 2));
    await expect(checkpointer.checkpoint('200', 3)).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(checkpointer.checkpoint('1000')).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(checkpointer.checkpoint('40')).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(checkpointer.checkpoint('LATEST')).rejects.toBeInstanceOf(InvalidCheckpointError);
    await checkpointer.checkpoint('150');
    await expect(checkpointer.checkpoint('149', 9)).rejects.toBeInstanceOf(InvalidCheckpointError);
    expect(writes).toEqual([at('150')]);
  });

  it('compares sequence numbers numerically, not as strings', async () => {
    const { checkpointer, writes } = setup(at('9'));
    checkpointer.delivered(at('10'));
    await checkpointer.checkpoint('10');
    expect(writes).toEqual([at('10')]);
  });

  it('passes LeaseLostError through when the lease is gone', async () => {
    const { checkpointer, loseLease } = setup();
    checkpointer.delivered(at('5'));
    loseLease();
    await expect(checkpointer.checkpoint()).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('writes SHARD_END for checkpoint() after the shard ended', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('5'));
    checkpointer.markShardEnd([]);
    await checkpointer.checkpoint();
    expect(writes).toEqual(['SHARD_END']);
    expect(checkpointer.shardEndCheckpointed).toBe(true);
  });

  it('prepares, then commits a two-phase checkpoint; a rolled-back batch is not covered', async () => {
    const { checkpointer, writes } = setup();
    checkpointer.delivered(at('10'));
    const prepared = await checkpointer.prepareCheckpoint();
    await prepared.checkpoint();
    checkpointer.delivered(at('20'));
    checkpointer.rollBack(at('10'));
    await checkpointer.checkpoint();
    expect(writes).toEqual(['prepare 10/0', at('10')]);
  });
});
