// Helpers of the enhanced fan-out tests: a subscription interrupter (stall or reset after N events, on a real
// client's real event stream) and a fetcher drain loop.
import type { KinesisClient, SubscribeToShardEventStream } from '@aws-sdk/client-kinesis';
import type { ConsumerRecord } from '@kinesis-kit/consumer';
import type { RecordsFetcher } from '../src/fetch/RecordsFetcher.js';

/** What happens to the n-th subscription (1-based) after `afterEvents` events. */
export interface Interruption {
  subscription: number;
  afterEvents: number;
  action: 'stall' | 'reset';
}

type Output = { EventStream?: AsyncIterable<SubscribeToShardEventStream> };
type Next = (args: unknown) => Promise<{ output: Output; response: unknown }>;

/**
 * Installs a middleware that, for the listed subscriptions, passes `afterEvents` real events on and then either
 * goes silent (the server keeps streaming; the client just never sees another event: a stalled subscription) or
 * fails like a dropped connection (ECONNRESET). Returns the number of subscriptions seen so far.
 */
export function interruptSubscriptions(client: KinesisClient, plan: readonly Interruption[]): () => number {
  let subscriptions = 0;
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: Next, context: { commandName?: string }) => Next, options: object): void;
  };
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SubscribeToShardCommand') return next(args);
      const n = ++subscriptions;
      const result = await next(args);
      const rule = plan.find((p) => p.subscription === n);
      const source = result.output.EventStream;
      if (rule === undefined || source === undefined) return result;
      result.output.EventStream = interrupt(source, rule);
      return result;
    },
    { step: 'initialize', name: `fanoutInterrupter${Math.random()}`, priority: 'high' },
  );
  return () => subscriptions;
}

async function* interrupt(
  source: AsyncIterable<SubscribeToShardEventStream>,
  rule: Interruption,
): AsyncGenerator<SubscribeToShardEventStream> {
  let seen = 0;
  for await (const event of source) {
    if (seen >= rule.afterEvents) {
      if (rule.action === 'reset')
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'Error' });
      await new Promise<never>(() => {}); // silent from now on
    }
    seen++;
    yield event;
  }
}

/** Calls `next()` until `count` records arrived or `timeoutMs` passed; returns them (and the events seen). */
export async function drain(
  fetcher: RecordsFetcher,
  count: number,
  timeoutMs: number,
): Promise<{ records: ConsumerRecord[]; events: number; shardEnded: boolean }> {
  const records: ConsumerRecord[] = [];
  let events = 0;
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    const result = await Promise.race([
      fetcher.next(),
      new Promise<undefined>((r) => setTimeout(r, Math.max(1, deadline - Date.now()))),
    ]);
    if (result === undefined) break;
    events++;
    records.push(...result.records);
    if (result.shardEnded) return { records, events, shardEnded: true };
  }
  return { records, events, shardEnded: false };
}
