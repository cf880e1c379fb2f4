import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents } from '../events.js';
import type { RecordsFetcherFactory } from '../fetch/RecordsFetcher.js';
import type { Lease } from '../lease/Lease.js';
import type { LeaseTable } from '../lease/LeaseTable.js';
import type { ResolvedKinesisConsumerOptions } from '../options.js';
import type { RunnerLease } from '../runner/RunnerLeases.js';
import { StreamTaggedEvents } from '../runner/StreamTaggedEvents.js';
import { MultiStreamSync, type StreamConfig } from './MultiStreamSync.js';
import type { ShardSource } from './ShardSource.js';
import { ShardSyncer } from './ShardSyncer.js';

/** A stream as a fetcher addresses it. */
export interface StreamTarget {
  readonly streamName?: string | undefined;
  readonly streamArn?: string | undefined;
}

/** Where a consumer's leases come from and how each shard's runner reads its stream. */
export interface ConsumerStreams {
  readonly source: ShardSource;
  /** Several streams: the name of a lease's stream (runners, processor inputs and events carry it). */
  readonly streamNameOf: ((lease: Lease) => string | undefined) | undefined;
  /** A runner's fetcher factory and events: its lease's stream, its events tagged with it (several streams). */
  runnerWiring(lease: RunnerLease): { fetcherFactory: RecordsFetcherFactory; events: TypedEmitter<ConsumerEvents> };
}

/**
 * One stream (`streamName`/`streamArn`: a `ShardSyncer`) or several through one table (`streams`: a
 * `MultiStreamSync`, the KCL multi-stream layout), and the per-runner wiring that follows from it.
 */
export function consumerStreams(
  o: ResolvedKinesisConsumerOptions,
  deps: {
    kinesisClient: KinesisClient;
    leaseTable: LeaseTable;
    events: TypedEmitter<ConsumerEvents>;
    logger: Logger;
    /** The fetcher factory of one stream, emitting on `events`. */
    pollingFetchers: (target: StreamTarget, events: TypedEmitter<ConsumerEvents>) => RecordsFetcherFactory;
    /** The factory of the single stream (polling or fan-out). */
    singleStreamFetchers: RecordsFetcherFactory;
  },
): ConsumerStreams {
  const { kinesisClient, leaseTable, events } = deps;
  if (o.streams === undefined) {
    return {
      source: new ShardSyncer({
        kinesisClient,
        ...(o.streamArn === undefined ? { streamName: o.streamName! } : { streamArn: o.streamArn }),
        leaseTable,
        initialPosition: o.initialPosition,
        logger: o.logger,
        clock: o.clock,
      }),
      streamNameOf: undefined,
      runnerWiring: () => ({ fetcherFactory: deps.singleStreamFetchers, events }),
    };
  }
  const multi = new MultiStreamSync({
    kinesisClient,
    leaseTable,
    streams: o.streams,
    initialPosition: o.initialPosition,
    refreshIntervalMs: o.streamDiscoveryIntervalMs,
    formerStreamLeaseDeletion: o.formerStreamLeaseDeletion,
    logger: o.logger,
    clock: o.clock,
  });
  return {
    source: multi,
    streamNameOf: (lease) => streamNameOf(multi.streamOf(lease)),
    runnerWiring: (lease) => {
      if (lease.streamName === undefined) return { fetcherFactory: deps.singleStreamFetchers, events };
      const config = lease.streamId === undefined ? undefined : multi.streams().get(lease.streamId);
      const tagged = new StreamTaggedEvents(
        events,
        { streamName: lease.streamName, ...(lease.streamId === undefined ? {} : { streamId: lease.streamId }) },
        deps.logger,
      );
      const target =
        config?.streamArn !== undefined ? { streamArn: config.streamArn } : { streamName: lease.streamName };
      return { fetcherFactory: deps.pollingFetchers(target, tagged), events: tagged };
    },
  };
}

/** A configured stream's name (from its ARN when given by ARN). */
function streamNameOf(config: StreamConfig | undefined): string | undefined {
  return config?.streamName ?? config?.streamArn?.split('/').pop();
}
