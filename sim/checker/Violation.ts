/** The consumer's promises the checker asserts, one name per rule. */
export const Rule = {
  NO_LOSS: 'no-loss',
  LIVENESS: 'liveness',
  REDELIVERY_AFTER_CHECKPOINT: 'redelivery-after-checkpoint',
  DUPLICATE_IN_SESSION: 'duplicate-in-session',
  HANDOFF_DUPLICATES: 'handoff-duplicates',
  KEY_ORDER: 'key-order',
  CHECKPOINT_MONOTONIC: 'checkpoint-monotonic',
  TWO_OWNERS: 'two-owners',
  DELIVERY_AFTER_LOSS: 'delivery-after-loss',
  CHECKPOINT_AFTER_LOSS: 'checkpoint-after-loss',
  PARENTS_FIRST: 'parents-first',
  STOP_BOUND: 'stop-bound',
  HARNESS: 'harness',
} as const;
export type Rule = (typeof Rule)[keyof typeof Rule];

/** One broken promise, as a sentence; `shardId`/`t`/`worker` locate it for the trace excerpt. */
export interface Violation {
  readonly rule: Rule;
  readonly text: string;
  readonly shardId?: string | undefined;
  readonly t?: number | undefined;
  readonly worker?: string | undefined;
}

/** Numerical order of (sequence number, sub-sequence number). */
export function comparePosition(a: { seq: string; sub: number }, b: { seq: string; sub: number }): number {
  if (a.seq.length !== b.seq.length) return a.seq.length - b.seq.length;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.sub - b.sub;
}

const SENTINEL_RANK: Readonly<Record<string, number>> = { AT_TIMESTAMP: -3, TRIM_HORIZON: -2, LATEST: -1 };

/** The KCL's checkpoint order: AT_TIMESTAMP < TRIM_HORIZON < LATEST < sequence numbers < SHARD_END. */
export function compareCheckpoint(a: { seq: string; sub: number }, b: { seq: string; sub: number }): number {
  const rank = (x: { seq: string }) => (x.seq === 'SHARD_END' ? 1 : (SENTINEL_RANK[x.seq] ?? 0));
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== 0 || rb !== 0) return ra !== rb ? ra - rb : 0;
  return comparePosition(a, b);
}

/** True for a sequence-number checkpoint (not a sentinel). */
export function isSequence(seq: string | undefined): seq is string {
  return seq !== undefined && /^\d+$/.test(seq);
}

export const fmt = {
  t: (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(3)}s`),
  /** The last digits of a sequence number: enough to tell records of one run apart. */
  seq: (seq: string) => (/^\d+$/.test(seq) ? `…${seq.slice(-22, -14).replace(/^0+/, '')}` : seq),
  pos: (p: { seq: string; sub: number }) => `${fmt.seq(p.seq)}/${p.sub}`,
  shard: (id: string) => id.replace(/^shardId-0+/, 's'),
};
