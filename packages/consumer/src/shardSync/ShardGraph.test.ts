import type { Shard } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { type Lease, newLease } from '../lease/Lease.js';
import { SHARD_END, TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { planLeases } from './ShardGraph.js';

function shard(id: string, parents: string[] = [], closed = false): Shard {
  return {
    ShardId: id,
    ...(parents[0] === undefined ? {} : { ParentShardId: parents[0] }),
    ...(parents[1] === undefined ? {} : { AdjacentParentShardId: parents[1] }),
    HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
    SequenceNumberRange: { StartingSequenceNumber: '1', ...(closed ? { EndingSequenceNumber: '9' } : {}) },
  };
}
const leases = (...list: Lease[]) => new Map(list.map((l) => [l.leaseKey, l]));
const planned = (plan: { create: Lease[] }) => plan.create.map((l) => [l.leaseKey, l.checkpoint.sequenceNumber]);

// s0 split into s2,s3; s2 and s1 merged into s4.
const stream = [
  shard('s0', [], true),
  shard('s1', [], true),
  shard('s2', ['s0'], true),
  shard('s3', ['s0']),
  shard('s4', ['s2', 's1']),
];

describe('planLeases', () => {
  it('TRIM_HORIZON on an empty table: roots at the initial position, descendants after them, with lineage', () => {
    const plan = planLeases(stream, new Map(), 'TRIM_HORIZON');
    expect(planned(plan)).toEqual([
      ['s0', 'TRIM_HORIZON'],
      ['s1', 'TRIM_HORIZON'],
      ['s2', 'TRIM_HORIZON'],
      ['s3', 'TRIM_HORIZON'],
      ['s4', 'TRIM_HORIZON'],
    ]);
    expect(plan.create.find((l) => l.leaseKey === 's4')?.parentShardIds).toEqual(['s2', 's1']);
  });

  it('LATEST on an empty table: open shards at LATEST, closed ones finished (never read) before them', () => {
    expect(planned(planLeases(stream, new Map(), 'LATEST'))).toEqual([
      ['s0', 'SHARD_END'],
      ['s1', 'SHARD_END'],
      ['s2', 'SHARD_END'],
      ['s3', 'LATEST'],
      ['s4', 'LATEST'],
    ]);
  });

  it('LATEST: a finished lease never taken (a closed root) does not make its children start from TRIM_HORIZON', () => {
    // An earlier sync created s0..s2 finished and failed before the open shards' leases.
    const existing = leases(newLease('s0', SHARD_END), newLease('s1', SHARD_END), newLease('s2', SHARD_END));
    expect(planned(planLeases(stream, existing, 'LATEST'))).toEqual([
      ['s3', 'LATEST'],
      ['s4', 'LATEST'],
    ]);
  });

  it('AT_TIMESTAMP: roots and their descendants at the timestamp', () => {
    expect(
      new Set(planLeases(stream, new Map(), 'AT_TIMESTAMP').create.map((l) => l.checkpoint.sequenceNumber)),
    ).toEqual(new Set(['AT_TIMESTAMP']));
  });

  it('children of leased parents get TRIM_HORIZON whatever the initial position', () => {
    const read = (lease: Lease): Lease => ({ ...lease, leaseCounter: 7 }); // taken and checkpointed: it was read
    const existing = leases(
      read(newLease('s3', SHARD_END)),
      newLease('s4', TRIM_HORIZON),
      read(newLease('s2', SHARD_END)),
    );
    const plan = planLeases([...stream, shard('s5', ['s3']), shard('s6', ['s3'])], existing, 'LATEST');
    expect(planned(plan)).toEqual([
      ['s5', 'TRIM_HORIZON'],
      ['s6', 'TRIM_HORIZON'],
    ]);
  });

  it('never re-creates a lease for a shard whose descendants have leases', () => {
    const existing = leases(newLease('s2', TRIM_HORIZON), newLease('s3', TRIM_HORIZON), newLease('s1', TRIM_HORIZON));
    expect(planned(planLeases(stream, existing, 'TRIM_HORIZON'))).toEqual([['s4', 'TRIM_HORIZON']]);
  });

  it('removes leases of shards gone past retention: finished ones, and parents still named by listed shards', () => {
    const existing = leases(
      newLease('gone-finished', SHARD_END),
      newLease('gone-parent', TRIM_HORIZON),
      newLease('unknown', TRIM_HORIZON),
    );
    const plan = planLeases([shard('child', ['gone-parent'])], existing, 'TRIM_HORIZON');
    expect(plan.remove.map((l) => l.leaseKey).sort()).toEqual(['gone-finished', 'gone-parent']);
    // The child still gets its lease (its parent had one): nothing is lost, and it no longer waits on the parent.
    expect(planned(plan)).toEqual([['child', 'TRIM_HORIZON']]);
  });

  it('LATEST and AT_TIMESTAMP roots carry the start time; every new lease records the stream', () => {
    const fields = { startTimestamp: 1_700_000_000_000, stream: '123456789012:orders:1700000000' };
    const latest = planLeases(stream, new Map(), 'LATEST', fields).create;
    expect(latest.map((l) => [l.leaseKey, l.startTimestamp, l.stream])).toEqual([
      ['s0', undefined, fields.stream],
      ['s1', undefined, fields.stream],
      ['s2', undefined, fields.stream],
      ['s3', fields.startTimestamp, fields.stream],
      ['s4', fields.startTimestamp, fields.stream],
    ]);
    const trim = planLeases(stream, new Map(), 'TRIM_HORIZON', fields).create;
    expect(trim.every((l) => l.startTimestamp === undefined && l.stream === fields.stream)).toBe(true);
    const timed = planLeases(stream, new Map(), 'AT_TIMESTAMP', fields).create;
    expect(timed.every((l) => l.startTimestamp === fields.startTimestamp)).toBe(true);
  });
});
