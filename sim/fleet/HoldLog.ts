interface Hold {
  readonly worker: string;
  readonly from: number;
  to: number | undefined;
}

/**
 * Who processed which lease when, in true time: `gained` opens a hold, `ended` closes it. Two holds of one lease
 * that overlap are duplicate deliveries in the making; the time between consecutive holds is the lease's processing
 * gap; the number of holds is the lease's number of moves (its first take included).
 */
export class HoldLog {
  readonly holds = new Map<string, Hold[]>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  gained(key: string, worker: string): void {
    const list = this.holds.get(key) ?? [];
    if (list.some((h) => h.worker === worker && h.to === undefined)) return; // still holding it
    list.push({ worker, from: this.#now(), to: undefined });
    this.holds.set(key, list);
  }

  ended(key: string, worker: string): void {
    const open = (this.holds.get(key) ?? []).findLast((h) => h.worker === worker && h.to === undefined);
    if (open !== undefined) open.to = this.#now();
  }

  endAll(worker: string): void {
    for (const key of this.holds.keys()) this.ended(key, worker);
  }

  /** Holds that started in [from, to): per lease. */
  movesBetween(from: number, to = Number.POSITIVE_INFINITY): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, list] of this.holds) out.set(key, list.filter((h) => h.from >= from && h.from < to).length);
    return out;
  }

  /**
   * Over holds touching [from, now]: overlapping pairs (and the longest overlap), and the longest gap between
   * consecutive holds of a lease.
   */
  stats(from: number): { overlaps: number; maxOverlapMs: number; maxGapMs: number } {
    const now = this.#now();
    let overlaps = 0;
    let maxOverlapMs = 0;
    let maxGapMs = 0;
    for (const list of this.holds.values()) {
      const sorted = list.filter((h) => (h.to ?? now) >= from).sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) {
        const prevEnd = sorted[i - 1]!.to ?? now;
        const next = sorted[i]!.from;
        if (next < prevEnd) {
          overlaps++;
          maxOverlapMs = Math.max(maxOverlapMs, prevEnd - next);
        } else maxGapMs = Math.max(maxGapMs, next - prevEnd);
      }
    }
    return { overlaps, maxOverlapMs, maxGapMs };
  }
}
