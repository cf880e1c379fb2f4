import { describe, expect, it } from 'vitest';
import { fromLeaseItem, hasLeaseAttributes, type LeaseItem, toLeaseItem } from './leaseSerializer.js';

// Exactly what the Java KCL's DynamoDBLeaseSerializer.toDynamoRecord writes (KCL 2.x: no entityType).
const kclItem: LeaseItem = {
  leaseKey: { S: 'shardId-000000000002' },
  leaseOwner: { S: 'host-a:7c1f' },
  leaseCounter: { N: '412' },
  ownerSwitchesSinceCheckpoint: { N: '3' },
  checkpoint: { S: '49590338271490256608559692538361571095921575989136588898' },
  checkpointSubSequenceNumber: { N: '7' },
  parentShardId: { SS: ['shardId-000000000000', 'shardId-000000000001'] },
  startingHashKey: { S: '0' },
  endingHashKey: { S: '170141183460469231731687303715884105727' },
  pendingCheckpoint: { S: '49590338271490256608559692538361571095921575989136588999' },
  pendingCheckpointSubSequenceNumber: { N: '0' },
};

describe('lease serializer (KCL item format)', () => {
  it('reads a KCL-written item field for field', () => {
    const lease = fromLeaseItem(kclItem);
    expect(lease).toEqual({
      leaseKey: 'shardId-000000000002',
      leaseOwner: 'host-a:7c1f',
      leaseCounter: 412,
      checkpoint: { sequenceNumber: '49590338271490256608559692538361571095921575989136588898', subSequenceNumber: 7 },
      pendingCheckpoint: {
        sequenceNumber: '49590338271490256608559692538361571095921575989136588999',
        subSequenceNumber: 0,
      },
      ownerSwitchesSinceCheckpoint: 3,
      parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
      childShardIds: [],
      hashKeyRange: { startingHashKey: '0', endingHashKey: '170141183460469231731687303715884105727' },
    });
  });

  it('writes the same attributes and types back (plus entityType, as KCL 3.5 does)', () => {
    const lease = fromLeaseItem(kclItem);
    expect(lease).toBeDefined();
    if (lease === undefined) return;
    expect(toLeaseItem(lease)).toEqual({ ...kclItem, entityType: { S: 'LEASE' } });
  });

  it('skips KCL 3.5 metadata entities and reads unowned sentinel leases', () => {
    expect(fromLeaseItem({ leaseKey: { S: 'x' }, entityType: { S: 'LEADER' } })).toBeUndefined();
    const lease = fromLeaseItem({
      leaseKey: { S: 's' },
      leaseCounter: { N: '0' },
      checkpoint: { S: 'TRIM_HORIZON' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
    });
    expect(lease?.leaseOwner).toBeUndefined();
    expect(lease?.checkpoint.sequenceNumber).toBe('TRIM_HORIZON');
    expect(hasLeaseAttributes({ leaseKey: { S: 's' }, foo: { S: 'bar' } })).toBe(false);
  });

  it('round-trips the kinesis-kit start time and stream, and ignores a malformed hash key range', () => {
    const lease = fromLeaseItem({
      ...kclItem,
      kkStartTimestamp: { N: '1700000000000' },
      kkStream: { S: '123456789012:orders:1700000000' },
    });
    expect(lease?.startTimestamp).toBe(1_700_000_000_000);
    expect(lease?.stream).toBe('123456789012:orders:1700000000');
    const item = toLeaseItem(lease!);
    expect(item.kkStartTimestamp).toEqual({ N: '1700000000000' });
    expect(item.kkStream).toEqual({ S: '123456789012:orders:1700000000' });
    expect(fromLeaseItem({ ...kclItem, startingHashKey: { S: 'zero' } })?.hashKeyRange).toBeUndefined();
  });
});
