import {
  CreateTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type ScanCommandOutput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { isAwsError, isRetriableAwsError, type Logger, sleep } from '@kinesis-kit/commons';
import { LeaseTableError, LeaseTableMismatchError } from '../errors.js';
import { hasLeaseAttributes, isLeaseItem, LeaseAttribute } from './leaseSerializer.js';
import type { ResolvedDynamoDBLeaseTableOptions } from './leaseTableOptions.js';
import { withRequestTimeout } from './requestTimeout.js';

const A = LeaseAttribute;

/**
 * `LeaseTable.initialize` for DynamoDB: creates the table when missing (and allowed), then refuses one that is not
 * a lease table (key schema; once ACTIVE, a first page of items). Apart from the lease reads and writes: it runs
 * once per start and uses the control-plane calls nothing else needs.
 */
export async function prepareLeaseTable(options: ResolvedDynamoDBLeaseTableOptions, logger: Logger): Promise<void> {
  let table = await describe(options);
  if (table === undefined) {
    if (!options.createIfMissing) {
      throw new LeaseTableError(options.tableName, 'initialize (table does not exist and createIfMissing is false)');
    }
    table = await create(options, logger);
  }
  checkKeySchema(options.tableName, table);
  if (table.TableStatus !== 'ACTIVE') await waitActive(options);
  await checkItems(options);
}

async function describe(o: ResolvedDynamoDBLeaseTableOptions): Promise<TableDescription | undefined> {
  try {
    const out = await send(o, 'describe', (abortSignal) =>
      o.dynamoDbClient.send(new DescribeTableCommand({ TableName: o.tableName }), { abortSignal }),
    );
    return out.Table;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw new LeaseTableError(o.tableName, 'describe', { cause: error, retriable: isRetriableAwsError(error) });
  }
}

async function create(o: ResolvedDynamoDBLeaseTableOptions, logger: Logger): Promise<TableDescription> {
  try {
    const out = await send(o, 'create table', (abortSignal) =>
      o.dynamoDbClient.send(
        new CreateTableCommand({
          TableName: o.tableName,
          KeySchema: [{ AttributeName: A.LEASE_KEY, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: A.LEASE_KEY, AttributeType: 'S' }],
          BillingMode: o.billingMode,
          ...(o.billingMode === 'PROVISIONED'
            ? {
                ProvisionedThroughput: {
                  ReadCapacityUnits: o.readCapacityUnits,
                  WriteCapacityUnits: o.writeCapacityUnits,
                },
              }
            : {}),
          ...(o.deletionProtection ? { DeletionProtectionEnabled: true } : {}),
          ...(o.tags.length > 0 ? { Tags: [...o.tags] } : {}),
        }),
        { abortSignal },
      ),
    );
    logger.info({ billingMode: o.billingMode }, 'created lease table');
    if (out.TableDescription === undefined) throw new Error('CreateTable returned no TableDescription');
    return out.TableDescription;
  } catch (error) {
    // Another worker created it first: use theirs.
    if (isAwsError(error, 'ResourceInUseException')) {
      const table = await describe(o);
      if (table !== undefined) return table;
    }
    throw new LeaseTableError(o.tableName, 'create table', {
      cause: error,
      retriable: isRetriableAwsError(error),
    });
  }
}

async function waitActive(o: ResolvedDynamoDBLeaseTableOptions): Promise<void> {
  const deadline = o.clock.now() + o.tableActiveTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    const table = await describe(o);
    if (table?.TableStatus === 'ACTIVE') return;
    if (o.clock.now() > deadline) {
      throw new LeaseTableError(o.tableName, `wait for ACTIVE (still ${table?.TableStatus ?? 'missing'})`, {
        retriable: true,
      });
    }
    await sleep(Math.min(1_000, 50 * 2 ** attempt), undefined, o.clock);
  }
}

function checkKeySchema(tableName: string, table: TableDescription): void {
  const keys = table.KeySchema ?? [];
  const hash = keys[0];
  if (keys.length !== 1 || hash?.AttributeName !== A.LEASE_KEY || hash.KeyType !== 'HASH') {
    const found = keys.map((k) => `${k.AttributeName}:${k.KeyType}`).join(', ');
    throw new LeaseTableMismatchError(tableName, `key schema is [${found}], expected [leaseKey:HASH]`);
  }
  const type = table.AttributeDefinitions?.find((d) => d.AttributeName === A.LEASE_KEY)?.AttributeType;
  if (type !== 'S') {
    throw new LeaseTableMismatchError(tableName, `leaseKey has type ${type}, expected S`);
  }
}

// One small Scan page: lease items (or KCL 3.5 metadata entities) only. Costs one request per start.
async function checkItems(o: ResolvedDynamoDBLeaseTableOptions): Promise<void> {
  let page: ScanCommandOutput;
  try {
    page = await send(o, 'scan', (abortSignal) =>
      o.dynamoDbClient.send(new ScanCommand({ TableName: o.tableName, Limit: 25 }), { abortSignal }),
    );
  } catch (error) {
    throw new LeaseTableError(o.tableName, 'scan', { cause: error, retriable: isRetriableAwsError(error) });
  }
  for (const item of page.Items ?? []) {
    if (isLeaseItem(item) && !hasLeaseAttributes(item)) {
      const keyValue = item[A.LEASE_KEY]?.S ?? '?';
      throw new LeaseTableMismatchError(
        o.tableName,
        `item ${JSON.stringify(keyValue)} has no leaseCounter/checkpoint attributes`,
      );
    }
  }
}

/** A control-plane request with the table's request timeout. */
function send<T>(
  o: ResolvedDynamoDBLeaseTableOptions,
  operation: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
) {
  return withRequestTimeout(o.clock, o.requestTimeoutMs, operation, call);
}
