import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { Lease } from './Lease.js';
import type { LeaseTableSnapshot } from './LeaseTable.js';
import { fromLeaseItem, LeaseAttribute } from './leaseSerializer.js';
import type { WorkerRecord } from './WorkerRecord.js';
import { fromWorkerItem } from './workerSerializer.js';

/** How one scan request is sent (the table's request timeout, concurrency bound and error mapping). */
export type ScanCall = (send: (abortSignal: AbortSignal) => Promise<ScanCommandOutput>) => Promise<ScanCommandOutput>;

/**
 * A whole-table Scan in `segments` parallel segments (DynamoDB's `Segment`/`TotalSegments`), each paginated. Returns
 * the snapshot and how many pages it took, so the caller can size the next scan: a table that needs several 1 MB
 * pages is read in that many segments at once (up to its bound), which keeps a scan's latency flat as it grows.
 */
export async function scanLeaseTable(
  client: DynamoDBClient,
  tableName: string,
  segments: number,
  call: ScanCall,
): Promise<{ snapshot: LeaseTableSnapshot; pages: number }> {
  const leases: Lease[] = [];
  const workers: WorkerRecord[] = [];
  let pages = 0;
  const scanSegment = async (segment: number) => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await call((abortSignal) =>
        client.send(
          new ScanCommand({
            TableName: tableName,
            ExclusiveStartKey: startKey,
            ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
          }),
          { abortSignal },
        ),
      );
      pages++;
      for (const item of page.Items ?? []) {
        const lease = fromLeaseItem(item);
        if (lease !== undefined) {
          leases.push(lease);
          continue;
        }
        const worker = fromWorkerItem(item);
        if (worker !== undefined) workers.push(worker);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  };
  await Promise.all(Array.from({ length: Math.max(1, segments) }, (_, i) => scanSegment(i)));
  return { snapshot: { leases, workers }, pages };
}

/**
 * Several leases, strongly consistent, 100 keys per BatchGetItem (one request per poll of a handoff, whatever the
 * number of leases involved); unprocessed keys (throttling) are asked for again, a few times.
 */
export async function batchGetLeases(
  client: DynamoDBClient,
  tableName: string,
  leaseKeys: readonly string[],
  call: (send: (abortSignal: AbortSignal) => Promise<BatchGetItemCommandOutput>) => Promise<BatchGetItemCommandOutput>,
): Promise<Map<string, Lease>> {
  const out = new Map<string, Lease>();
  const unique = [...new Set(leaseKeys)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, AttributeValue>[] = unique
      .slice(i, i + 100)
      .map((key) => ({ [LeaseAttribute.LEASE_KEY]: { S: key } }));
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const page = await call((abortSignal) =>
        client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }), {
          abortSignal,
        }),
      );
      for (const item of page.Responses?.[tableName] ?? []) {
        const lease = fromLeaseItem(item);
        if (lease !== undefined) out.set(lease.leaseKey, lease);
      }
      keys = page.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return out;
}
