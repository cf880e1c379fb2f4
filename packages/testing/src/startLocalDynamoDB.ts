import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { InvalidOptionError, rejectUnknownOptions } from '@kinesis-kit/commons';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
import { ServerStartError } from './errors.js';
import { requireDependency } from './internal/resolvePackage.js';
import { waitFor } from './internal/waitFor.js';

export interface LocalDynamoDBOptions {
  /** Delay before a created table (and its indexes) is ACTIVE. dynalite's own default is 500. @default 0 */
  createTableDelayMs?: number;
  /** Delay before a deleted table is gone. @default 0 */
  deleteTableDelayMs?: number;
  /** Delay before an updated table is ACTIVE again. @default 0 */
  updateTableDelayMs?: number;
  /** The port on 127.0.0.1 to listen on; `0` takes a free one. @default 0 */
  port?: number;
}

export const DEFAULT_LOCAL_DYNAMODB_OPTIONS: Readonly<Required<LocalDynamoDBOptions>> = Object.freeze({
  createTableDelayMs: 0,
  deleteTableDelayMs: 0,
  updateTableDelayMs: 0,
  port: 0,
});

/** A running in-memory dynalite server (in this process: it starts in ~50 ms). */
export interface LocalDynamoDB {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly credentials: typeof LOCAL_CREDENTIALS;
  /** A ready client. Shared: build your own with `createDynamoDbClient` to add middleware. */
  readonly dynamoDbClient: DynamoDBClient;
  createDynamoDbClient(overrides?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** Creates a table and waits until it is ACTIVE. */
  createTable(input: CreateTableCommandInput): Promise<void>;
  stop(): Promise<void>;
}

interface DynaliteServer extends http.Server {}
type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => DynaliteServer;

/** Starts dynalite (in memory) on a free loopback port, ready to answer API calls. */
export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  rejectUnknownOptions(options, Object.keys(DEFAULT_LOCAL_DYNAMODB_OPTIONS));
  const resolved = { ...DEFAULT_LOCAL_DYNAMODB_OPTIONS, ...options };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0) throw new InvalidOptionError(key, 'a non-negative integer', value);
  }
  if (resolved.port > 65_535) throw new InvalidOptionError('port', 'a port number (0 for a free one)', resolved.port);
  const dynalite = requireDependency<Dynalite>('dynalite');
  const server = dynalite({
    createTableMs: resolved.createTableDelayMs,
    deleteTableMs: resolved.deleteTableDelayMs,
    updateTableMs: resolved.updateTableDelayMs,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    throw new ServerStartError('dynalite', String(error), '', error);
  }
  // Tests often forget keep-alive sockets; the server must not hold the process open on its own.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const createDynamoDbClient = (overrides: Partial<DynamoDBClientConfig> = {}) => {
    const client = new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: { ...LOCAL_CREDENTIALS },
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const dynamoDbClient = createDynamoDbClient();
  const stop = async () => {
    for (const client of clients) client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await dynamoDbClient.send(new ListTablesCommand({}));
  } catch (error) {
    await stop();
    throw new ServerStartError('dynalite', `did not answer ListTables: ${String(error)}`, '', error);
  }

  return {
    endpoint,
    port,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    dynamoDbClient,
    createDynamoDbClient,
    async createTable(input) {
      await dynamoDbClient.send(new CreateTableCommand(input));
      const active = await waitFor(
        async () => {
          const { Table } = await dynamoDbClient.send(new DescribeTableCommand({ TableName: input.TableName }));
          return Table?.TableStatus === 'ACTIVE';
        },
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      if (!active) throw new Error(`table ${input.TableName} not ACTIVE after 30 s`);
    },
    stop,
  };
}
