import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { jsonLogger, KinesisKitError } from '@kinesis-kit/commons';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KinesisProducer, PutRecordError, RecordRejectedError, ValidationError } from '../src/index.js';

// A recognizable 10 KB payload and partition key: none of it may appear in any serialization of an error.
const KEY = 'customer-SECRET-KEY-4242';
const DATA = `PAYLOAD-${'x'.repeat(10_240 - 18)}-END-OF-IT`;
const record = { partitionKey: KEY, data: DATA };

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function consoleErrorOutput(value: unknown): string {
  const { stream, text } = collector();
  new Console({ stdout: stream, stderr: stream }).error(value);
  return text();
}

function pinoOutput(value: unknown): string {
  const { stream, text } = collector();
  pino({}, stream).error({ err: value }, 'put failed');
  return text();
}

function ourLoggerOutput(value: unknown): string {
  const { stream, text } = collector();
  jsonLogger({ destination: stream }).error({ err: value }, 'put failed');
  return text();
}

/** Every way an application commonly prints an error. */
function serializations(error: unknown): Record<string, string> {
  return {
    'JSON.stringify': JSON.stringify(error),
    'console.error': consoleErrorOutput(error),
    'util.inspect': inspect(error, { depth: 10 }),
    'pino err serializer': pinoOutput(error),
    'default logger': ourLoggerOutput(error),
  };
}

function expectNoRecordContents(error: unknown): void {
  for (const [how, text] of Object.entries(serializations(error))) {
    expect(text.includes('PAYLOAD-'), `${how} printed the data`).toBe(false);
    expect(text.includes('END-OF-IT'), `${how} printed the data`).toBe(false);
    expect(text.includes(KEY), `${how} printed the partition key`).toBe(false);
    expect(text.length, `${how} is ${text.length} chars`).toBeLessThan(6_000);
    // What they show instead: the sizes.
    expect(text, how).toContain('10240');
    expect(text, how).toMatch(/partitionKeyLength\W+24/);
  }
}

const attempts = [
  { startedAt: 1, durationMs: 12, success: false, errorCode: 'AccessDeniedException', errorMessage: 'not allowed' },
];

describe('errors never serialize the record they carry', () => {
  it('PutRecordError subclasses: the record stays reachable for code, sizes only when printed', () => {
    // Prepare
    const error = new RecordRejectedError('AccessDeniedException: not allowed', record, attempts, {
      errorCode: 'AccessDeniedException',
      cause: new Error('AccessDeniedException'),
    });

    // Assess
    expect(error.record).toBe(record);
    expect(error.recordSummary).toEqual({ partitionKeyLength: 24, dataBytes: 10_240 });
    expectNoRecordContents(error);
    // attempts and the error code still show: they are what an operator needs.
    expect(JSON.stringify(error)).toContain('AccessDeniedException');
    expect(pinoOutput(error)).toContain('"durationMs":12');
  });

  it('a ValidationError from a real put()', async () => {
    // Prepare
    const producer = new KinesisProducer({ streamName: 'never-used', maxRecordBytes: 5_000 });

    // Act
    const error = await producer.put(record).catch((e: unknown) => e);
    await producer.close();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).record).toBe(record);
    expectNoRecordContents(error);
  });

  it('through the cause chain: an error whose cause (or cause of a cause) carries a record', () => {
    // Prepare
    const inner = new RecordRejectedError('rejected', record, attempts, { errorCode: 'AccessDeniedException' });
    const middle = new PutRecordError('retried and failed', record, attempts, { cause: inner });
    const outer = new KinesisKitError('dead-lettering failed', { cause: middle });

    // Assess
    for (const [how, text] of Object.entries(serializations(outer))) {
      expect(text.includes('PAYLOAD-'), how).toBe(false);
      expect(text.includes(KEY), how).toBe(false);
      expect(text, how).toContain('rejected');
    }
  });
});
