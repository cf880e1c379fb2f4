import { describe, expect, it } from 'vitest';
import { InMemoryLeaseTable } from '../../test/InMemoryLeaseTable.js';
import { newLease } from '../lease/Lease.js';
import { SHARD_END, TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { createChildLeases } from './createChildLeases.js';

describe('createChildLeases', () => {
  it('defers a merged child whose other parent has no lease yet (it would not wait for that parent)', async () => {
    // s0 ended; s4 = merge(s0, s2); s2 (a child of a split still being read) has no lease yet.
    const table = new InMemoryLeaseTable();
    await table.createLeaseIfNotExists(newLease('s0', SHARD_END));
    const merged = { ShardId: 's4', ParentShards: ['s0', 's2'] };
    const split = { ShardId: 's5', ParentShards: ['s0'] };
    expect(await createChildLeases(table, [merged, split], 'acct:orders:1')).toEqual({
      childShardIds: ['s4', 's5'],
      deferred: ['s4'],
    });
    expect([...table.items.keys()].sort()).toEqual(['s0', 's5']);
    expect(table.items.get('s5')?.stream).toBe('acct:orders:1');
    // Once s2 has its lease, the merged child is created with both parents.
    await table.createLeaseIfNotExists(newLease('s2', TRIM_HORIZON, { parentShardIds: ['s1'] }));
    expect((await createChildLeases(table, [merged])).deferred).toEqual([]);
    expect(table.items.get('s4')?.parentShardIds).toEqual(['s0', 's2']);
  });
});
