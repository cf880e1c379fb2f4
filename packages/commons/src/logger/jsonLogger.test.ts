import { hostname } from 'node:os';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KinesisKitError } from '../errors.js';
import { jsonLogger } from './jsonLogger.js';
import { silentLogger } from './silentLogger.js';

function lines(): { destination: { write(line: string): void }; parsed: () => Record<string, unknown>[] } {
  const out: string[] = [];
  return {
    destination: { write: (line: string) => void out.push(line) },
    parsed: () => out.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('jsonLogger', () => {
  it('writes pino lines: level number, time, pid, hostname, bindings, fields, msg — in that order', () => {
    // Prepare
    const { destination, parsed } = lines();
    const logger = jsonLogger({ level: 'warn', destination }).child({ component: 'ShardRunner', shardId: 's-1' });

    // Act
    logger.warn({ attempt: 2, action: 'retry' }, 'processor threw');
    logger.info('not written: below warn');
    logger.error('plain message');

    // Assess
    const [first, second] = parsed();
    expect(parsed()).toHaveLength(2);
    expect(Object.keys(first!)).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'component',
      'shardId',
      'attempt',
      'action',
      'msg',
    ]);
    expect(first).toMatchObject({ level: 40, pid: process.pid, hostname: hostname(), msg: 'processor threw' });
    expect(second).toMatchObject({ level: 50, component: 'ShardRunner', msg: 'plain message' });
  });

  it('serializes `err` as pino does: type, message and stack with causes, enumerable fields', () => {
    // Prepare
    const { destination, parsed } = lines();
    const cause = new Error('socket hang up');
    const error = new KinesisKitError('PutRecords failed', { cause, retriable: true });

    // Act
    jsonLogger({ destination }).error({ err: error }, 'failed');
    jsonLogger({ destination }).error(new Error('thrown as is') as unknown as Record<string, unknown>);

    // Assess
    const [line, bare] = parsed();
    const err = line!.err as Record<string, unknown>;
    expect(err.type).toBe('KinesisKitError');
    expect(err.message).toBe('PutRecords failed: socket hang up');
    expect(err.stack).toContain('caused by: Error: socket hang up');
    expect(err.retriable).toBe(true);
    expect(bare).toMatchObject({ msg: 'thrown as is', err: { type: 'Error', message: 'thrown as is' } });
  });

  it('matches what pino writes for the same call (but for time)', () => {
    // Prepare
    const ours = lines();
    const theirs: string[] = [];
    const error = new KinesisKitError('boom', { cause: new Error('root') });
    const pinoLogger = pino({ level: 'warn' }, { write: (line: string) => void theirs.push(line) }).child({ c: 1 });

    // Act
    jsonLogger({ level: 'warn', destination: ours.destination }).child({ c: 1 }).warn({ err: error, n: 2 }, 'm');
    pinoLogger.warn({ err: error, n: 2 }, 'm');

    // Assess
    const withoutTime = (line: Record<string, unknown>) => ({ ...line, time: 0 });
    expect(withoutTime(ours.parsed()[0]!)).toEqual(withoutTime(JSON.parse(theirs[0]!) as Record<string, unknown>));
  });

  it('never throws on cycles, bigints or byte arrays, and prints no bytes', () => {
    // Prepare
    const { destination, parsed } = lines();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;

    // Act
    jsonLogger({ destination }).warn({ cyclic, big: 10n ** 30n, bytes: new Uint8Array(10_000) }, 'odd fields');

    // Assess
    expect(parsed()[0]).toMatchObject({
      cyclic: { a: 1, self: '[Circular]' },
      big: '1000000000000000000000000000000',
      bytes: '[Uint8Array 10000 bytes]',
    });
  });

  it('takes its level from KINESIS_KIT_LOG_LEVEL when no level is given', () => {
    // Prepare
    const { destination, parsed } = lines();
    const previous = process.env.KINESIS_KIT_LOG_LEVEL;
    process.env.KINESIS_KIT_LOG_LEVEL = 'debug';
    try {
      // Act
      jsonLogger({ destination }).debug('shown');
    } finally {
      if (previous === undefined) delete process.env.KINESIS_KIT_LOG_LEVEL;
      else process.env.KINESIS_KIT_LOG_LEVEL = previous;
    }

    // Assess
    expect(parsed()).toMatchObject([{ level: 20, msg: 'shown' }]);
  });

  it('silentLogger prints nothing at any level', () => {
    const logger = silentLogger().child({ a: 1 });
    for (const method of ['error', 'warn', 'info', 'debug', 'trace'] as const)
      expect(logger[method]('x')).toBeUndefined();
  });
});
