import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, SHARD_RUNNER_TRANSITIONS, ShardRunnerState } from './states.js';

describe('shard runner states', () => {
  it('allows the lifecycle path and shutdown from every live state, nothing out of DONE', () => {
    const S = ShardRunnerState;
    expect(canTransition(S.WAITING_ON_PARENTS, S.INITIALIZING)).toBe(true);
    expect(canTransition(S.INITIALIZING, S.PROCESSING)).toBe(true);
    expect(canTransition(S.PROCESSING, S.SHARD_ENDING)).toBe(true);
    expect(canTransition(S.SHARD_ENDING, S.DONE)).toBe(true);
    for (const from of [S.WAITING_ON_PARENTS, S.INITIALIZING, S.PROCESSING, S.SHARD_ENDING])
      expect(canTransition(from, S.SHUTTING_DOWN)).toBe(true);
    expect(SHARD_RUNNER_TRANSITIONS[S.DONE]).toEqual([]);
    expect(() => assertTransition(S.PROCESSING, S.INITIALIZING)).toThrow(/Illegal/);
    expect(() => assertTransition(S.WAITING_ON_PARENTS, S.PROCESSING)).toThrow(/Illegal/);
  });
});
