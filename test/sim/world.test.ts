// Virtual time: events run in (time, order) sequence, a paused actor's events wait, a killed actor's vanish, a
// worker clock drifts as told, and library code arming a real timer is caught (it would escape virtual time).
import { sleep, systemClock } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../sim/world/EventQueue.js';
import { installGlobalPatches } from '../../sim/world/globalPatches.js';
import { WorkerClock } from '../../sim/world/WorkerClock.js';
import { SIM_EPOCH_MS, World } from '../../sim/world/World.js';

describe('simulation world', () => {
  it('runs events in time order, lets promise chains settle between them, freezes paused actors and drops killed ones', async () => {
    const world = new World();
    const seen: string[] = [];
    const paused: Actor = { id: 'p', killed: false, pausedUntil: 0 };
    const killed: Actor = { id: 'k', killed: false, pausedUntil: 0 };
    world.schedule(30, undefined, () => seen.push('world@30'));
    world.schedule(10, paused, () => seen.push(`paused@${world.now}`));
    world.schedule(20, killed, () => seen.push('killed'));
    world.schedule(5, undefined, () => {
      paused.pausedUntil = 50;
      killed.killed = true;
      void Promise.resolve()
        .then(() => undefined)
        .then(() => seen.push(`chain@${world.now}`));
    });
    await world.runUntil(100);
    expect(seen).toEqual(['chain@5', 'world@30', 'paused@50']);
    expect(world.now).toBe(100);
  });

  it('a worker clock reads true time × (1 + drift) + offset, and sleeps in its own time', async () => {
    const world = new World();
    const actor: Actor = { id: 'w', killed: false, pausedUntil: 0 };
    const clock = new WorkerClock(world, actor, { drift: 0.001, offsetMs: 250 });
    let wokeAt = 0;
    void sleep(1_001, undefined, clock).then(() => {
      wokeAt = world.now;
    });
    await world.runUntil(2_000);
    expect(wokeAt).toBeCloseTo(1_000, 6);
    expect(clock.now()).toBe(Math.floor(SIM_EPOCH_MS + 2_000 * 1.001 + 250));
  });

  it('reports library code that arms a real timer, and restores the globals', () => {
    const uses: string[] = [];
    const restore = installGlobalPatches({
      wallNow: () => 42,
      random: () => 0.5,
      onRealTimer: (what) => uses.push(what),
    });
    try {
      expect(Date.now()).toBe(42);
      // biome-ignore lint/complexity/useDateNow: the point is that `new Date()` follows the simulated wall clock too
      expect(new Date().getTime()).toBe(42);
      expect(new Date(7).getTime()).toBe(7);
      expect(Math.random()).toBe(0.5);
      systemClock.setTimeout(() => undefined, 1).cancel();
    } finally {
      restore();
    }
    expect(uses).toEqual(['setTimeout']);
    expect(Date.now()).toBeGreaterThan(SIM_EPOCH_MS - 10 * 365 * 86_400_000);
  });
});
