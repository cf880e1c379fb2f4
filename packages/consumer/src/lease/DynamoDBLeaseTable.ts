import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type TableDescription,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Logger, sleep } from '@kinesis-kit/commons';
import { LeaseTableError, LeaseTableMismatchError } from '../errors.js';
import type { Lease } from './Lease.js';
import type { CheckpointUpdate, LeaseTable } from './LeaseTable.js';
import { fromLeaseItem, hasLeaseAttributes, isLeaseItem, LeaseAttribute, toLeaseItem } from './leaseSerializer.js';
import {
  type DynamoDBLeaseTableOptions,
  type ResolvedDynamoDBLeaseTableOptions,
  resolveDynamoDBLeaseTableOptions,
} from './leaseTableOptions.js';

const A = LeaseAttribute;
// Placeholders for every attribute name we write, so reserved words never matter.
const NAMES = {
  '#key': A.LEASE_KEY,
  '#owner': A.LEASE_OWNER,
  '#counter': A.LEASE_COUNTER,
  '#cp': A.CHECKPOINT,
  '#cpSub': A.CHECKPOINT_SUB_SEQUENCE_NUMBER,
  '#pcp': A.PENDING_CHECKPOINT,
  '#pcpSub': A.PENDING_CHECKPOINT_SUB_SEQUENCE_NUMBER,
  '#switches': A.OWNER_SWITCHES_SINCE_CHECKPOINT,
  '#children': A.CHILD_SHARD_IDS,
  '#cpOwner': A.CHECKPOINT_OWNER,
  '#hTo': A.HANDOFF_TO,
  '#hId': A.HANDOFF_ID,
  '#hAck': A.HANDOFF_ACK,
  '#hAt': A.HANDOFF_REQUESTED_AT,
} as const;
type NameKey = keyof typeof NAMES;
const HANDOFF_NAMES = ['#hTo', '#hId', '#hAck', '#hAt'] as const satisfies readonly NameKey[];
const REMOVE_HANDOFF = HANDOFF_NAMES.join(', ');

/**
 * The lease table in DynamoDB, in the Java KCL's item layout (see `leaseSerializer.ts`). Conditions use
 * `ConditionExpression`; nothing needs transactions or TTL (dynalite has neither).
 */
export class DynamoDBLeaseTable implements LeaseTable {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #options: ResolvedDynamoDBLeaseTableOptions;
  readonly #logger: Logger;
  #initialized = false;

  constructor(options: DynamoDBLeaseTableOptions) {
    this.#options = resolveDynamoDBLeaseTableOptions(options);
    this.tableName = this.#options.tableName;
    this.#client = this.#options.dynamoDbClient;
    this.#logger = this.#options.logger.child({ component: 'DynamoDBLeaseTable', tableName: this.tableName });
  }

  async initialize(): Promise<void> {
    if (this.#initialized) return;
    let table = await this.#describe();
    if (table === undefined) {
      if (!this.#options.createIfMissing) {
        throw new LeaseTableError(this.tableName, 'initialize (table does not exist and createIfMissing is false)');
      }
      table = await this.#create();
    }
    this.#checkKeySchema(table);
    if (table.TableStatus !== 'ACTIVE') await this.#waitActive();
    await this.#checkItems();
    this.#initialized = true;
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#call('scan', () =>
        this.#client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      for (const item of page.Items ?? []) {
        const lease = fromLeaseItem(item);
        if (lease !== undefined) leases.push(lease);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return leases;
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    const out = await this.#call('get', () =>
      this.#client.send(new GetItemCommand({ TableName: this.tableName, Key: key(leaseKey), ConsistentRead: true })),
    );
    return out.Item === undefined ? undefined : fromLeaseItem(out.Item);
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    return this.#conditional('create', () =>
      this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toLeaseItem(lease),
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': A.LEASE_KEY },
        }),
      ),
    );
  }

  renewLease(leaseKey: string, owner: string, leaseCounter: number): Promise<boolean> {
    return this.#update('renew', leaseKey, {
      update: 'SET #counter = :next',
      condition: '#counter = :counter AND #owner = :owner',
      names: ['#counter', '#owner'],
      values: { ':next': n(leaseCounter + 1), ':counter': n(leaseCounter), ':owner': { S: owner } },
    });
  }

  async takeLease(observed: Lease, owner: string): Promise<Lease | undefined> {
    const ownerChanges = observed.leaseOwner !== undefined && observed.leaseOwner !== owner;
    const condition = 'attribute_exists(#key) AND #counter = :counter';
    let result: Lease | undefined;
    const ok = await this.#conditional('take', async () => {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(observed.leaseKey),
          UpdateExpression: `SET #owner = :owner, #counter = :next${ownerChanges ? ', #switches = if_not_exists(#switches, :zero) + :one' : ''} REMOVE #cpOwner, ${REMOVE_HANDOFF}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: pick([
            '#key',
            '#owner',
            '#counter',
            '#cpOwner',
            ...HANDOFF_NAMES,
            ...(ownerChanges ? (['#switches'] as const) : []),
          ]),
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':next': n(observed.leaseCounter + 1),
            ':counter': n(observed.leaseCounter),
            ...(ownerChanges ? { ':one': n(1), ':zero': n(0) } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      result = out.Attributes === undefined ? undefined : fromLeaseItem(out.Attributes);
    });
    return ok ? result : undefined;
  }

  requestHandoff(leaseKey: string, owner: string, to: string, id: string, requestedAt: number): Promise<boolean> {
    return this.#update('request handoff', leaseKey, {
      update: 'SET #hTo = :to, #hId = :id, #hAt = :at REMOVE #hAck',
      condition: '#owner = :owner',
      names: ['#owner', ...HANDOFF_NAMES],
      values: { ':owner': { S: owner }, ':to': { S: to }, ':id': { S: id }, ':at': n(requestedAt) },
    });
  }

  acknowledgeHandoff(leaseKey: string, owner: string, to: string, id: string): Promise<boolean> {
    return this.#update('acknowledge handoff', leaseKey, {
      update: 'SET #hAck = :id',
      condition: '#owner = :owner AND #hTo = :to AND #hId = :id',
      names: ['#owner', '#hTo', '#hId', '#hAck'],
      values: { ':owner': { S: owner }, ':to': { S: to }, ':id': { S: id } },
    });
  }

  withdrawHandoffAck(leaseKey: string, owner: string, id: string): Promise<boolean> {
    return this.#update('withdraw handoff ack', leaseKey, {
      update: 'REMOVE #hAck',
      condition: '#owner = :owner AND #hAck = :id',
      names: ['#owner', '#hAck'],
      values: { ':owner': { S: owner }, ':id': { S: id } },
    });
  }

  transferLease(leaseKey: string, owner: string, leaseCounter: number, to: string, id: string): Promise<boolean> {
    return this.#update('transfer', leaseKey, {
      update: `SET #owner = :to, #counter = :next, #switches = if_not_exists(#switches, :zero) + :one REMOVE #cpOwner, ${REMOVE_HANDOFF}`,
      condition: '#counter = :counter AND #owner = :owner AND #hTo = :to AND #hAck = :id',
      names: ['#owner', '#counter', '#switches', '#cpOwner', ...HANDOFF_NAMES],
      values: {
        ':to': { S: to },
        ':next': n(leaseCounter + 1),
        ':counter': n(leaseCounter),
        ':owner': { S: owner },
        ':id': { S: id },
        ':zero': n(0),
        ':one': n(1),
      },
    });
  }

  evictLease(leaseKey: string, owner: string, leaseCounter: number): Promise<boolean> {
    return this.#update('evict', leaseKey, {
      update: `SET #counter = :next REMOVE #owner, #cpOwner, ${REMOVE_HANDOFF}`,
      condition: '#counter = :counter AND #owner = :owner',
      names: ['#counter', '#owner', '#cpOwner', ...HANDOFF_NAMES],
      values: { ':next': n(leaseCounter + 1), ':counter': n(leaseCounter), ':owner': { S: owner } },
    });
  }

  updateCheckpoint(leaseKey: string, owner: string, leaseCounter: number, update: CheckpointUpdate): Promise<boolean> {
    const sets = ['#counter = :next', '#cp = :cp', '#cpSub = :cpSub', '#switches = :zero'];
    const removes: string[] = [];
    const names: NameKey[] = ['#counter', '#owner', '#cp', '#cpSub', '#switches', '#pcp', '#pcpSub'];
    const values: Record<string, AttributeValue> = {
      ':next': n(leaseCounter + 1),
      ':counter': n(leaseCounter),
      ':owner': { S: owner },
      ':cp': { S: update.checkpoint.sequenceNumber },
      ':cpSub': n(update.checkpoint.subSequenceNumber),
      ':zero': n(0),
    };
    const pending = update.pendingCheckpoint ?? null;
    if (pending === null) {
      removes.push('#pcp', '#pcpSub');
    } else {
      sets.push('#pcp = :pcp', '#pcpSub = :pcpSub');
      values[':pcp'] = { S: pending.sequenceNumber };
      values[':pcpSub'] = n(pending.subSequenceNumber);
    }
    if (update.childShardIds !== undefined && update.childShardIds.length > 0) {
      sets.push('#children = :children');
      names.push('#children');
      values[':children'] = { SS: [...update.childShardIds] };
    }
    return this.#update('checkpoint', leaseKey, {
      update: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      condition: '#counter = :counter AND #owner = :owner',
      names,
      values,
    });
  }

  deleteLease(leaseKey: string, leaseCounter?: number): Promise<boolean> {
    return this.#conditional('delete', () =>
      this.#client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: key(leaseKey),
          ...(leaseCounter === undefined
            ? {}
            : {
                ConditionExpression: '#counter = :counter',
                ExpressionAttributeNames: { '#counter': A.LEASE_COUNTER },
                ExpressionAttributeValues: { ':counter': n(leaseCounter) },
              }),
        }),
      ),
    );
  }

  #update(
    operation: string,
    leaseKey: string,
    spec: { update: string; condition: string; names: readonly NameKey[]; values: Record<string, AttributeValue> },
  ): Promise<boolean> {
    return this.#conditional(operation, () =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(leaseKey),
          UpdateExpression: spec.update,
          ConditionExpression: spec.condition,
          ExpressionAttributeNames: pick(spec.names),
          ExpressionAttributeValues: spec.values,
        }),
      ),
    );
  }

  async #conditional(operation: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.#call(operation, send, true);
      return true;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  async #call<T>(operation: string, send: () => Promise<T>, passConditionFailures = false): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (passConditionFailures && isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      throw new LeaseTableError(this.tableName, operation, { cause: error, retriable: isRetriableAwsError(error) });
    }
  }

  async #describe(): Promise<TableDescription | undefined> {
    try {
      const out = await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return out.Table;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw new LeaseTableError(this.tableName, 'describe', { cause: error, retriable: isRetriableAwsError(error) });
    }
  }

  async #create(): Promise<TableDescription> {
    const o = this.#options;
    try {
      const out = await this.#client.send(
        new CreateTableCommand({
          TableName: this.tableName,
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
      );
      this.#logger.info({ billingMode: o.billingMode }, 'created lease table');
      if (out.TableDescription === undefined) throw new Error('CreateTable returned no TableDescription');
      return out.TableDescription;
    } catch (error) {
      // Another worker created it first: use theirs.
      if (isAwsError(error, 'ResourceInUseException')) {
        const table = await this.#describe();
        if (table !== undefined) return table;
      }
      throw new LeaseTableError(this.tableName, 'create table', {
        cause: error,
        retriable: isRetriableAwsError(error),
      });
    }
  }

  async #waitActive(): Promise<void> {
    const deadline = Date.now() + this.#options.tableActiveTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const table = await this.#describe();
      if (table?.TableStatus === 'ACTIVE') return;
      if (Date.now() > deadline) {
        throw new LeaseTableError(this.tableName, `wait for ACTIVE (still ${table?.TableStatus ?? 'missing'})`, {
          retriable: true,
        });
      }
      await sleep(Math.min(1_000, 50 * 2 ** attempt));
    }
  }

  #checkKeySchema(table: TableDescription): void {
    const keys = table.KeySchema ?? [];
    const hash = keys[0];
    if (keys.length !== 1 || hash?.AttributeName !== A.LEASE_KEY || hash.KeyType !== 'HASH') {
      const found = keys.map((k) => `${k.AttributeName}:${k.KeyType}`).join(', ');
      throw new LeaseTableMismatchError(this.tableName, `key schema is [${found}], expected [leaseKey:HASH]`);
    }
    const type = table.AttributeDefinitions?.find((d) => d.AttributeName === A.LEASE_KEY)?.AttributeType;
    if (type !== 'S') {
      throw new LeaseTableMismatchError(this.tableName, `leaseKey has type ${type}, expected S`);
    }
  }

  // One small Scan page: lease items (or KCL 3.5 metadata entities) only. Costs one request per start.
  async #checkItems(): Promise<void> {
    const page = await this.#call('scan', () =>
      this.#client.send(new ScanCommand({ TableName: this.tableName, Limit: 25 })),
    );
    for (const item of page.Items ?? []) {
      if (isLeaseItem(item) && !hasLeaseAttributes(item)) {
        const keyValue = item[A.LEASE_KEY]?.S ?? '?';
        throw new LeaseTableMismatchError(
          this.tableName,
          `item ${JSON.stringify(keyValue)} has no leaseCounter/checkpoint attributes`,
        );
      }
    }
  }
}

// AWS SDK errors are identified by name (the SDK's own advice): a proxy or injected fault may not be the class.
function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function key(leaseKey: string): Record<string, AttributeValue> {
  return { [A.LEASE_KEY]: { S: leaseKey } };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function pick(names: readonly NameKey[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = NAMES[name];
  return out;
}

const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'LimitExceededException',
]);

/** Throttling, 5xx, timeouts and dropped connections are worth retrying; validation and missing tables are not. */
export function isRetriableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.$retryable !== undefined) return true;
  if (typeof e.name === 'string' && RETRIABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
