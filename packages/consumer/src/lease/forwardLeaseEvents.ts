import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { LeaseCoordinator } from './LeaseCoordinator.js';

/**
 * The lease layer's events, for a consumer's `on()` users and operators: taking cycles that took leases, graceful
 * handoffs, shard syncs that changed leases, and background failures (renewals, taking, shard sync) as
 * `consumer.error`, logged at warn (the loops retry them on their own).
 */
export function forwardLeaseEvents(
  coordinator: LeaseCoordinator,
  events: TypedEmitter<ConsumerEvents>,
  logger: Logger,
): void {
  coordinator.on('taking_cycle', (cycle) => {
    if (cycle.taken.length === 0 && cycle.stolen === 0) return;
    events.emit('consumer.leases_taken', {
      shardIds: [...cycle.taken],
      stolen: cycle.stolen,
      target: cycle.target,
      liveWorkers: cycle.liveWorkers.length,
    });
  });
  coordinator.on('lease_handoff', ({ leaseKey, outcome, to, reason }) =>
    events.emit('consumer.lease_handoff', {
      shardId: leaseKey,
      outcome,
      reason,
      ...(to === undefined ? {} : { to }),
    }),
  );
  coordinator.on('shard_sync', (result) => {
    if (result.created.length > 0 || result.removed.length > 0) events.emit('consumer.shard_sync', result);
  });
  coordinator.on('error', ({ error, context }) => {
    logger.warn({ err: error, context }, 'lease layer step failed; retrying');
    events.emit('consumer.error', { error, context });
  });
}
