// The fault scenarios are only as good as their checks: each check must turn red on a log that breaks it. A
// small, clean log passes; each doctored copy breaks exactly one invariant.
import { describe, expect, it } from 'vitest';
import { type Ack, checkInvariants, type InvariantInput, type Line } from './fixtures/invariants.js';

const seq = (i: number) => `4968${String(i).padStart(52, '0')}`;
const S = 'shardId-000000000000';

/** Worker a reads records 0..5 of S, checkpoints after 2, dies at t=100 (killed); b takes over and re-reads 3..5. */
function cleanRun(): InvariantInput {
  const acked = new Map<number, Ack>();
  const lines: Line[] = [{ w: 'a', t: 0, type: 'gained', shardId: S }];
  for (let n = 0; n < 6; n++) {
    acked.set(n, { key: `k${n % 2}`, shardId: S, seq: seq(n), sub: 0 });
    lines.push({ w: 'a', t: 10 + n, s: 'a#1', shardId: S, key: `k${n % 2}`, n, seq: seq(n), sub: 0 });
  }
  lines.push({ w: 'a', t: 20, type: 'checkpoint', shardId: S, seq: seq(2), sub: 0 });
  lines.push({ w: 'a', t: 100, type: 'killed' });
  lines.push({ w: 'b', t: 3_100, type: 'gained', shardId: S });
  for (let n = 3; n < 6; n++)
    lines.push({ w: 'b', t: 3_110 + n, s: 'b#1', shardId: S, key: `k${n % 2}`, n, seq: seq(n), sub: 0 });
  return {
    acked,
    lines,
    failoverTimeMs: 3_000,
    finalLeases: [{ shardId: S, owner: 'b', checkpoint: seq(5) }],
    openShards: [S],
    liveWorkers: ['b'],
  };
}

describe('fault-suite invariants', () => {
  it('a clean run with a failover passes and counts its re-deliveries', () => {
    const report = checkInvariants(cleanRun());
    expect(report.violations).toEqual([]);
    expect(report.redeliveries).toBe(3);
    expect(report.lost).toEqual([]);
  });

  it('a dropped delivery is a lost record', () => {
    const input = cleanRun();
    const lines = input.lines.filter((l) => !(l.n === 4));
    const report = checkInvariants({ ...input, lines });
    expect(report.lost).toEqual([4]);
    expect(report.violations[0]).toMatch(/1 acknowledged records never processed/);
  });

  it('a record delivered from another position than acknowledged is flagged', () => {
    const input = cleanRun();
    const acked = new Map(input.acked);
    acked.set(1, { key: 'k1', shardId: S, seq: seq(99), sub: 0 });
    expect(checkInvariants({ ...input, acked }).violations.join()).toMatch(/at the position the producer reported/);
  });

  it('a re-delivery of a record checkpointed before the new owner gained the shard is flagged', () => {
    const input = cleanRun();
    const lines = [...input.lines, { w: 'b', t: 3_120, s: 'b#1', shardId: S, key: 'k0', n: 2, seq: seq(2), sub: 0 }];
    // (also an order break in b's session: position 2 after 5)
    expect(checkInvariants({ ...input, lines }).violations.join()).toMatch(/re-delivered to b although a checkpointed/);
  });

  it('a key delivered backwards within a session is flagged', () => {
    const input = cleanRun();
    const lines = input.lines.map((l) => (l.w === 'a' && l.n === 2 ? { ...l, t: 16 } : l));
    expect(checkInvariants({ ...input, lines }).violations.join()).toMatch(/per-key order breaks/);
  });

  it('records stored out of put() order are flagged, except re-routed ones and exempt shards', () => {
    // One worker, key k: n=1 was stored (and so delivered) before n=0.
    const acked = new Map<number, Ack>([
      [0, { key: 'k', shardId: S, seq: seq(2), sub: 0 }],
      [1, { key: 'k', shardId: S, seq: seq(1), sub: 0 }],
    ]);
    const lines: Line[] = [
      { w: 'a', t: 0, type: 'gained', shardId: S },
      { w: 'a', t: 1, s: 'a#1', shardId: S, key: 'k', n: 1, seq: seq(1), sub: 0 },
      { w: 'a', t: 2, s: 'a#1', shardId: S, key: 'k', n: 0, seq: seq(2), sub: 0 },
    ];
    const input = { acked, lines, failoverTimeMs: 3_000 };
    const violations = checkInvariants(input).violations.join();
    expect(violations).toMatch(/stored out of put\(\) order/);
    expect(violations).toMatch(/per-key order breaks.*n=0 after n=1/);
    acked.set(0, { ...(acked.get(0) as Ack), rerouted: true });
    expect(checkInvariants(input).violations).toEqual([]);
    acked.set(0, { ...(acked.get(0) as Ack), rerouted: false });
    expect(checkInvariants({ ...input, putOrderExemptShards: new Set([S]) }).violations).toEqual([]);
  });

  it('two owners of one shard for longer than failoverTimeMs are flagged', () => {
    const input = cleanRun();
    // a is not killed until after b gained plus the failover time.
    const lines = input.lines.map((l) => (l.type === 'killed' ? { ...l, t: 6_200 } : l));
    expect(checkInvariants({ ...input, lines }).violations.join()).toMatch(/a and b both held .* for 3100 ms/);
    const shorter = input.lines.map((l) => (l.type === 'killed' ? { ...l, t: 6_000 } : l));
    expect(checkInvariants({ ...input, lines: shorter }).violations).toEqual([]);
  });

  it('a delivery by a worker that does not hold the lease is flagged', () => {
    const input = cleanRun();
    const lines = [...input.lines, { w: 'a', t: 200, s: 'a#1', shardId: S, key: 'k1', n: 5, seq: seq(5), sub: 0 }];
    expect(checkInvariants({ ...input, lines }).violations.join()).toMatch(/without holding the lease/);
  });

  it('a shard left unleased, owned by a dead worker, or not run by its owner is flagged', () => {
    const input = cleanRun();
    expect(checkInvariants({ ...input, finalLeases: [] }).violations.join()).toMatch(/has no lease/);
    expect(
      checkInvariants({ ...input, finalLeases: [{ shardId: S, owner: 'a', checkpoint: seq(2) }] }).violations.join(),
    ).toMatch(/owned by a at the end/);
    expect(
      checkInvariants({
        ...input,
        finalLeases: [{ shardId: S, owner: undefined, checkpoint: seq(2) }],
      }).violations.join(),
    ).toMatch(/owned by nobody/);
    const lost = [...input.lines, { w: 'b', t: 3_500, type: 'lost' as const, shardId: S }];
    expect(checkInvariants({ ...input, lines: lost }).violations.join()).toMatch(/names b, which is not running it/);
    // A finished shard needs no owner.
    const ended = {
      ...input,
      finalLeases: [{ shardId: S, owner: undefined, checkpoint: 'SHARD_END' }],
      openShards: [],
    };
    expect(checkInvariants(ended).violations).toEqual([]);
  });
});
