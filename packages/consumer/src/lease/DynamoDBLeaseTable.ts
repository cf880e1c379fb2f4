import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isAwsError, isRetriableAwsError, type Logger } from '@kinesis-kit/commons';
import { LeaseTableError } from '../errors.js';
import type { ExtendedSequenceNumber } from '../sequence/ExtendedSequenceNumber.js';
import type { Lease } from './Lease.js';
import type { CheckpointUpdate, LeaseTable } from './LeaseTable.js';
import { fromLeaseItem, LeaseAttribute, toLeaseItem } from './leaseSerializer.js';
import {
  type DynamoDBLeaseTableOptions,
  type ResolvedDynamoDBLeaseTableOptions,
  resolveDynamoDBLeaseTableOptions,
} from './leaseTableOptions.js';
import { prepareLeaseTable } from './prepareLeaseTable.js';
import { withRequestTimeout } from './requestTimeout.js';

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
  '#pcpState': A.PENDING_CHECKPOINT_STATE,
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
    await prepareLeaseTable(this.#options, this.#logger);
    this.#initialized = true;
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#call('scan', (abortSignal) =>
        this.#client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }), { abortSignal }),
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
    const out = await this.#call('get', (abortSignal) =>
      this.#client.send(new GetItemCommand({ TableName: this.tableName, Key: key(leaseKey), ConsistentRead: true }), {
        abortSignal,
      }),
    );
    return out.Item === undefined ? undefined : fromLeaseItem(out.Item);
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    return this.#conditional('create', (abortSignal) =>
      this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toLeaseItem(lease),
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': A.LEASE_KEY },
        }),
        { abortSignal },
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
    const ok = await this.#conditional('take', async (abortSignal) => {
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
        { abortSignal },
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
    const removes: string[] = ['#pcpState'];
    const names: NameKey[] = ['#counter', '#owner', '#cp', '#cpSub', '#switches', '#pcp', '#pcpSub', '#pcpState'];
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
      update: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      condition: '#counter = :counter AND #owner = :owner',
      names,
      values,
    });
  }

  updatePendingCheckpoint(
    leaseKey: string,
    owner: string,
    leaseCounter: number,
    pendingCheckpoint: ExtendedSequenceNumber,
  ): Promise<boolean> {
    return this.#update('prepare checkpoint', leaseKey, {
      update: 'SET #counter = :next, #pcp = :pcp, #pcpSub = :pcpSub',
      condition: '#counter = :counter AND #owner = :owner',
      names: ['#counter', '#owner', '#pcp', '#pcpSub'],
      values: {
        ':next': n(leaseCounter + 1),
        ':counter': n(leaseCounter),
        ':owner': { S: owner },
        ':pcp': { S: pendingCheckpoint.sequenceNumber },
        ':pcpSub': n(pendingCheckpoint.subSequenceNumber),
      },
    });
  }

  deleteLease(leaseKey: string, leaseCounter?: number): Promise<boolean> {
    return this.#conditional('delete', (abortSignal) =>
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
        { abortSignal },
      ),
    );
  }

  #update(
    operation: string,
    leaseKey: string,
    spec: { update: string; condition: string; names: readonly NameKey[]; values: Record<string, AttributeValue> },
  ): Promise<boolean> {
    return this.#conditional(operation, (abortSignal) =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(leaseKey),
          UpdateExpression: spec.update,
          ConditionExpression: spec.condition,
          ExpressionAttributeNames: pick(spec.names),
          ExpressionAttributeValues: spec.values,
        }),
        { abortSignal },
      ),
    );
  }

  async #conditional(operation: string, send: (abortSignal: AbortSignal) => Promise<unknown>): Promise<boolean> {
    try {
      await this.#call(operation, send, true);
      return true;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  /**
   * One request, aborted after `requestTimeoutMs` (a hung connection must not block a lease's write chain or
   * `stop()`; the abort is retriable, and the write may still have landed — the renewer recognises that).
   */
  async #call<T>(
    operation: string,
    send: (abortSignal: AbortSignal) => Promise<T>,
    passConditionFailures = false,
  ): Promise<T> {
    try {
      return await withRequestTimeout(this.#options.clock, this.#options.requestTimeoutMs, operation, send);
    } catch (error) {
      if (passConditionFailures && isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      throw new LeaseTableError(this.tableName, operation, { cause: error, retriable: isRetriableAwsError(error) });
    }
  }
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
