// The checker is only as good as its checks: each rule must turn red on a log that breaks it. A small clean log
// passes; each doctored copy breaks one promise and must be named by exactly that rule.
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../sim/checker/checkRun.js';
import { Rule } from '../../sim/checker/Violation.js';
import { cleanRun, RunLogBuilder, S0, S1, S2 } from './fixtures/RunLogBuilder.js';

const rulesOf = (b: RunLogBuilder) => [...new Set(checkRun(b.build()).violations.map((v) => v.rule))].sort();

describe('simulation checker', () => {
  it('passes a clean run with a failover and its documented re-deliveries', () => {
    const { violations, stats } = checkRun(cleanRun().build());
    expect(violations).toEqual([]);
    expect(stats.redeliveries).toBe(2);
  });

  it('no-loss: a record skipped while later ones were processed', () => {
    const b = cleanRun();
    b.attempts[2]!.deliveries.shift(); // a never gets record 4
    b.attempts[3]!.deliveries.shift(); // nor does b
    expect(rulesOf(b)).toEqual([Rule.NO_LOSS]);
  });

  it('no-loss: records between two LATEST iterators are owed', () => {
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3, 4]);
    b.initialPosition = 'LATEST';
    b.create(10, S0, 'LATEST').take(20, S0, 'a').iterator(21, 'a', S0, 'LATEST', 1);
    const s = b.session('a', S0, 20);
    b.iterator(600, 'a', S0, 'LATEST', 3); // started over: records 1 and 2 are skipped
    b.batch(s, 700, [3, 4]);
    expect(rulesOf(b)).toEqual([Rule.NO_LOSS]);
    // Without the second iterator the same log is clean (record 0 predates the first one: not owed).
    const clean = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3, 4]);
    clean.initialPosition = 'LATEST';
    clean.create(10, S0, 'LATEST').take(20, S0, 'a').iterator(21, 'a', S0, 'LATEST', 1);
    clean.batch(clean.session('a', S0, 20), 700, [1, 2, 3, 4]);
    expect(rulesOf(clean)).toEqual([]);
  });

  it('no-loss: a LATEST lease created finished is excused only for a shard already closed then', () => {
    const run = (closedAt: number) => {
      const b = new RunLogBuilder().shard(S0, { closedAt }).put(S0, [0, 1, 2]);
      b.initialPosition = 'LATEST';
      b.create(100, S0, 'SHARD_END');
      return rulesOf(b);
    };
    expect(run(50)).toEqual([]); // closed before anyone looked: nothing owed
    expect(run(150)).toEqual([Rule.NO_LOSS]); // finished while still open: every record is owed and was skipped
    // A child of a shard that was read is owed from its beginning: created finished, it was skipped.
    const child = new RunLogBuilder().shard(S0, { closedAt: 50 }).shard(S1, { parents: [S0], closedAt: 80 });
    child.put(S1, [0, 1]);
    child.initialPosition = 'LATEST';
    child.create(10, S0, 'LATEST').create(100, S1, 'SHARD_END');
    expect(rulesOf(child)).toContain(Rule.NO_LOSS); // (and liveness: S0's own lease was never read here)
  });

  it('liveness: owed records nobody got to', () => {
    const b = cleanRun();
    b.attempts.pop(); // b never processes 4..5
    b.attempts.pop();
    expect(rulesOf(b)).toEqual([Rule.LIVENESS]);
  });

  it('a skip policy excuses only what the processor threw on', () => {
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const s = b.session('a', S0, 20);
    b.batch(s, 100, [0], { variant: 'eachRecord', policy: 'skip' });
    b.batch(s, 100, [1], { variant: 'eachRecord', policy: 'skip', callStart: false, threwOn: 1 });
    b.batch(s, 300, [3], { variant: 'eachRecord', policy: 'skip' }); // record 2 was never handed over
    expect(rulesOf(b)).toEqual([Rule.NO_LOSS]);
    b.batch(s, 200, [2], { variant: 'eachRecord', policy: 'skip' });
    expect(rulesOf(b)).toEqual([]);
  });

  it('redelivery-after-checkpoint: a session delivers what its starting checkpoint covers', () => {
    const b = cleanRun();
    b.attempts[3]!.deliveries.unshift({
      ...b.attempts[3]!.deliveries[0]!,
      seq: b.attempts[1]!.deliveries[1]!.seq,
      n: 4,
    });
    expect(rulesOf(b)).toContain(Rule.REDELIVERY_AFTER_CHECKPOINT);
  });

  it('duplicate-in-session: a record delivered twice without a failed call holding it', () => {
    const b = cleanRun();
    const a1 = b.sessions[0]!;
    b.batch(a1, 600, [4, 5]);
    expect(rulesOf(b)).toEqual([Rule.DUPLICATE_IN_SESSION]);
  });

  it('duplicate-in-session: a retried batch is fine, but eachRecord must not re-run the records before the throw', () => {
    const retried = cleanRun();
    const a1 = retried.sessions[0]!;
    retried.attempts[2]!.threw = { at: 500, delivery: undefined };
    for (const d of retried.attempts[2]!.deliveries) d.ok = false;
    retried.batch(a1, 600, [4, 5]);
    expect(rulesOf(retried)).toEqual([]);

    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const s = b.session('a', S0, 20);
    b.batch(s, 100, [0], { variant: 'eachRecord' });
    b.batch(s, 100, [1], { variant: 'eachRecord', callStart: false, threwOn: 1 });
    b.batch(s, 300, [1], { variant: 'eachRecord' });
    b.batch(s, 300, [2], { variant: 'eachRecord', callStart: false });
    expect(rulesOf(b)).toEqual([]);
    b.batch(s, 400, [0], { variant: 'eachRecord' });
    expect(rulesOf(b)).toEqual([Rule.DUPLICATE_IN_SESSION]);
  });

  it('handoff-duplicates: the successor of a graceful stop re-delivers completed records', () => {
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const a1 = b.session('a', S0, 20, { at: 1_100, reason: 'requested' });
    b.batch(a1, 100, [0, 1]);
    b.checkpoint(110, S0, 'a', 0); // the last checkpoint lags (a failed write became a no-op)
    b.stop('a', 1_000, 1_150);
    b.write(1_100, S0, 'transfer', 'a', { owner: 'b' });
    const b1 = b.session('b', S0, 1_200);
    b.batch(b1, 1_300, [1, 2, 3]);
    expect(rulesOf(b)).toEqual([Rule.HANDOFF_DUPLICATES]);
  });

  it('handoff-duplicates: the new owner after a balancing move re-delivers what the old one completed', () => {
    // b asked for a's lease (a balancing move, no stop); a ended its session on request and transferred.
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const a1 = b.session('a', S0, 20, { at: 1_100, reason: 'requested' });
    b.batch(a1, 100, [0, 1]);
    b.checkpoint(110, S0, 'a', 0); // behind what a completed
    b.write(900, S0, 'handoff', 'b', {});
    b.write(1_100, S0, 'transfer', 'a', { owner: 'b' });
    const b1 = b.session('b', S0, 1_200);
    b.batch(b1, 1_300, [1, 2, 3]);
    expect(rulesOf(b)).toEqual([Rule.HANDOFF_DUPLICATES]);
  });

  it('handoff-duplicates: the last graceful owner leaves a checkpoint behind what it completed', () => {
    const b = cleanRun();
    b.writes.splice(
      b.writes.findIndex((w) => w.requester === 'b' && w.kind === 'checkpoint'),
      1,
    );
    const last = b.writes[b.writes.length - 1]!;
    last.before = b.writes[b.writes.length - 2]!.after;
    last.after = { ...last.after!, checkpoint: b.writes[b.writes.length - 2]!.after!.checkpoint };
    expect(rulesOf(b)).toEqual([Rule.HANDOFF_DUPLICATES]);
  });

  it('key-order: a key goes backwards within a session', () => {
    const b = cleanRun();
    const d = b.attempts[1]!.deliveries;
    [d[0], d[1]] = [d[1]!, d[0]!];
    b.attempts[1]!.deliveries[0] = { ...b.attempts[1]!.deliveries[0]!, key: 'k0' };
    b.attempts[2]!.deliveries.reverse();
    expect(rulesOf(b)).toContain(Rule.KEY_ORDER);
  });

  it('checkpoint-monotonic: a write moves the checkpoint back', () => {
    const b = cleanRun();
    b.checkpoint(3_150, S0, 'b', 2);
    expect(rulesOf(b)).toContain(Rule.CHECKPOINT_MONOTONIC);
  });

  it('two-owners: the old owner starts a batch long after another took its lease', () => {
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2, 3]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const a1 = b.session('a', S0, 20);
    b.batch(a1, 100, [0, 1]);
    b.take(2_000, S0, 'b');
    b.batch(b.session('b', S0, 2_000), 2_100, [0, 1, 2, 3]);
    b.batch(a1, 3_500, [2, 3]);
    expect(rulesOf(b)).toEqual([Rule.TWO_OWNERS]);
  });

  it('delivery-after-loss: a batch started after the worker was told its lease is gone', () => {
    const b = cleanRun();
    b.event(400, 'a', 'lease_lost', S0);
    expect(rulesOf(b)).toEqual([Rule.DELIVERY_AFTER_LOSS]);
  });

  it('checkpoint-after-loss: the lost session checkpoints through a lease taken again', () => {
    const b = new RunLogBuilder().shard(S0).put(S0, [0, 1, 2]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    const a1 = b.session('a', S0, 20, { at: 3_000, reason: 'lease_lost' });
    b.batch(a1, 100, [0, 1, 2]);
    b.event(1_200, 'a', 'lease_lost', S0);
    b.take(2_000, S0, 'a');
    b.checkpoint(2_500, S0, 'a', 2);
    expect(rulesOf(b)).toEqual([Rule.CHECKPOINT_AFTER_LOSS]);
  });

  it('parents-first: a child record before its parent reached SHARD_END', () => {
    const b = new RunLogBuilder()
      .shard(S0, { closedAt: 500 })
      .shard(S1, { parents: [S0] })
      .shard(S2, { parents: [S0] });
    b.put(S0, [0]).put(S1, [0]);
    b.create(10, S0).take(20, S0, 'a').iterator(21, 'a', S0, 'TRIM_HORIZON', 0);
    b.batch(b.session('a', S0, 20), 100, [0]);
    b.create(600, S1).create(600, S2).take(700, S1, 'a').iterator(701, 'a', S1, 'TRIM_HORIZON', 0);
    b.iterator(702, 'a', S2, 'TRIM_HORIZON', 0);
    b.batch(b.session('a', S1, 700), 800, [0]);
    b.checkpoint(900, S0, 'a', 'SHARD_END');
    expect(rulesOf(b)).toEqual([Rule.PARENTS_FIRST]);
  });

  it('stop-bound: a stop() that takes too long, or never resolves', () => {
    const b = cleanRun();
    b.stop('c', 1_000, 12_000);
    expect(rulesOf(b)).toEqual([Rule.STOP_BOUND]);
    const never = cleanRun();
    never.stop('c', 1_000, undefined);
    expect(rulesOf(never)).toEqual([Rule.STOP_BOUND]);
  });

  it('harness: what the fakes could not model fails the run', () => {
    const b = cleanRun();
    b.harnessErrors.push('FakeDynamoDB: unsupported syntax');
    expect(rulesOf(b)).toEqual([Rule.HARNESS]);
  });
});
