import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, Logger } from '@kinesis-kit/commons';
import { TRIM_HORIZON } from '@kinesis-kit/consumer';
import { DynamoDBLeaseTable, type Lease, LeaseCoordinator, newLease } from '@kinesis-kit/consumer/leases';
import { FakeDynamoDB } from '../dynamodb/FakeDynamoDB.js';
import { LeaseStore } from '../dynamodb/LeaseStore.js';
import { type CallFate, type FaultPolicy, OK } from '../network/callFate.js';
import { SimNetwork } from '../network/SimNetwork.js';
import type { Actor } from '../world/EventQueue.js';
import type { Random } from '../world/Random.js';
import { WorkerClock } from '../world/WorkerClock.js';
import type { World } from '../world/World.js';
import { HoldLog } from './HoldLog.js';

const noop = (): void => undefined;
const silent: Logger = { error: noop, warn: noop, info: noop, debug: noop, trace: noop, child: () => silent };

export interface FleetSimOptions {
  readonly world: World;
  readonly random: Random;
  readonly failoverTimeMs: number;
  /** Per-call latency range of DynamoDB, ms. */
  readonly latencyMs: readonly [number, number];
  /** Share of calls throttled (refused) at random: 0 in a calm run. */
  readonly throttleShare: number;
  /** How stale an eventually consistent read may be, ms. */
  readonly maxStalenessMs: number;
  /** How long a holder needs to stop a shard when asked for it (finish a batch, checkpoint), ms. */
  readonly stopShardMs: readonly [number, number];
}

/** One worker of the fleet: a real `LeaseCoordinator` on its own drifting clock, over the simulated network. */
export interface SimFleetWorker {
  readonly id: string;
  readonly actor: Actor;
  readonly coordinator: LeaseCoordinator;
  state: 'running' | 'stopping' | 'stopped' | 'killed';
}

/**
 * A fleet of lease coordinators (no record processing) against the in-memory DynamoDB, in virtual time: for the
 * balancing properties at sizes the consumer simulation cannot afford (1,024 leases, 32 workers) and horizons a real
 * run cannot (minutes). Requests are counted per operation; holds are logged (`HoldLog`) from the coordinators'
 * events: a "processing" that ends when a holder is asked for a lease (after a stop delay), loses it, or hands it over.
 */
export class FleetSim {
  readonly store: LeaseStore;
  readonly dynamodb: FakeDynamoDB;
  readonly network: SimNetwork;
  readonly holds: HoldLog;
  readonly workers: SimFleetWorker[] = [];
  /** DynamoDB requests by operation (reset with `resetCounts`). */
  readonly counts = new Map<string, number>();
  /** Per-lease throughput the holders report (KB/s); leases absent report nothing. */
  readonly rates = new Map<string, number>();
  readonly #o: FleetSimOptions;
  readonly #seedTable: DynamoDBLeaseTable;

  constructor(options: FleetSimOptions) {
    this.#o = options;
    const { world, random } = options;
    this.store = new LeaseStore(random.fork('staleness'), options.maxStalenessMs);
    this.dynamodb = new FakeDynamoDB(this.store, world, random.fork('dynamodb'), { randomPages: false });
    const latency = random.fork('latency');
    const fates = random.fork('fates');
    const counts = this.counts;
    const policy: FaultPolicy = {
      fate(_worker, _service, op): CallFate {
        counts.set(op, (counts.get(op) ?? 0) + 1);
        return options.throttleShare > 0 && fates.chance(options.throttleShare) ? { kind: 'throttle' } : OK;
      },
      latencyMs: () => latency.range(options.latencyMs[0], options.latencyMs[1]),
    };
    this.network = new SimNetwork(world, policy, random.fork('network'));
    this.holds = new HoldLog(() => world.now);
    const admin: Actor = { id: 'admin', killed: false, pausedUntil: 0 };
    this.#seedTable = this.#table(admin);
  }

  #table(actor: Actor, clock?: Clock): DynamoDBLeaseTable {
    const client = this.network.client(actor, this.dynamodb) as unknown as DynamoDBClient;
    return new DynamoDBLeaseTable({
      dynamoDbClient: client,
      tableName: 'fleet',
      logger: silent,
      clock: clock ?? new WorkerClock(this.#o.world, actor, { drift: 0, offsetMs: 0 }),
    });
  }

  /** Creates the table and `keys` unowned leases. */
  async seed(keys: readonly string[]): Promise<void> {
    await this.#seedTable.initialize();
    for (const key of keys) await this.#seedTable.createLeaseIfNotExists(newLease(key, TRIM_HORIZON));
  }

  /** Starts a worker (start() retried as the consumer does, on a transient failure). */
  start(id: string, options: Record<string, unknown> = {}): SimFleetWorker {
    const { world, random } = this.#o;
    const actor: Actor = { id, killed: false, pausedUntil: 0 };
    const skew = random.fork(`skew:${id}`);
    const own = random.fork(`random:${id}`);
    const clock = new WorkerClock(world, actor, { drift: skew.range(-0.001, 0.001), offsetMs: skew.range(-1e6, 1e6) });
    const coordinator = new LeaseCoordinator({
      leaseTable: this.#table(actor, clock),
      workerId: id,
      failoverTimeMs: this.#o.failoverTimeMs,
      clock,
      logger: silent,
      random: () => own.next(),
      workerLoadSampler: () => ({}),
      ...options,
    });
    const worker: SimFleetWorker = { id, actor, coordinator, state: 'running' };
    const stopDelay = random.fork(`stop:${id}`);
    coordinator.on('lease_gained', (lease: Lease) => this.holds.gained(lease.leaseKey, id));
    coordinator.on('lease_lost', (lease: Lease) => this.holds.ended(lease.leaseKey, id));
    coordinator.on('lease_handoff', ({ leaseKey }) => this.holds.ended(leaseKey, id));
    // A balancing move: processing stops after the batch in flight, then the lease is given up.
    coordinator.on('lease_handoff_requested', ({ leaseKey }) => {
      const ms = stopDelay.range(this.#o.stopShardMs[0], this.#o.stopShardMs[1]);
      clock.setTimeout(() => {
        this.holds.ended(leaseKey, id);
        // Still held afterwards: the asker withdrew, the lease stays, and its shard starts again here (the
        // consumer's scheduler starts a new runner at once).
        coordinator
          .releaseLease(leaseKey)
          .then(() => {
            if (coordinator.getHeldLeases().has(leaseKey)) this.holds.gained(leaseKey, id);
          })
          .catch(noop);
      }, ms);
    });
    this.workers.push(worker);
    const attempt = (n: number): void => {
      coordinator.start().catch(async () => {
        await coordinator.stop();
        if (n < 20 && worker.state === 'running') clock.setTimeout(() => attempt(n + 1), Math.min(5_000, 200 * 2 ** n));
      });
    };
    attempt(1);
    // Throughput: every 250 ms, each held lease reports what its rate says.
    const report = () => {
      if (worker.state !== 'running') return;
      for (const key of coordinator.getHeldLeases().keys()) {
        const rate = this.rates.get(key);
        if (rate !== undefined) coordinator.recordProcessed(key, (rate * 1024) / 4);
      }
      clock.setTimeout(report, 250);
    };
    clock.setTimeout(report, 250);
    return worker;
  }

  /** kill -9: its timers and answers vanish; nothing it holds is released. */
  kill(worker: SimFleetWorker): void {
    worker.state = 'killed';
    worker.actor.killed = true;
    this.network.kill(worker.actor);
    this.holds.endAll(worker.id);
  }

  /** What a consumer's stop() does at the lease level: successors named, each lease handed over once ready. */
  async stop(worker: SimFleetWorker): Promise<void> {
    worker.state = 'stopping';
    const c = worker.coordinator;
    await c.prepareHandoff({ maxWaitMs: 10_000 });
    await Promise.all(
      [...c.getHeldLeases().keys()].map(async (key) => {
        await c.handoffReady(key);
        this.holds.ended(key, worker.id);
        await c.releaseLease(key);
      }),
    );
    await c.stop();
    this.holds.endAll(worker.id);
    worker.state = 'stopped';
  }

  live(): SimFleetWorker[] {
    return this.workers.filter((w) => w.state === 'running');
  }

  /** Owner of each lease as the table holds it now (strongly consistent). */
  owners(): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const key of this.store.keysInScanOrder()) {
      const item = this.store.current(key);
      if (item === undefined || item.entityType?.S === 'KK_WORKER') continue;
      out.set(key, item.leaseOwner?.S);
    }
    return out;
  }

  /** Lease count (or summed rate) per live worker. */
  loads(byRate = false): Map<string, number> {
    const out = new Map(this.live().map((w) => [w.id, 0]));
    for (const [key, owner] of this.owners())
      if (owner !== undefined && out.has(owner))
        out.set(owner, out.get(owner)! + (byRate ? (this.rates.get(key) ?? 0) : 1));
    return out;
  }

  resetCounts(): void {
    this.counts.clear();
  }

  requests(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}
