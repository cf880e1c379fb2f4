import type { CallFate, FaultPolicy, SimService } from '../network/callFate.js';
import { OK } from '../network/callFate.js';
import type { ProcessorTrouble } from '../workers/processors.js';
import type { Random } from '../world/Random.js';

interface Window {
  from: number;
  to: number;
}

/** How often user code fails or is slow, per call, while the fault phase lasts. */
export interface ProcessorFaultRates {
  throwP: number;
  /** Probability that a call does slow work (50 ms – 2 s). */
  slowP: number;
  /** Probability that a batch takes very long (5 – 30 s): a stuck downstream. */
  verySlowP: number;
  factoryThrowP: number;
  initializeThrowP: number;
}

/**
 * The faults in force at each moment, consulted by the network for every call (its fate and latency) and by the
 * processors (throws, slowness). Windows are opened by the fault schedule; after `faultsEndAt` nothing fails and
 * latencies are short: the quiet period in which the fleet must catch up.
 */
export class FaultState implements FaultPolicy, ProcessorTrouble {
  readonly #random: Random;
  readonly #now: () => number;
  readonly #faultsEndAt: number;
  readonly #baseline: ProcessorFaultRates;
  readonly #slowCalls: boolean;
  readonly #kinesisThrottles: (Window & { p: number; ops: ReadonlySet<string> })[] = [];
  readonly #ddbThrottles: (Window & { p: number })[] = [];
  readonly #ddbAmbiguous: (Window & { p: number })[] = [];
  readonly #partitions = new Map<string, Window & { mode: 'fail' | 'hang' }>();
  readonly #hangNext = new Set<string>();
  readonly #troubles: (Window & ProcessorFaultRates)[] = [];

  constructor(
    random: Random,
    now: () => number,
    options: { faultsEndAt: number; baseline: ProcessorFaultRates; slowCalls: boolean },
  ) {
    this.#random = random;
    this.#now = now;
    this.#faultsEndAt = options.faultsEndAt;
    this.#baseline = options.baseline;
    this.#slowCalls = options.slowCalls;
  }

  get #inFaultPhase(): boolean {
    return this.#now() < this.#faultsEndAt;
  }

  throttleKinesis(ms: number, p: number, ops: readonly string[]): void {
    this.#kinesisThrottles.push({ ...this.#window(ms), p, ops: new Set(ops) });
  }

  throttleDynamoDB(ms: number, p: number): void {
    this.#ddbThrottles.push({ ...this.#window(ms), p });
  }

  ambiguousDynamoDB(ms: number, p: number): void {
    this.#ddbAmbiguous.push({ ...this.#window(ms), p });
  }

  partition(worker: string, ms: number, mode: 'fail' | 'hang'): void {
    this.#partitions.set(worker, { ...this.#window(ms), mode });
  }

  hangNextDynamoDBCall(worker: string): void {
    this.#hangNext.add(worker);
  }

  processorTrouble(ms: number, rates: ProcessorFaultRates): void {
    this.#troubles.push({ ...this.#window(ms), ...rates });
  }

  #window(ms: number): Window {
    const from = this.#now();
    return { from, to: Math.min(from + ms, this.#faultsEndAt) };
  }

  fate(worker: string, service: SimService['name'], op: string, now: number): CallFate {
    if (now >= this.#faultsEndAt) return OK;
    if (service === 'dynamodb') {
      const partition = this.#partitions.get(worker);
      if (partition !== undefined && now >= partition.from && now < partition.to)
        return partition.mode === 'fail' ? { kind: 'fail' } : { kind: 'hangUntil', until: partition.to };
      if (this.#hangNext.delete(worker)) return { kind: 'hang', applied: this.#random.chance(0.5) };
      if (this.#active(this.#ddbThrottles, now, (w) => this.#random.chance(w.p))) return { kind: 'throttle' };
      // Only writes can be ambiguous in a way that matters; reads just fail.
      if (this.#active(this.#ddbAmbiguous, now, (w) => this.#random.chance(w.p)))
        return op === 'Scan' || op === 'GetItem' ? { kind: 'fail' } : { kind: 'ambiguous' };
      return OK;
    }
    // ListShards is never failed: ShardSyncer retries it on real timers (see the report), outside virtual time.
    if (op === 'ListShards') return OK;
    if (this.#active(this.#kinesisThrottles, now, (w) => w.ops.has(op) && this.#random.chance(w.p)))
      return { kind: 'throttle' };
    return OK;
  }

  latencyMs(_worker: string, _service: SimService['name'], op: string): number {
    const r = this.#random;
    const base = r.range(2, 12);
    if (!this.#slowCalls || !this.#inFaultPhase || op === 'ListShards') return base;
    const x = r.next();
    if (x < 0.005) return r.range(1_000, 3_000);
    if (x < 0.035) return r.range(50, 400);
    return base;
  }

  throwNow(_worker: string, where: 'record' | 'batch' | 'factory' | 'initialize'): boolean {
    if (!this.#inFaultPhase) return false;
    const rates = this.#rates();
    const p =
      where === 'factory'
        ? rates.factoryThrowP
        : where === 'initialize'
          ? rates.initializeThrowP
          : where === 'record'
            ? rates.throwP / 4
            : rates.throwP;
    return p > 0 && this.#random.chance(p);
  }

  workMs(_worker: string, unit: 'record' | 'batch'): number {
    if (!this.#inFaultPhase) return 0;
    const rates = this.#rates();
    const r = this.#random;
    // A stuck downstream: long, but 8 s into the quiet period at most, so the fleet can still catch up.
    if (unit === 'batch' && rates.verySlowP > 0 && r.chance(rates.verySlowP))
      return Math.min(r.range(5_000, 30_000), this.#faultsEndAt + 8_000 - this.#now());
    const slowP = unit === 'record' ? rates.slowP / 4 : rates.slowP;
    if (slowP > 0 && r.chance(slowP)) return unit === 'record' ? r.range(20, 500) : r.range(50, 2_000);
    return 0;
  }

  /** The baseline rates, raised by any trouble window in force. */
  #rates(): ProcessorFaultRates {
    const now = this.#now();
    let rates = this.#baseline;
    for (const w of this.#troubles)
      if (now >= w.from && now < w.to)
        rates = {
          throwP: Math.max(rates.throwP, w.throwP),
          slowP: Math.max(rates.slowP, w.slowP),
          verySlowP: Math.max(rates.verySlowP, w.verySlowP),
          factoryThrowP: Math.max(rates.factoryThrowP, w.factoryThrowP),
          initializeThrowP: Math.max(rates.initializeThrowP, w.initializeThrowP),
        };
    return rates;
  }

  #active<W extends Window>(windows: readonly W[], now: number, applies: (w: W) => boolean): boolean {
    for (const w of windows) if (now >= w.from && now < w.to && applies(w)) return true;
    return false;
  }
}
