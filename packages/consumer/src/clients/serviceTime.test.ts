import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Clock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { anchorTime, serviceTime } from './serviceTime.js';

type Handler = (args: object) => Promise<{ response: unknown; output: unknown }>;
type Middleware = (next: Handler, context: object) => Handler;

/** A client whose answers carry the `Date` header the test chooses (or fail, with it on `$response`). */
function fakeClient() {
  const middlewares: Middleware[] = [];
  const client = { middlewareStack: { add: (m: Middleware) => middlewares.push(m) } } as unknown as KinesisClient;
  const answer = (date: string | undefined, fail = false) => {
    const headers = date === undefined ? {} : { date };
    const terminal: Handler = async () => {
      if (fail) throw Object.assign(new Error('throttled'), { $response: { statusCode: 400, headers } });
      return { response: { statusCode: 200, headers }, output: {} };
    };
    return middlewares.reduceRight<Handler>((next, m) => m(next, {}), terminal)({});
  };
  return { client, answer, middlewares };
}

function manualClock() {
  let now = 1_000;
  const clock: Clock = { now: () => now, setTimeout: () => ({ cancel() {} }) };
  return { clock, advance: (ms: number) => (now += ms) };
}

describe('serviceTime', () => {
  it('is the latest Date header plus the monotonic time since, never below an earlier bound', async () => {
    const { client, answer } = fakeClient();
    const { clock, advance } = manualClock();
    const time = serviceTime([client], clock);
    expect(time.lowerBound()).toBeUndefined();

    await answer('Mon, 07 Dec 2026 10:00:00 GMT');
    advance(1_500);
    expect(time.lowerBound()).toBe(Date.parse('2026-12-07T10:00:01.500Z'));
    await answer('Mon, 07 Dec 2026 10:00:01 GMT'); // the same second again: the older bound is tighter
    expect(time.lowerBound()).toBe(Date.parse('2026-12-07T10:00:01.500Z'));
    await expect(answer('Mon, 07 Dec 2026 10:00:05 GMT', true)).rejects.toThrow('throttled'); // errors tell it too
    expect(time.lowerBound()).toBe(Date.parse('2026-12-07T10:00:05Z'));
    await answer('not a date');
    await answer(undefined);
    expect(time.lowerBound()).toBe(Date.parse('2026-12-07T10:00:05Z'));
  });

  it('adds its middleware once per client, and combines several clients by their highest bound', async () => {
    const a = fakeClient();
    const b = fakeClient();
    const { clock } = manualClock();
    serviceTime([a.client], clock);
    const both = serviceTime([a.client, b.client, a.client], clock);
    await a.answer('Mon, 07 Dec 2026 10:00:00 GMT');
    await b.answer('Mon, 07 Dec 2026 10:00:03 GMT');
    expect(a.middlewares).toHaveLength(1);
    expect(both.lowerBound()).toBe(Date.parse('2026-12-07T10:00:03Z'));
  });

  it('anchors at the host wall clock before any answer told the service time', () => {
    const { client } = fakeClient();
    const before = Date.now();
    expect(anchorTime(serviceTime([client], manualClock().clock))).toBeGreaterThanOrEqual(before);
  });
});
