import type { SlotPlan } from '../faults/Scenario.js';
import type { Random } from '../world/Random.js';
import { SimWorker, type WorkerEnvironment } from './SimWorker.js';

/**
 * The worker slots of a run and their incarnations: a slot restarted after a stop or a kill comes back as a new
 * process (a new worker id, `w2.2`, and a new clock), running the slot's processor and options.
 */
export class Fleet {
  readonly workers: SimWorker[] = [];
  readonly #env: WorkerEnvironment;
  readonly #slots: ReadonlyMap<string, SlotPlan>;
  readonly #random: Random;
  readonly #maxDrift: number;
  readonly #current = new Map<string, SimWorker>();
  readonly #incarnations = new Map<string, number>();

  constructor(env: WorkerEnvironment, slots: ReadonlyMap<string, SlotPlan>, random: Random, maxDrift: number) {
    this.#env = env;
    this.#slots = slots;
    this.#random = random;
    this.#maxDrift = maxDrift;
  }

  get slots(): string[] {
    return [...this.#slots.keys()];
  }

  /** Starts a new incarnation of the slot, unless one is alive. */
  start(slot: string): SimWorker | undefined {
    if (this.current(slot) !== undefined) return undefined;
    const plan = this.#slots.get(slot);
    if (plan === undefined) throw new Error(`unknown worker slot ${slot}`);
    const n = (this.#incarnations.get(slot) ?? 0) + 1;
    this.#incarnations.set(slot, n);
    const worker = new SimWorker(
      {
        ...plan,
        id: n === 1 ? slot : `${slot}.${n}`,
        skew: {
          drift: this.#random.range(-this.#maxDrift, this.#maxDrift),
          offsetMs: this.#random.range(-5_000, 5_000),
        },
      },
      this.#env,
    );
    this.#current.set(slot, worker);
    this.workers.push(worker);
    worker.start();
    return worker;
  }

  /** The slot's incarnation if it is alive (starting or running). */
  current(slot: string): SimWorker | undefined {
    const worker = this.#current.get(slot);
    return worker?.alive === true ? worker : undefined;
  }

  alive(): SimWorker[] {
    return this.workers.filter((w) => w.alive);
  }
}
