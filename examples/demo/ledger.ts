// The demo's accounting: what the producer acknowledged, what the workers processed, and the invariants
// the summary reports (nothing lost, duplicates counted, per-key order within a shard).

export interface Delivery {
  worker: string;
  shardId: string;
  key: string;
  n: number;
  sequenceNumber: string;
  subSequenceNumber: number;
}

export class Ledger {
  readonly acked = new Set<number>();
  readonly #deliveries = new Map<number, number>();
  readonly #byShardKey = new Map<string, Delivery[]>();
  deliveries = 0;
  putFailures = 0;

  ack(ns: readonly number[]): void {
    for (const n of ns) this.acked.add(n);
  }

  deliver(d: Delivery): void {
    this.deliveries++;
    this.#deliveries.set(d.n, (this.#deliveries.get(d.n) ?? 0) + 1);
    const id = `${d.shardId}\u0000${d.key}`;
    let list = this.#byShardKey.get(id);
    if (list === undefined) {
      list = [];
      this.#byShardKey.set(id, list);
    }
    list.push(d);
  }

  get processedUnique(): number {
    return this.#deliveries.size;
  }

  /** Acknowledged by the producer but never processed by any worker. */
  lost(): number[] {
    const lost: number[] = [];
    for (const n of this.acked) if (!this.#deliveries.has(n)) lost.push(n);
    return lost;
  }

  get duplicates(): number {
    return this.deliveries - this.#deliveries.size;
  }

  /**
   * Per partition key within a shard, records in sequence-number order must carry increasing `n` (the order the
   * producer put them). Counts keys where that fails.
   */
  orderViolations(): number {
    let violations = 0;
    for (const list of this.#byShardKey.values()) {
      const unique = new Map<string, Delivery>();
      for (const d of list) unique.set(`${d.sequenceNumber}/${d.subSequenceNumber}`, d);
      const sorted = [...unique.values()].sort((a, b) => {
        const bySeq = BigInt(a.sequenceNumber) - BigInt(b.sequenceNumber);
        return bySeq === 0n ? a.subSequenceNumber - b.subSequenceNumber : bySeq < 0n ? -1 : 1;
      });
      for (let i = 1; i < sorted.length; i++) {
        if ((sorted[i] as Delivery).n < (sorted[i - 1] as Delivery).n) {
          violations++;
          break;
        }
      }
    }
    return violations;
  }
}
