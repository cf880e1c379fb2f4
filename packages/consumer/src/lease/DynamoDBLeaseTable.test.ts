import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { LeaseTableError } from '../errors.js';
import { DynamoDBLeaseTable } from './DynamoDBLeaseTable.js';

// The lease table's retriability comes from the one classification the producer uses too (commons/awsErrors.ts):
// a DNS blip or an aborted connection is retried by the lease loops and by start(), a configuration error is not.
function tableFailingWith(error: unknown): DynamoDBLeaseTable {
  const client = { send: () => Promise.reject(error) } as unknown as DynamoDBClient;
  return new DynamoDBLeaseTable({ dynamoDbClient: client, tableName: 'classify-test' });
}

describe('DynamoDBLeaseTable error classification', () => {
  it.each(['EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'ECONNRESET'])(
    '%s is a retriable LeaseTableError',
    async (code) => {
      const failure = tableFailingWith(Object.assign(new Error(`getaddrinfo ${code}`), { code })).getLease('s');
      await expect(failure).rejects.toBeInstanceOf(LeaseTableError);
      await expect(failure).rejects.toMatchObject({ retriable: true });
    },
  );

  it('a missing region is not retriable', async () => {
    await expect(tableFailingWith(new Error('Region is missing')).getLease('s')).rejects.toMatchObject({
      retriable: false,
    });
  });
});
