import type { CallContext } from '../network/callFate.js';
import type { Random } from '../world/Random.js';
import type { Item } from './expressions/evaluate.js';

/** The lease fields the checker follows, as one write left them. */
export interface LeaseView {
  owner: string | undefined;
  counter: number;
  checkpoint: string;
  sub: number;
  pending: string | undefined;
}

export type LeaseWriteKind = 'create' | 'take' | 'transfer' | 'evict' | 'checkpoint' | 'renew' | 'handoff' | 'delete';

/** One applied write, in true time; `call.answer` says whether the writer heard of it. */
export interface LeaseWrite {
  t: number;
  o: number;
  key: string;
  kind: LeaseWriteKind;
  requester: string;
  call: CallContext;
  before: LeaseView | undefined;
  after: LeaseView | undefined;
}

interface Version {
  from: number;
  item: Item | undefined;
}

/**
 * The lease table's items with their recent history: strongly consistent reads see the latest version, eventually
 * consistent ones (Scan, GetItem without ConsistentRead) may see any version of the last `maxStalenessMs` (per item,
 * at random), so a read can miss an item just created, show one just deleted, or an older counter.
 */
export class LeaseStore {
  readonly writes: LeaseWrite[] = [];
  readonly #items = new Map<string, Version[]>();
  readonly #random: Random;
  maxStalenessMs: number;

  constructor(random: Random, maxStalenessMs: number) {
    this.#random = random;
    this.maxStalenessMs = maxStalenessMs;
  }

  /** The latest version, or undefined. Stored items are never mutated (every write stores a new object). */
  current(key: string): Item | undefined {
    const versions = this.#items.get(key);
    return versions?.[versions.length - 1]?.item;
  }

  /** A version at most `maxStalenessMs` old, or undefined when that version did not exist. */
  eventual(key: string, now: number): Item | undefined {
    const versions = this.#items.get(key);
    if (versions === undefined) return undefined;
    const lag = this.#random.chance(0.5) ? 0 : this.#random.range(0, this.maxStalenessMs);
    const asOf = now - lag;
    let chosen = versions[0]!;
    for (const v of versions) if (v.from <= asOf) chosen = v;
    // The oldest kept version may be younger than asOf's: then the item did not exist yet.
    if (chosen.from > asOf) return undefined;
    return chosen.item;
  }

  /** Every key ever written, in DynamoDB's (hash) order. */
  keysInScanOrder(): string[] {
    return [...this.#items.keys()].sort((a, b) => fnv(a) - fnv(b) || (a < b ? -1 : 1));
  }

  write(entry: Omit<LeaseWrite, 'before' | 'after'>, item: Item | undefined, now: number): void {
    let versions = this.#items.get(entry.key);
    const before = versions?.[versions.length - 1]?.item;
    if (versions === undefined) {
      versions = [];
      this.#items.set(entry.key, versions);
    }
    // A copy of the caller's object: the one stored must never change under a reader.
    versions.push({ from: now, item: item === undefined ? undefined : { ...item } });
    // Keep what a stale read may still return: versions younger than the staleness bound, and the one before.
    const horizon = now - this.maxStalenessMs;
    let drop = 0;
    while (drop + 1 < versions.length && versions[drop + 1]!.from <= horizon) drop++;
    if (drop > 0) versions.splice(0, drop);
    this.writes.push({ ...entry, before: view(before), after: view(item) });
  }
}

export function view(item: Item | undefined): LeaseView | undefined {
  if (item === undefined) return undefined;
  return {
    owner: item.leaseOwner?.S,
    counter: Number(item.leaseCounter?.N ?? 0),
    checkpoint: item.checkpoint?.S ?? '?',
    sub: Number(item.checkpointSubSequenceNumber?.N ?? 0),
    pending: item.pendingCheckpoint?.S,
  };
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
