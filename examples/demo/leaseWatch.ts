// Reads the lease table the way an operator would (a Scan), to show leases per worker and to time failover.
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

export interface LeaseView {
  shardId: string;
  owner: string | undefined;
  checkpoint: string | undefined;
}

export async function scanLeases(client: DynamoDBClient, tableName: string): Promise<LeaseView[]> {
  const leases: LeaseView[] = [];
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      const shardId = item.leaseKey?.S;
      if (shardId === undefined) continue;
      leases.push({ shardId, owner: item.leaseOwner?.S, checkpoint: item.checkpoint?.S });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return leases;
}

/** "w1:2 w2:1 w3:1 (unowned 0)" over leases of unfinished shards. */
export function leasesPerWorker(leases: readonly LeaseView[]): string {
  const counts = new Map<string, number>();
  let unowned = 0;
  for (const lease of leases) {
    if (lease.checkpoint === 'SHARD_END') continue;
    if (lease.owner === undefined) unowned++;
    else counts.set(lease.owner, (counts.get(lease.owner) ?? 0) + 1);
  }
  const parts = [...counts.entries()].sort().map(([owner, count]) => `${owner}:${count}`);
  return `${parts.join(' ') || '-'}${unowned > 0 ? ` unowned:${unowned}` : ''}`;
}
