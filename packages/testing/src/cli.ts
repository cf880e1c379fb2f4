#!/usr/bin/env node
// kinesis-kit-local: a local Kinesis (kinesis-local) and DynamoDB (dynalite) in the foreground, for trying an app
// without an AWS account. It prints the environment variables that point the AWS SDK — and kinesis-kit's default
// clients — at them, and stops both servers on Ctrl-C. docs/getting-started.md starts here.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
import { startLocalAws } from './startLocalAws.js';

const USAGE = `Usage: kinesis-kit-local [--stream NAME[:SHARDS]]… [--kinesis-port N] [--dynamodb-port N] [--save-env PATH]

Starts kinesis-local and dynalite on 127.0.0.1 until Ctrl-C, and prints the environment variables that point
the AWS SDK at them (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, dummy credentials).

  --stream NAME[:SHARDS]  create a stream (1 shard unless given); repeat for more
  --kinesis-port N        default 4568 (kinesis-mock's); 0 takes a free port
  --dynamodb-port N       default 8000 (DynamoDB Local's); 0 takes a free port
  --save-env PATH         also write the variables to PATH, one NAME=value a line (node --env-file=PATH)`;

function fail(message: string): never {
  process.stderr.write(`kinesis-kit-local: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) fail(`${flag} must be a port number, got ${value}`);
  return n;
}

function streams(values: readonly string[]): { name: string; shards: number }[] {
  return values.map((value) => {
    const match = /^([a-zA-Z0-9_.-]{1,128})(?::(\d+))?$/.exec(value);
    if (match === null) fail(`--stream takes NAME or NAME:SHARDS, got ${value}`);
    const shards = match[2] === undefined ? 1 : Number(match[2]);
    if (shards < 1) fail(`--stream ${value}: at least one shard`);
    return { name: match[1] as string, shards };
  });
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const wanted = streams(args.values.stream ?? []);
  // This process's own clients only talk to the servers it starts: the SDK's Node.js support notice is for apps.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const aws = await startLocalAws({
    kinesis: { port: port(args.values['kinesis-port'], 4568, '--kinesis-port') },
    dynamoDb: { port: port(args.values['dynamodb-port'], 8000, '--dynamodb-port') },
  });
  // Both servers are unref'd (made for tests): this handle keeps the process up until a signal.
  const alive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void aws.stop().then(() => {
      clearInterval(alive);
      process.stdout.write('stopped\n');
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const { name, shards } of wanted) await aws.kinesis.createStream(name, shards);

  const env = {
    AWS_ENDPOINT_URL_KINESIS: aws.kinesis.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: aws.dynamoDb.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  if (args.values['save-env'] !== undefined)
    writeFileSync(
      args.values['save-env'],
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
  const created = wanted.map(({ name, shards }) => `${name} (${shards} shard${shards === 1 ? '' : 's'})`);
  process.stdout.write(
    [
      `Kinesis (kinesis-local) on ${aws.kinesis.endpoint}${created.length > 0 ? `, streams: ${created.join(', ')}` : ''}`,
      `DynamoDB (dynalite) on ${aws.dynamoDb.endpoint}`,
      '',
      'Point the AWS SDK at them (in another shell):',
      '',
      `export ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      '',
      'Ctrl-C stops both servers; nothing is kept.',
      '',
    ].join('\n'),
  );
}

function parse() {
  return parseArgs({
    options: {
      stream: { type: 'string', multiple: true },
      'kinesis-port': { type: 'string' },
      'dynamodb-port': { type: 'string' },
      'save-env': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`kinesis-kit-local: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
