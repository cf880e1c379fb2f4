import type { Clock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import type { ShardSource } from '../shardSync/ShardSource.js';
import { LeaseLoops } from './LeaseLoops.js';
import type { LeaseTable } from './LeaseTable.js';
import type { TakeResult } from './LeaseTaker.js';
import { resolveLeaseCoordinatorOptions } from './leaseCoordinatorOptions.js';

/** A clock whose timers fire only when the test says, and which records every delay asked for. */
function manualClock() {
  const timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout(callback, ms) {
      const timer = { ms, fire: callback, cancelled: false };
      timers.push(timer);
      return {
        cancel() {
          timer.cancelled = true;
        },
      };
    },
  };
  return { clock, timers };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LeaseLoops shard sync', () => {
  it('retries a failed shard sync after a backoff, not a whole shardSyncIntervalMs', async () => {
    // Prepare: a coordinator's loops with only the sync loop doing anything; the first two syncs fail.
    const { clock, timers } = manualClock();
    const options = resolveLeaseCoordinatorOptions({
      leaseTable: { listLeases: async () => [] } as unknown as LeaseTable,
      workerId: 'w1',
      shardSyncer: {} as ShardSource,
      shardSyncIntervalMs: 60_000,
      clock,
      random: () => 0.5,
    });
    let syncs = 0;
    const loops = new LeaseLoops({
      options,
      logger: options.logger,
      running: () => true,
      leaving: () => false,
      lastTake: () => undefined as TakeResult | undefined,
      renew: async () => ({ renewed: [], failed: [] }) as never,
      take: async () => ({}) as never,
      sync: async () => {
        syncs++;
        if (syncs <= 2) throw new Error('ListShards throttled');
        return { shardCount: 1, created: [], removed: [] };
      },
      refreshStreams: async () => undefined,
      report: async () => undefined,
      reportDelayMs: () => 123_456,
      onError: () => undefined,
    });
    loops.start();
    const syncTimer = () => timers.filter((t) => !t.cancelled).at(-1);
    const delays: number[] = [];
    const first = timers[2]; // renew, take, sync, presence: scheduled in that order

    // Act: run the sync step three times (fail, fail, succeed), each time on the timer it scheduled.
    first?.fire();
    for (let i = 0; i < 3; i++) {
      await settle();
      const next = syncTimer();
      delays.push(next?.ms ?? -1);
      if (i < 2) next?.fire();
    }
    loops.cancel();

    // Assess: 1 s and 2 s caps (half of each with random 0.5), then the normal period again.
    expect(first?.ms).toBe(60_000); // the period, jittered by ±10 % (none with random 0.5)
    expect(syncs).toBe(3);
    expect(delays.slice(0, 2)).toEqual([500, 1_000]);
    expect(delays[2]).toBe(60_000);
  });
});
