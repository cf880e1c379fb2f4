import { describe, expect, it } from 'vitest';
import { type Lease, newLease } from '../lease/Lease.js';
import type { LeaseCoordinator } from '../lease/LeaseCoordinator.js';
import { TRIM_HORIZON } from '../sequence/ExtendedSequenceNumber.js';
import { WorkerLeaseLayer } from './WorkerLeaseLayer.js';

function coordinatorHolding(...leases: Lease[]): LeaseCoordinator {
  return {
    getHeldLeaseSessions: () => new Map(leases.map((lease, i) => [lease.leaseKey, { lease, session: i + 1 }])),
    parentLeaseKeys: () => [],
  } as unknown as LeaseCoordinator;
}

describe('WorkerLeaseLayer', () => {
  it('several streams: a held lease of a stream not read here (now) gets no runner', () => {
    const read = newLease('a:1:shardId-0', TRIM_HORIZON, { stream: 'a', shardId: 'shardId-0' });
    const unread = newLease('b:1:shardId-0', TRIM_HORIZON, { stream: 'b', shardId: 'shardId-0' });
    const layer = new WorkerLeaseLayer(coordinatorHolding(read, unread), (lease) =>
      lease.stream === 'a' ? 'stream-a' : undefined,
    );
    expect([...layer.heldLeases()].map((l) => [l.leaseKey, l.streamName])).toEqual([['a:1:shardId-0', 'stream-a']]);
  });

  it('one stream: every held lease gets a runner', () => {
    const layer = new WorkerLeaseLayer(coordinatorHolding(newLease('shardId-0', TRIM_HORIZON)));
    expect([...layer.heldLeases()].map((l) => l.leaseKey)).toEqual(['shardId-0']);
  });
});
