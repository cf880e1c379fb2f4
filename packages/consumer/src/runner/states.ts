/**
 * The per-shard lifecycle (KCL `ConsumerStates`): a runner waits for its parents to finish, initializes the
 * processor, processes batches, and shuts down for one reason. Every transition goes through {@link assertTransition}.
 */
export const ShardRunnerState = {
  WAITING_ON_PARENTS: 'WAITING_ON_PARENTS',
  INITIALIZING: 'INITIALIZING',
  PROCESSING: 'PROCESSING',
  SHARD_ENDING: 'SHARD_ENDING',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  DONE: 'DONE',
} as const;
export type ShardRunnerState = (typeof ShardRunnerState)[keyof typeof ShardRunnerState];

/** Why a runner shut down. */
export const ShutdownReason = {
  /** The shard was read to its end and checkpointed `SHARD_END`. */
  SHARD_END: 'shard_end',
  /** `stop()` was called: the processor got `shutdownRequested` and the lease is released. */
  REQUESTED: 'requested',
  /** Another worker owns the lease now: the processor got `leaseLost`. */
  LEASE_LOST: 'lease_lost',
  /** The processor failed and the policy is `stop_shard`. */
  ERROR: 'error',
} as const;
export type ShutdownReason = (typeof ShutdownReason)[keyof typeof ShutdownReason];

const S = ShardRunnerState;

/** Legal transitions. SHUTTING_DOWN is reachable from every live state (stop, lease lost, error). */
export const SHARD_RUNNER_TRANSITIONS: Readonly<Record<ShardRunnerState, readonly ShardRunnerState[]>> = Object.freeze({
  [S.WAITING_ON_PARENTS]: [S.INITIALIZING, S.SHUTTING_DOWN],
  [S.INITIALIZING]: [S.PROCESSING, S.SHUTTING_DOWN],
  [S.PROCESSING]: [S.SHARD_ENDING, S.SHUTTING_DOWN],
  [S.SHARD_ENDING]: [S.DONE, S.SHUTTING_DOWN],
  [S.SHUTTING_DOWN]: [S.DONE],
  [S.DONE]: [],
});

export function canTransition(from: ShardRunnerState, to: ShardRunnerState): boolean {
  return SHARD_RUNNER_TRANSITIONS[from].includes(to);
}

/** Throws on an illegal transition: a bug in the runner, never a user error. */
export function assertTransition(from: ShardRunnerState, to: ShardRunnerState): void {
  if (!canTransition(from, to)) throw new Error(`Illegal shard runner transition ${from} -> ${to}`);
}
