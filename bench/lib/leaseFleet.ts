// A fleet of LeaseCoordinators for the lease benchmarks: each worker with its own DynamoDB client (counting its
// requests, with a kill switch), and a tracker of who held which lease when (holding intervals, moves, gaps).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The lease-layer API both implementations (this branch's and the baseline build) share. */
export interface LeaseImpl {
  DynamoDBLeaseTable: new (options: { dynamoDbClient: DynamoDBClient; tableName: string }) => BenchTable;
  LeaseCoordinator: new (options: Record<string, unknown>) => BenchCoordinator;
  newLease: (key: string, checkpoint: { sequenceNumber: string; subSequenceNumber: number }) => unknown;
}
export interface BenchTable {
  initialize(): Promise<void>;
  listLeases(): Promise<{ leaseKey: string; leaseOwner: string | undefined; throughputKBps?: number }[]>;
  createLeaseIfNotExists(lease: unknown): Promise<boolean>;
}
export interface BenchCoordinator {
  readonly workerId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  prepareHandoff(options?: { maxWaitMs?: number }): Promise<void>;
  handoffReady(key: string): Promise<void>;
  releaseLease(key: string): Promise<void>;
  getHeldLeases(): ReadonlyMap<string, unknown>;
  on(event: string, listener: (payload: never) => void): () => void;
  recordProcessed?(key: string, bytes: number): void;
}

/** Where the table lives: dynalite, in this process or its own. */
export interface LocalDynamo {
  readonly dynamoDbClient: DynamoDBClient;
  createDynamoDbClient(): DynamoDBClient;
}
export const TRIM_HORIZON = { sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: 0 };

/** Requests by operation, over every worker of a fleet (reset between phases). */
export type Counts = Record<string, number>;

export interface FleetWorker {
  readonly id: string;
  readonly coordinator: BenchCoordinator;
  /** kill -9, as the table sees it: from now on every request of this worker fails before it is sent. */
  kill(): void;
  killed: boolean;
}

interface Interval {
  worker: string;
  from: number;
  to: number | undefined;
}

/**
 * Who held which lease, from the coordinators' events: `lease_gained` opens an interval; `lease_lost`, a hand-over
 * (`lease_handoff`) or the bench's own "processing stopped" mark closes it. Overlapping intervals of one lease are
 * duplicate deliveries in the making; the time between two intervals is the lease's processing gap.
 */
export class HoldTracker {
  readonly intervals = new Map<string, Interval[]>();
  /** Every `lease_gained`, per lease (moves: the first take counts as one). */
  readonly gains = new Map<string, number>();

  gained(key: string, worker: string, at = Date.now()): void {
    const list = this.intervals.get(key) ?? [];
    if (list.some((i) => i.worker === worker && i.to === undefined)) return; // still holding it
    list.push({ worker, from: at, to: undefined });
    this.intervals.set(key, list);
    this.gains.set(key, (this.gains.get(key) ?? 0) + 1);
  }

  /** The worker stopped processing the lease (its interval ends; later end marks for it are ignored). */
  ended(key: string, worker: string, at = Date.now()): void {
    const open = (this.intervals.get(key) ?? []).findLast((i) => i.worker === worker && i.to === undefined);
    if (open !== undefined) open.to = at;
  }

  endAll(worker: string, at = Date.now()): void {
    for (const key of this.intervals.keys()) this.ended(key, worker, at);
  }

  resetGains(): void {
    this.gains.clear();
  }

  /** Longest overlap of two holders of one lease, and the longest gap between consecutive holders, since `from`. */
  stats(from: number, until = Date.now()): { maxOverlapMs: number; maxGapMs: number; gaps: number[] } {
    let maxOverlapMs = 0;
    let maxGapMs = 0;
    const gaps: number[] = [];
    for (const list of this.intervals.values()) {
      const sorted = [...list].sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1]!;
        const next = sorted[i]!;
        const prevEnd = prev.to ?? until;
        if (prevEnd < from && next.from < from) continue;
        if (next.from < prevEnd) maxOverlapMs = Math.max(maxOverlapMs, prevEnd - next.from);
        else {
          gaps.push(next.from - prevEnd);
          maxGapMs = Math.max(maxGapMs, next.from - prevEnd);
        }
      }
    }
    return { maxOverlapMs, maxGapMs, gaps };
  }
}

export interface FleetOptions {
  impl: LeaseImpl;
  ddb: LocalDynamo;
  tableName: string;
  failoverTimeMs: number;
  /** Further coordinator options (this branch only). */
  extra?: Record<string, unknown>;
}

/** A fleet sharing one table; `add` starts a worker with its own client. */
export class Fleet {
  readonly counts: Counts = {};
  readonly tracker = new HoldTracker();
  readonly workers: FleetWorker[] = [];
  readonly table: BenchTable;
  readonly #o: FleetOptions;

  constructor(options: FleetOptions) {
    this.#o = options;
    this.table = new options.impl.DynamoDBLeaseTable({
      dynamoDbClient: options.ddb.dynamoDbClient,
      tableName: options.tableName,
    });
  }

  async seed(keys: readonly string[]): Promise<void> {
    await this.table.initialize();
    for (const key of keys) await this.table.createLeaseIfNotExists(this.#o.impl.newLease(key, TRIM_HORIZON));
  }

  /** Creates a worker (not started). */
  worker(id: string): FleetWorker {
    const client = this.#o.ddb.createDynamoDbClient();
    const state = { killed: false };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (state.killed) throw Object.assign(new Error('killed'), { name: 'NetworkingError' });
        const name = (context.commandName ?? '?').replace(/Command$/, '');
        this.counts[name] = (this.counts[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: `count-${id}` },
    );
    const coordinator = new this.#o.impl.LeaseCoordinator({
      leaseTable: new this.#o.impl.DynamoDBLeaseTable({ dynamoDbClient: client, tableName: this.#o.tableName }),
      workerId: id,
      failoverTimeMs: this.#o.failoverTimeMs,
      ...this.#o.extra,
    });
    const tracker = this.tracker;
    coordinator.on('lease_gained', ((lease: { leaseKey: string }) => tracker.gained(lease.leaseKey, id)) as never);
    coordinator.on('lease_lost', ((lease: { leaseKey: string }) => tracker.ended(lease.leaseKey, id)) as never);
    // A balancing move: the bench's "processing" stops the moment the owner is asked, then the lease goes.
    coordinator.on('lease_handoff_requested', ((e: { leaseKey: string }) => {
      tracker.ended(e.leaseKey, id);
      coordinator
        .releaseLease(e.leaseKey)
        .then(() => {
          // The asker withdrew: the lease stays and is processed here again (as the consumer's scheduler does).
          if (coordinator.getHeldLeases().has(e.leaseKey)) tracker.gained(e.leaseKey, id);
        })
        .catch(() => undefined);
    }) as never);
    coordinator.on('lease_handoff', ((e: { leaseKey: string }) => tracker.ended(e.leaseKey, id)) as never);
    const worker: FleetWorker = {
      id,
      coordinator,
      killed: false,
      kill: () => {
        state.killed = true;
        worker.killed = true;
        tracker.endAll(id);
      },
    };
    this.workers.push(worker);
    return worker;
  }

  /** Starts a worker as KinesisConsumer.start() does: a transient failure (a timeout under load) is retried. */
  async start(worker: FleetWorker): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await worker.coordinator.start();
        return;
      } catch (error) {
        await worker.coordinator.stop();
        if (attempt >= 20) throw error;
        await sleep(Math.min(5_000, 200 * 2 ** attempt));
      }
    }
  }

  /** What a consumer's stop() does at the lease level: name successors, hand each lease over once ready, stop. */
  async gracefulStop(worker: FleetWorker): Promise<void> {
    const c = worker.coordinator;
    await c.prepareHandoff();
    await Promise.all(
      [...c.getHeldLeases().keys()].map(async (key) => {
        await c.handoffReady(key);
        this.tracker.ended(key, worker.id);
        await c.releaseLease(key);
      }),
    );
    await c.stop();
    this.tracker.endAll(worker.id);
  }

  live(): FleetWorker[] {
    return this.workers.filter((w) => !w.killed);
  }

  /** Owner of each lease, from a scan of the table (retried: the bench's own reads must not end a run). */
  async owners(): Promise<Map<string, string | undefined>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return new Map((await this.table.listLeases()).map((l) => [l.leaseKey, l.leaseOwner]));
      } catch (error) {
        if (attempt >= 10) throw error;
        await sleep(500);
      }
    }
  }

  resetCounts(): void {
    for (const key of Object.keys(this.counts)) delete this.counts[key];
  }

  totalRequests(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.live().map((w) => w.coordinator.stop()));
  }
}

export function countsByOwner(owners: ReadonlyMap<string, string | undefined>, workers: readonly string[]): number[] {
  const counts = new Map(workers.map((w) => [w, 0]));
  for (const owner of owners.values())
    if (owner !== undefined && counts.has(owner)) counts.set(owner, counts.get(owner)! + 1);
  return [...counts.values()];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the SDK's "socket usage at capacity" warnings (it logs them with console.warn). */
export function watchSocketWarnings(): { count: () => number; restore: () => void } {
  const original = console.warn;
  let n = 0;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).includes('socket usage at capacity')) n++;
    else original(...args);
  };
  return { count: () => n, restore: () => (console.warn = original) };
}
