import type { DynamoDBClient, Tag } from '@aws-sdk/client-dynamodb';
import {
  type Clock,
  InvalidOptionError,
  type Logger,
  rejectUnknownOptions,
  silentLogger,
  systemClock,
} from '@kinesis-kit/commons';

/** How the lease table is billed when kinesis-kit creates it. */
export const LeaseTableBillingMode = {
  PAY_PER_REQUEST: 'PAY_PER_REQUEST',
  PROVISIONED: 'PROVISIONED',
} as const;
export type LeaseTableBillingMode = (typeof LeaseTableBillingMode)[keyof typeof LeaseTableBillingMode];

export interface DynamoDBLeaseTableOptions {
  dynamoDbClient: DynamoDBClient;
  /** The table; the KCL names it after the application (`applicationName`). */
  tableName: string;
  /** Create the table when it does not exist. @default true */
  createIfMissing?: boolean;
  /** @default 'PAY_PER_REQUEST' (on-demand, as the KCL 2.x/3.x default) */
  billingMode?: LeaseTableBillingMode;
  /** Provisioned read capacity (PROVISIONED only). @default 10 */
  readCapacityUnits?: number;
  /** Provisioned write capacity (PROVISIONED only). @default 10 */
  writeCapacityUnits?: number;
  /** @default false */
  deletionProtection?: boolean;
  /** Tags for a created table. @default [] */
  tags?: readonly Tag[];
  /** How long to wait for a created (or CREATING) table to become ACTIVE. @default 120_000 */
  tableActiveTimeoutMs?: number;
  /**
   * Each request is aborted (and fails retriably) after this long: a hung connection must not hold a lease's
   * writes — or `stop()` — beyond the lease's own expiry. @default 5000
   */
  requestTimeoutMs?: number;
  /**
   * The most requests in flight at once (renewals of a thousand leases, parallel scans): beyond the SDK client's
   * sockets they would only queue there (and make it warn). Queued requests start their timeout when sent.
   * @default 32
   */
  maxConcurrentRequests?: number;
  /**
   * The most parallel segments of one scan: a table whose scan took several 1 MB pages is read in that many segments
   * at once next time (up to this). @default 8
   */
  maxScanSegments?: number;
  /** @default silentLogger() */
  logger?: Logger;
  /** @default systemClock */
  clock?: Clock;
}

export type ResolvedDynamoDBLeaseTableOptions = Readonly<
  Required<Omit<DynamoDBLeaseTableOptions, 'tags'>> & { tags: readonly Tag[] }
>;

export const DEFAULT_DYNAMODB_LEASE_TABLE_OPTIONS = Object.freeze({
  createIfMissing: true,
  billingMode: LeaseTableBillingMode.PAY_PER_REQUEST,
  readCapacityUnits: 10,
  writeCapacityUnits: 10,
  deletionProtection: false,
  tags: Object.freeze([]) as readonly Tag[],
  tableActiveTimeoutMs: 120_000,
  requestTimeoutMs: 5_000,
  maxConcurrentRequests: 32,
  maxScanSegments: 8,
});

const LEASE_TABLE_OPTION_KEYS = Object.keys({
  dynamoDbClient: true,
  tableName: true,
  createIfMissing: true,
  billingMode: true,
  readCapacityUnits: true,
  writeCapacityUnits: true,
  deletionProtection: true,
  tags: true,
  tableActiveTimeoutMs: true,
  requestTimeoutMs: true,
  maxConcurrentRequests: true,
  maxScanSegments: true,
  logger: true,
  clock: true,
} satisfies Record<keyof DynamoDBLeaseTableOptions, true>);

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export function resolveDynamoDBLeaseTableOptions(
  options: DynamoDBLeaseTableOptions,
): ResolvedDynamoDBLeaseTableOptions {
  rejectUnknownOptions(options, LEASE_TABLE_OPTION_KEYS);
  const resolved = {
    ...DEFAULT_DYNAMODB_LEASE_TABLE_OPTIONS,
    clock: systemClock,
    ...options,
    logger: options.logger ?? silentLogger(),
  };
  if (typeof resolved.dynamoDbClient?.send !== 'function') {
    throw new InvalidOptionError('dynamoDbClient', 'a DynamoDBClient', resolved.dynamoDbClient);
  }
  if (typeof resolved.tableName !== 'string' || !TABLE_NAME.test(resolved.tableName)) {
    throw new InvalidOptionError('tableName', 'a DynamoDB table name (3-255 of [a-zA-Z0-9_.-])', resolved.tableName);
  }
  if (!Object.values(LeaseTableBillingMode).includes(resolved.billingMode)) {
    throw new InvalidOptionError('billingMode', "'PAY_PER_REQUEST' or 'PROVISIONED'", resolved.billingMode);
  }
  for (const key of [
    'readCapacityUnits',
    'writeCapacityUnits',
    'tableActiveTimeoutMs',
    'requestTimeoutMs',
    'maxConcurrentRequests',
    'maxScanSegments',
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(key, 'a positive integer', value);
  }
  return Object.freeze(resolved);
}
