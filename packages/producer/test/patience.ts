import type { ProducerOptions } from '../src/index.js';

/**
 * Producer deadlines for a test that is not about deadlines. With the defaults (a 6 s request timeout, a 30 s
 * record TTL) such a test silently assumes the server answers within 6 s and stores everything within 30 s: on a
 * loaded machine kinesis-local did not (issue #15: records expired after repeated request timeouts, and every
 * timed-out request that the server still stored became a duplicate). With these, nothing expires and no request
 * is abandoned before the test's own budget ends: a slow server makes the test slower, never wrong. Tests about
 * timeouts or TTLs set their own (from the server's measured pace where the server is involved).
 */
export const NO_DEADLINES = Object.freeze({
  requestTimeoutMs: 600_000,
  recordTtlMs: Number.POSITIVE_INFINITY,
} satisfies Partial<ProducerOptions>);
