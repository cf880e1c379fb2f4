import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ServerStartError, startLocalAws, startLocalKinesis } from '@kinesis-kit/testing';
import { describe, expect, it } from 'vitest';
import { isPortFree } from '../src/internal/ports.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process state letter from /proc (`T`: stopped), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('startLocalAws', () => {
  it('serves real Kinesis and DynamoDB calls, then leaves no process or port behind', async () => {
    // Prepare
    const aws = await startLocalAws();
    const { kinesis, dynamoDb } = aws;
    const pid = kinesis.pid as number;
    expect(isAlive(pid)).toBe(true);

    // Act: a 4-shard stream, PutRecords and GetRecords
    await kinesis.createStream('testing-s4', 4);
    const shards = (await kinesis.kinesisClient.send(new ListShardsCommand({ StreamName: 'testing-s4' }))).Shards ?? [];
    const put = await kinesis.kinesisClient.send(
      new PutRecordsCommand({
        StreamName: 'testing-s4',
        Records: Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: Buffer.from(`record-${i}`) })),
      }),
    );
    let read = 0;
    for (const shard of shards) {
      const { ShardIterator } = await kinesis.kinesisClient.send(
        new GetShardIteratorCommand({
          StreamName: 'testing-s4',
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      read += (await kinesis.kinesisClient.send(new GetRecordsCommand({ ShardIterator }))).Records?.length ?? 0;
    }
    // ... and a table with a conditional write that must fail the second time
    await dynamoDb.createTable({
      TableName: 'testing-leases',
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const conditionalPut = () =>
      dynamoDb.dynamoDbClient.send(
        new PutItemCommand({
          TableName: 'testing-leases',
          Item: { leaseKey: { S: 'shardId-000000000000' } },
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
      );
    await conditionalPut();
    const second = await conditionalPut().catch((error: Error) => error);
    await aws.stop();

    // Assess
    expect(shards).toHaveLength(4);
    expect(put.FailedRecordCount).toBe(0);
    expect(read).toBe(40);
    expect((second as Error).name).toBe('ConditionalCheckFailedException');
    expect(isAlive(pid)).toBe(false);
    expect(await isPortFree(kinesis.port)).toBe(true);
    expect(await isPortFree(dynamoDb.port)).toBe(true);
  });

  it('leaves no server behind when the test process is killed with SIGKILL', async () => {
    // Prepare: a child process that starts the servers, prints the pid and port, then hangs
    const child = spawn(process.execPath, ['--input-type=module', '-e', FIXTURE], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env },
    });
    const info = await new Promise<{ pid: number; port: number; dynamoPort: number }>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
    expect(isAlive(info.pid)).toBe(true);

    // Act
    child.kill('SIGKILL');

    // Assess
    expect(await eventually(() => !isAlive(info.pid))).toBe(true);
    expect(await eventually(() => isPortFree(info.port))).toBe(true);
    expect(await eventually(() => isPortFree(info.dynamoPort))).toBe(true);
  });

  it('fails with a typed error carrying the server output when the server is not ready in time', async () => {
    const error = await startLocalKinesis({ startTimeoutMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).server).toBe('kinesis-local');
  });

  it('slows a server down on purpose (SIGSTOP/SIGCONT cycle): calls wait out the pauses, stop() still works', async () => {
    const kinesis = await startLocalKinesis({ slowdown: { pausedMs: 1_500, runningMs: 100 } });
    const pid = kinesis.pid as number;
    let slowest = 0;
    // The server runs 100 ms in every 1.6 s, so within a few calls one lands in a pause (a lower bound: load can
    // only make it longer).
    for (let i = 0; i < 20 && slowest < 1_000; i++) {
      const at = performance.now();
      await kinesis.kinesisClient.send(new ListStreamsCommand({}));
      slowest = Math.max(slowest, performance.now() - at);
    }
    await kinesis.stop();
    expect(slowest).toBeGreaterThanOrEqual(1_000);
    expect(isAlive(pid)).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self/stat'))(
    'leaves no slowed server behind when the test process is killed while the server is stopped',
    async () => {
      // The server is stopped for a minute 300 ms after it is up: it cannot see its stdin pipe close, so the pacer
      // must continue it when the test process dies.
      const child = spawn(process.execPath, ['--input-type=module', '-e', FIXTURE], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, KINESIS_KIT_SLOW_SERVER: '60000/300' },
      });
      const info = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const line = text.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line));
        });
        child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
      });
      while (processState(info.pid) !== 'T') await new Promise((r) => setTimeout(r, 20));

      child.kill('SIGKILL');

      expect(await eventually(() => !isAlive(info.pid))).toBe(true);
      expect(await eventually(() => isPortFree(info.port))).toBe(true);
    },
  );

  it('runs kinesalite as the optional fast engine', async () => {
    const kinesis = await startLocalKinesis({ engine: 'kinesalite' });
    try {
      await kinesis.createStream('fast', 2);
      const put = await kinesis.kinesisClient.send(
        new PutRecordsCommand({ StreamName: 'fast', Records: [{ PartitionKey: 'a', Data: Buffer.from('x') }] }),
      );
      expect(put.FailedRecordCount).toBe(0);
    } finally {
      await kinesis.stop();
    }
    expect(await isPortFree(kinesis.port)).toBe(true);
  });
});

const FIXTURE = `
import { startLocalAws } from '@kinesis-kit/testing';
const aws = await startLocalAws();
console.log(JSON.stringify({ pid: aws.kinesis.pid, port: aws.kinesis.port, dynamoPort: aws.dynamoDb.port }));
setInterval(() => {}, 1000);
`;
