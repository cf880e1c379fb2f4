import type { Clock, TimerHandle } from '@kinesis-kit/commons';
import type { Actor } from './EventQueue.js';
import { SIM_EPOCH_MS, type World } from './World.js';

/** How far a worker's clock is from true time: a rate error (drift) and a fixed offset. */
export interface ClockSkew {
  /** Rate error, e.g. 0.001 = runs 0.1 % fast. */
  drift: number;
  offsetMs: number;
}

/**
 * One worker's monotonic clock (the `clock` option of the consumer): now() = true time × (1 + drift) + offset.
 * Its timers are scheduled in true time accordingly, and belong to the worker's actor (frozen by a pause,
 * dropped by a kill). Like Node, a delay below 1 ms (or not a finite 32-bit number) counts as 1 ms.
 */
export class WorkerClock implements Clock {
  readonly #world: World;
  readonly #actor: Actor;
  readonly #rate: number;
  readonly #offsetMs: number;

  constructor(world: World, actor: Actor, skew: ClockSkew) {
    this.#world = world;
    this.#actor = actor;
    this.#rate = 1 + skew.drift;
    this.#offsetMs = skew.offsetMs;
  }

  now(): number {
    return Math.floor(SIM_EPOCH_MS + this.#world.now * this.#rate + this.#offsetMs);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms >= 1 && ms <= 2_147_483_647 ? ms : 1;
    const event = this.#world.after(delay / this.#rate, this.#actor, callback);
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }
}
