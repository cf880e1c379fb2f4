import type { ProducerOptions } from '@kinesis-kit/producer';

/**
 * Producer deadlines for the tests here, which build events from what a producer stored and count records exactly.
 * With the defaults (6 s request timeout, 30 s TTL) they assumed the server answers within 6 s: a timed-out request
 * the server still stored is a duplicate, and repeated timeouts expire records (issue #15, on a loaded machine).
 * With these nothing is abandoned or expires before the test's own budget ends. (packages/producer/test/patience.ts
 * is the same for the producer's tests.)
 */
export const NO_DEADLINES = Object.freeze({
  requestTimeoutMs: 600_000,
  recordTtlMs: Number.POSITIVE_INFINITY,
} satisfies Partial<ProducerOptions>);

/** The same for a child process (JSON has no Infinity: a TTL of an hour is as good as none here). */
export const NO_DEADLINES_JSON = JSON.stringify({
  requestTimeoutMs: NO_DEADLINES.requestTimeoutMs,
  recordTtlMs: 3_600_000,
});
