import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type CallContext, HarnessError, type SimService, timeoutError } from '../network/callFate.js';
import type { Random } from '../world/Random.js';
import type { World } from '../world/World.js';
import type { UpdateAction } from './expressions/ast.js';
import { applyUpdate, evaluateCondition, type Item, Placeholders, validation } from './expressions/evaluate.js';
import { parseCondition, parseUpdate } from './expressions/parse.js';
import { type LeaseStore, type LeaseWriteKind, view } from './LeaseStore.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const OWNER = 'leaseOwner';

const ALLOWED_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  Scan: new Set(['TableName', 'ExclusiveStartKey', 'Limit', 'ConsistentRead']),
  GetItem: new Set(['TableName', 'Key', 'ConsistentRead']),
  PutItem: new Set([
    'TableName',
    'Item',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
  ]),
  UpdateItem: new Set([
    'TableName',
    'Key',
    'UpdateExpression',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
    'ReturnValues',
  ]),
  DeleteItem: new Set([
    'TableName',
    'Key',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
  ]),
  DescribeTable: new Set(['TableName']),
  CreateTable: new Set([
    'TableName',
    'KeySchema',
    'AttributeDefinitions',
    'BillingMode',
    'ProvisionedThroughput',
    'DeletionProtectionEnabled',
    'Tags',
  ]),
};

/**
 * Exactly the DynamoDB calls `DynamoDBLeaseTable` and `prepareLeaseTable` make, over a `LeaseStore`: the table
 * is ACTIVE at once; Scans are eventually consistent and paginated; conditions and updates are evaluated by a small
 * interpreter of the expression subset the lease table uses (anything else is a HarnessError). Every applied write
 * is logged with true time for the checker. Placeholders no expression uses are refused, as DynamoDB does.
 */
export class FakeDynamoDB implements SimService {
  readonly name = 'dynamodb' as const;
  readonly store: LeaseStore;
  /** ValidationExceptions the consumer provoked: each would fail against the real service. */
  readonly validationErrors: string[] = [];
  readonly #world: World;
  readonly #random: Random;
  #table: TableDescription | undefined;

  constructor(store: LeaseStore, world: World, random: Random) {
    this.store = store;
    this.#world = world;
    this.#random = random;
  }

  operationOf(command: object): string {
    if (command instanceof ScanCommand) return 'Scan';
    if (command instanceof GetItemCommand) return 'GetItem';
    if (command instanceof PutItemCommand) return 'PutItem';
    if (command instanceof UpdateItemCommand) return 'UpdateItem';
    if (command instanceof DeleteItemCommand) return 'DeleteItem';
    if (command instanceof DescribeTableCommand) return 'DescribeTable';
    if (command instanceof CreateTableCommand) return 'CreateTable';
    throw new HarnessError(`FakeDynamoDB: unsupported command ${command.constructor.name}`);
  }

  handle(command: object, call: CallContext): unknown {
    const op = this.operationOf(command);
    const input = (command as { input: Record<string, unknown> }).input;
    for (const [field, value] of Object.entries(input))
      if (value !== undefined && !ALLOWED_FIELDS[op]!.has(field))
        throw new HarnessError(`FakeDynamoDB: ${op} field ${field} is not modelled`);
    try {
      switch (op) {
        case 'DescribeTable':
          return this.#describe(input.TableName as string);
        case 'CreateTable':
          return this.#create(input as unknown as CreateTableCommandInput);
        case 'Scan':
          return this.#scan(input);
        case 'GetItem':
          return this.#get(input);
        default:
          return this.#write(op, input, call);
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'ValidationException')
        this.validationErrors.push(`${op} by ${call.caller}: ${error.message}`);
      throw error;
    }
  }

  throttlingError(op: string): Error {
    return new ProvisionedThroughputExceededException({
      message: `${op}: throughput exceeded (simulated)`,
      ...meta(400),
    });
  }

  ambiguousError(op: string, serverError: boolean): Error {
    return serverError
      ? new InternalServerError({ message: `${op}: internal server error (simulated)`, ...meta(500) })
      : timeoutError(op);
  }

  #requireTable(name: unknown): TableDescription {
    const table = this.#table;
    if (table === undefined || table.TableName !== name)
      throw new ResourceNotFoundException({
        message: `Requested resource not found: Table: ${String(name)} not found`,
        ...meta(400),
      });
    return table;
  }

  #keyName(): string {
    return this.#table!.KeySchema![0]!.AttributeName!;
  }

  #describe(name: string) {
    return { $metadata: {}, Table: this.#requireTable(name) };
  }

  #create(input: CreateTableCommandInput) {
    if (this.#table !== undefined)
      throw new ResourceInUseException({ message: `Table already exists: ${input.TableName}`, ...meta(400) });
    const keys = input.KeySchema ?? [];
    if (keys.length !== 1 || keys[0]?.KeyType !== 'HASH')
      throw new HarnessError('FakeDynamoDB: only tables with a single hash key are modelled');
    this.#table = {
      TableName: input.TableName,
      TableStatus: 'ACTIVE', // ACTIVE at once: waitActive (which sleeps on real timers) is never reached
      KeySchema: keys,
      AttributeDefinitions: input.AttributeDefinitions,
      CreationDateTime: new Date(),
      BillingModeSummary: { BillingMode: input.BillingMode ?? 'PROVISIONED' },
    };
    return { $metadata: {}, TableDescription: this.#table };
  }

  #scan(input: Record<string, unknown>) {
    this.#requireTable(input.TableName);
    const now = this.#world.now;
    const limit = input.Limit as number | undefined;
    // DynamoDB pages at 1 MB; our tables are tiny, so pages are cut at random sometimes to exercise pagination.
    const cap = limit ?? (this.#random.chance(0.3) ? this.#random.int(1, 4) : Number.POSITIVE_INFINITY);
    const keys = this.store.keysInScanOrder();
    const startKey = (input.ExclusiveStartKey as Item | undefined)?.[this.#keyName()]?.S;
    let i = startKey === undefined ? 0 : keys.indexOf(startKey) + 1;
    const items: Item[] = [];
    for (; i < keys.length && items.length < cap; i++) {
      const item = input.ConsistentRead === true ? this.store.current(keys[i]!) : this.store.eventual(keys[i]!, now);
      if (item !== undefined) items.push(item);
    }
    const last = items[items.length - 1];
    const more = i < keys.length && last !== undefined;
    return {
      $metadata: {},
      Items: items,
      Count: items.length,
      ScannedCount: items.length,
      ...(more ? { LastEvaluatedKey: { [this.#keyName()]: last[this.#keyName()]! } } : {}),
    };
  }

  #get(input: Record<string, unknown>) {
    this.#requireTable(input.TableName);
    const key = this.#keyOf(input.Key as Item);
    const item = input.ConsistentRead === true ? this.store.current(key) : this.store.eventual(key, this.#world.now);
    return { $metadata: {}, ...(item === undefined ? {} : { Item: item }) };
  }

  #keyOf(key: Item | undefined): string {
    const name = this.#keyName();
    const value = key?.[name]?.S;
    if (value === undefined || Object.keys(key ?? {}).length !== 1)
      throw validation('The provided key element does not match the schema');
    return value;
  }

  #write(op: string, input: Record<string, unknown>, call: CallContext) {
    this.#requireTable(input.TableName);
    const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
    const values = input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined;
    const p = new Placeholders(names, values);
    const keyName = this.#keyName();
    const key =
      op === 'PutItem' ? this.#keyOf({ [keyName]: (input.Item as Item)[keyName]! }) : this.#keyOf(input.Key as Item);
    const current = this.store.current(key);
    const condition = input.ConditionExpression as string | undefined;
    const actions = op === 'UpdateItem' ? parseUpdate(input.UpdateExpression as string) : undefined;
    const conditionHolds = condition === undefined ? true : evaluateCondition(parseCondition(condition), current, p);
    let next: Item | undefined;
    if (op === 'PutItem') next = input.Item as Item;
    else if (op === 'DeleteItem') next = undefined;
    else next = applyUpdate(actions!, current, { [keyName]: { S: key } }, p);
    // Placeholders are validated before the condition decides, as DynamoDB does.
    p.checkAllUsed();
    if (!conditionHolds)
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta(400) });
    const kind = classify(op, actions, current, next, call.caller, p);
    this.store.write(
      { t: this.#world.now, o: this.#world.nextOrder(), key, kind, requester: call.caller, call },
      next,
      this.#world.now,
    );
    if (op === 'UpdateItem' && input.ReturnValues === 'ALL_NEW')
      return { $metadata: {}, Attributes: this.store.current(key) };
    if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE')
      throw new HarnessError(`FakeDynamoDB: ReturnValues ${String(input.ReturnValues)} is not modelled`);
    return { $metadata: {} };
  }
}

/** Names the write for the checker from what it changed. */
function classify(
  op: string,
  actions: readonly UpdateAction[] | undefined,
  before: Item | undefined,
  after: Item | undefined,
  requester: string,
  p: Placeholders,
): LeaseWriteKind {
  if (op === 'PutItem') return 'create';
  if (op === 'DeleteItem') return 'delete';
  const b = view(before);
  const a = view(after);
  const sets = new Set((actions ?? []).filter((x) => x.kind === 'set').map((x) => p.attribute(x.path)));
  const removes = new Set((actions ?? []).filter((x) => x.kind === 'remove').map((x) => p.attribute(x.path)));
  if (removes.has(OWNER)) return 'evict';
  if (sets.has(OWNER)) return a?.owner === requester ? 'take' : 'transfer';
  if (a?.checkpoint !== b?.checkpoint || a?.sub !== b?.sub || a?.pending !== b?.pending || sets.has('checkpoint'))
    return 'checkpoint';
  if (sets.has('leaseCounter')) return 'renew';
  return 'handoff';
}
