import type { ExtendedSequenceNumber } from '@kinesis-kit/consumer';
import type {
  CheckpointUpdate,
  Lease,
  LeaseStats,
  LeaseTable,
  LeaseTableSnapshot,
  WorkerRecord,
  WorkerReport,
} from '@kinesis-kit/consumer/leases';

/** The LeaseTable contract in memory, for unit tests driving single steps with a fake clock. */
export class InMemoryLeaseTable implements LeaseTable {
  readonly tableName = 'in-memory';
  readonly items = new Map<string, Lease>();
  readonly workers = new Map<string, WorkerRecord>();
  calls = 0;

  async initialize(): Promise<void> {}
  async listLeases(): Promise<Lease[]> {
    this.calls++;
    return [...this.items.values()].map((l) => ({ ...l }));
  }
  async scanTable(): Promise<LeaseTableSnapshot> {
    this.calls++;
    return {
      leases: [...this.items.values()].map((l) => ({ ...l })),
      workers: [...this.workers.values()].map((w) => ({ ...w })),
    };
  }
  async getLeases(leaseKeys: readonly string[]): Promise<Map<string, Lease>> {
    this.calls++;
    const out = new Map<string, Lease>();
    for (const key of leaseKeys) {
      const lease = this.items.get(key);
      if (lease !== undefined) out.set(key, { ...lease });
    }
    return out;
  }
  async putWorker(report: WorkerReport): Promise<void> {
    this.calls++;
    const counter = (this.workers.get(report.workerId)?.counter ?? 0) + 1;
    this.workers.set(report.workerId, { ...report, counter });
  }
  async deleteWorker(workerId: string, counter?: number): Promise<boolean> {
    this.calls++;
    const worker = this.workers.get(workerId);
    if (worker === undefined || (counter !== undefined && worker.counter !== counter)) return false;
    this.workers.delete(workerId);
    return true;
  }
  async requestPull(leaseKey: string, owner: string, to: string, id: string, requestedAt: number) {
    return this.#set(
      leaseKey,
      (l) => l.leaseOwner === owner && l.handoff?.acknowledged !== true,
      (l) => ({ ...l, handoff: { to, id, acknowledged: true, requestedAt } }),
    );
  }
  async cancelHandoff(leaseKey: string, id: string) {
    return this.#set(
      leaseKey,
      (l) => l.handoff?.id === id,
      ({ handoff: _h, ...l }) => l,
    );
  }
  async getLease(leaseKey: string): Promise<Lease | undefined> {
    this.calls++;
    const lease = this.items.get(leaseKey);
    return lease === undefined ? undefined : { ...lease };
  }
  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    this.calls++;
    if (this.items.has(lease.leaseKey)) return false;
    this.items.set(lease.leaseKey, { ...lease });
    return true;
  }
  async renewLease(
    leaseKey: string,
    owner: string,
    leaseCounter: number,
    stats: LeaseStats = {},
  ): Promise<Lease | undefined> {
    const ok = await this.#update(
      leaseKey,
      (l) => l.leaseCounter === leaseCounter && l.leaseOwner === owner,
      (l) => (stats.throughputKBps === undefined ? l : { ...l, throughputKBps: stats.throughputKBps }),
    );
    return ok ? { ...(this.items.get(leaseKey) as Lease) } : undefined;
  }
  async takeLease(observed: Lease, owner: string): Promise<Lease | undefined> {
    const ok = await this.#update(
      observed.leaseKey,
      (l) => l.leaseCounter === observed.leaseCounter,
      (l) => ({
        ...l,
        leaseOwner: owner,
        ownerSwitchesSinceCheckpoint:
          l.ownerSwitchesSinceCheckpoint + (l.leaseOwner !== undefined && l.leaseOwner !== owner ? 1 : 0),
      }),
    );
    if (ok) {
      const { handoff: _h, ...taken } = this.items.get(observed.leaseKey) as Lease;
      this.items.set(observed.leaseKey, taken);
    }
    return ok ? { ...(this.items.get(observed.leaseKey) as Lease) } : undefined;
  }
  async evictLease(leaseKey: string, owner: string, leaseCounter: number): Promise<boolean> {
    return this.#update(
      leaseKey,
      (l) => l.leaseCounter === leaseCounter && l.leaseOwner === owner,
      ({ handoff: _h, ...l }) => ({ ...l, leaseOwner: undefined }),
    );
  }
  async requestHandoff(leaseKey: string, owner: string, to: string, id: string, requestedAt: number) {
    return this.#set(
      leaseKey,
      (l) => l.leaseOwner === owner,
      (l) => ({ ...l, handoff: { to, id, acknowledged: false, requestedAt } }),
    );
  }
  async acknowledgeHandoff(leaseKey: string, owner: string, to: string, id: string) {
    return this.#set(
      leaseKey,
      (l) => l.leaseOwner === owner && l.handoff?.to === to && l.handoff.id === id,
      (l) => ({ ...l, handoff: { ...l.handoff!, acknowledged: true } }),
    );
  }
  async withdrawHandoffAck(leaseKey: string, owner: string, id: string) {
    return this.#set(
      leaseKey,
      (l) => l.leaseOwner === owner && l.handoff?.id === id && l.handoff.acknowledged,
      (l) => ({ ...l, handoff: { ...l.handoff!, acknowledged: false } }),
    );
  }
  async transferLease(leaseKey: string, owner: string, leaseCounter: number, to: string, id: string) {
    return this.#update(
      leaseKey,
      (l) =>
        l.leaseCounter === leaseCounter &&
        l.leaseOwner === owner &&
        l.handoff?.to === to &&
        l.handoff.id === id &&
        l.handoff.acknowledged,
      ({ handoff: _h, ...l }) => ({
        ...l,
        leaseOwner: to,
        ownerSwitchesSinceCheckpoint: l.ownerSwitchesSinceCheckpoint + 1,
      }),
    );
  }
  async updateCheckpoint(leaseKey: string, owner: string, leaseCounter: number, update: CheckpointUpdate) {
    return this.#update(
      leaseKey,
      (l) => l.leaseCounter === leaseCounter && l.leaseOwner === owner,
      (l) => {
        const { pendingCheckpoint: _, ...rest } = l;
        const pending = update.pendingCheckpoint ?? null;
        return {
          ...rest,
          checkpoint: update.checkpoint,
          ownerSwitchesSinceCheckpoint: 0,
          ...(pending === null ? {} : { pendingCheckpoint: pending }),
        };
      },
    );
  }
  async updatePendingCheckpoint(
    leaseKey: string,
    owner: string,
    leaseCounter: number,
    pendingCheckpoint: ExtendedSequenceNumber,
  ) {
    return this.#update(
      leaseKey,
      (l) => l.leaseCounter === leaseCounter && l.leaseOwner === owner,
      (l) => ({ ...l, pendingCheckpoint }),
    );
  }
  async deleteLease(leaseKey: string, leaseCounter?: number): Promise<boolean> {
    this.calls++;
    const lease = this.items.get(leaseKey);
    if (lease === undefined || (leaseCounter !== undefined && lease.leaseCounter !== leaseCounter)) return false;
    this.items.delete(leaseKey);
    return true;
  }

  /** A conditional write that leaves the counter alone (handoff requests and acknowledgements). */
  async #set(key: string, condition: (l: Lease) => boolean, change: (l: Lease) => Lease): Promise<boolean> {
    this.calls++;
    const lease = this.items.get(key);
    if (lease === undefined || !condition(lease)) return false;
    this.items.set(key, change(lease));
    return true;
  }

  async #update(key: string, condition: (l: Lease) => boolean, change: (l: Lease) => Lease): Promise<boolean> {
    this.calls++;
    const lease = this.items.get(key);
    if (lease === undefined || !condition(lease)) return false;
    this.items.set(key, { ...change(lease), leaseCounter: lease.leaseCounter + 1 });
    return true;
  }
}

/** A clock tests move by hand; timers fire on `advance`. */
export class FakeClock {
  #now = 1_000_000;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];
  now = () => this.#now;
  setTimeout = (callback: () => void, ms: number) => {
    const timer = { at: this.#now + ms, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  };
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now && !t.cancelled);
    this.#timers = this.#timers.filter((t) => t.at > this.#now && !t.cancelled);
    for (const t of due) t.callback();
  }
}
