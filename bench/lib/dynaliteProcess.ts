// dynalite in a child process of its own, for the fleet-scale lease bench: with a thousand leases, one event loop
// cannot carry both the table's work and the fleet's (renewals alone are ~200 requests/s at 1,024 leases), so the
// table gets its own, as a real DynamoDB endpoint would be. Same clients as @kinesis-kit/testing hands out.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface DynaliteProcess {
  readonly endpoint: string;
  readonly dynamoDbClient: DynamoDBClient;
  createDynamoDbClient(overrides?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynaliteProcess(): Promise<DynaliteProcess> {
  const require = createRequire(new URL('../../packages/testing/package.json', import.meta.url));
  const dynalitePath = require.resolve('dynalite');
  const script = `const d = require(${JSON.stringify(dynalitePath)})({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
d.listen(0, '127.0.0.1', () => console.log(d.address().port));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const createDynamoDbClient = (overrides: Partial<DynamoDBClientConfig> = {}) => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  return {
    endpoint,
    dynamoDbClient: createDynamoDbClient(),
    createDynamoDbClient,
    async stop() {
      for (const client of clients) client.destroy();
      child.stdin?.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
