import { type Actor, EventQueue, type SimEvent } from './EventQueue.js';

/** Epoch ms that true time 0 corresponds to (every clock of a run is derived from it). */
export const SIM_EPOCH_MS = 1_750_000_000_000;

/** Lets every promise continuation queued by an event run before the next event (one macrotask hop). */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time. The loop pops the earliest event, runs it, then lets every microtask it queued run to completion,
 * so the consumer's promise chains advance exactly as far as they can at that instant; nothing ever waits for real
 * time. Events of a killed actor are dropped, those of a paused actor wait until its pause ends (true time goes
 * on for everybody else).
 */
export class World {
  readonly #queue = new EventQueue();
  #now = 0;
  #seq = 0;
  #halted = false;
  #order = 0;
  /** Events run so far (a cost measure). */
  eventsRun = 0;

  /** A number that grows with every call: orders log entries that share a millisecond (the trace shows them so). */
  nextOrder(): number {
    return ++this.#order;
  }

  /** True time, ms since the start of the run. */
  get now(): number {
    return this.#now;
  }

  schedule(at: number, actor: Actor | undefined, run: () => void): SimEvent {
    const event: SimEvent = { at: Math.max(at, this.#now), seq: ++this.#seq, actor, run, cancelled: false };
    this.#queue.push(event);
    return event;
  }

  after(delayMs: number, actor: Actor | undefined, run: () => void): SimEvent {
    return this.schedule(this.#now + delayMs, actor, run);
  }

  /** Stops `runUntil` after the current event. */
  halt(): void {
    this.#halted = true;
  }

  /** Runs events up to true time `until` (or until `halt()`); leaves `now` at `until` unless halted earlier. */
  async runUntil(until: number): Promise<void> {
    this.#halted = false;
    for (;;) {
      const next = this.#queue.peek();
      if (next === undefined || next.at > until) break;
      this.#queue.pop();
      if (next.cancelled) continue;
      const actor = next.actor;
      if (actor !== undefined) {
        if (actor.killed) continue;
        if (actor.pausedUntil > next.at) {
          // Frozen: runs when the pause ends, after what was already due then (fresh sequence number).
          this.schedule(actor.pausedUntil, actor, next.run);
          continue;
        }
      }
      this.#now = next.at;
      this.eventsRun++;
      next.run();
      await drainMicrotasks();
      if (this.#halted) return;
    }
    this.#now = Math.max(this.#now, until);
  }
}
