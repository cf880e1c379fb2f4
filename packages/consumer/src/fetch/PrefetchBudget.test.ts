import { describe, expect, it } from 'vitest';
import { PrefetchAccount, PrefetchBudget } from './PrefetchBudget.js';

const never = new AbortController().signal;
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('PrefetchBudget', () => {
  it('a fetcher holding nothing may always read; one holding bytes waits for room, woken in order', async () => {
    const budget = new PrefetchBudget(100);
    const a = new PrefetchAccount(budget);
    const b = new PrefetchAccount(budget);
    await a.beforeRead(never);
    a.fetched(150); // over the bound already (one batch may overshoot)
    a.taken();
    await b.beforeRead(never); // holds nothing: reads
    b.fetched(50);
    const aWaits = a.beforeRead(never);
    const bWaits = b.beforeRead(never);
    expect(await settled(aWaits)).toBe(false);
    expect(budget.usedBytes).toBe(200);
    a.nextRequested(); // a's runner finished its batch: 150 released
    expect(await settled(aWaits)).toBe(true);
    expect(await settled(bWaits)).toBe(true);
    expect(budget.usedBytes).toBe(50);
  });

  it('close() gives back everything the fetcher held; an aborted wait rejects and leaves the queue', async () => {
    const budget = new PrefetchBudget(10);
    const a = new PrefetchAccount(budget);
    a.fetched(30);
    const stop = new AbortController();
    const waiting = a.beforeRead(stop.signal);
    stop.abort(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    a.close();
    expect(budget.usedBytes).toBe(0);
  });

  it('without a budget nothing waits or counts', async () => {
    const a = new PrefetchAccount(undefined);
    a.fetched(1e9);
    await a.beforeRead(never);
  });
});
