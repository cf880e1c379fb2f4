/** Shard iterators expire this long after they were issued (AWS: 5 minutes). */
export const ITERATOR_LIFETIME_MS = 300_000;

interface IteratorState {
  readonly shardId: string;
  /** Index of the next record to return. */
  readonly index: number;
  readonly issuedAt: number;
  expired: boolean;
}

/** The iterators handed out: opaque tokens naming a shard position, valid for 5 minutes (or until forced expiry). */
export class ShardIterators {
  readonly #byToken = new Map<string, IteratorState>();
  #next = 0;

  issue(shardId: string, index: number, now: number): string {
    const token = `AAAAAAAAAAF${(++this.#next).toString(36).padStart(8, '0')}${shardId.slice(-4)}`;
    this.#byToken.set(token, { shardId, index, issuedAt: now, expired: false });
    if (this.#next % 512 === 0) this.#prune(now);
    return token;
  }

  /** The iterator's position, `'expired'`, or undefined for a token never issued. */
  resolve(token: string, now: number): { shardId: string; index: number } | 'expired' | undefined {
    const state = this.#byToken.get(token);
    if (state === undefined) return undefined;
    if (state.expired || now - state.issuedAt > ITERATOR_LIFETIME_MS) return 'expired';
    return state;
  }

  /** Fault: every iterator of the shard issued so far expires now. */
  expireAll(shardId: string): number {
    let count = 0;
    for (const state of this.#byToken.values())
      if (state.shardId === shardId && !state.expired) {
        state.expired = true;
        count++;
      }
    return count;
  }

  #prune(now: number): void {
    for (const [token, state] of this.#byToken)
      if (now - state.issuedAt > ITERATOR_LIFETIME_MS + 1_000) this.#byToken.delete(token);
  }
}
