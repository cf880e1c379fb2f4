import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '@kinesis-kit/commons';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import type { ProcessorVariant, StopRecord, WorkerEvent, WorkerEventKind } from '../checker/RunLog.js';
import type { FakeDynamoDB } from '../dynamodb/FakeDynamoDB.js';
import type { FakeKinesis } from '../kinesis/FakeKinesis.js';
import type { SimNetwork } from '../network/SimNetwork.js';
import type { Actor } from '../world/EventQueue.js';
import { type ClockSkew, WorkerClock } from '../world/WorkerClock.js';
import { SIM_EPOCH_MS, type World } from '../world/World.js';
import type { DeliveryLog } from './DeliveryLog.js';
import { type ProcessorTrouble, processorOptions } from './processors.js';

/** One worker incarnation as the scenario plans it. */
export interface WorkerPlan {
  /** Unique per incarnation (a restarted worker gets a new id, as a new process would). */
  readonly id: string;
  readonly variant: ProcessorVariant;
  readonly onProcessorError: 'retry' | 'skip';
  readonly everyRecords: number | undefined;
  readonly maxConcurrentBatches: number;
  readonly stopTimeoutMs: number | undefined;
  /** Polling (GetRecords) or enhanced fan-out (SubscribeToShard). */
  readonly retrieval: 'polling' | 'fanout';
  readonly skew: ClockSkew;
}

/** What every worker of a run shares. */
export interface WorkerEnvironment {
  readonly world: World;
  readonly network: SimNetwork;
  readonly kinesis: FakeKinesis;
  readonly dynamodb: FakeDynamoDB;
  readonly log: DeliveryLog;
  readonly events: WorkerEvent[];
  readonly stops: StopRecord[];
  readonly trouble: ProcessorTrouble;
  readonly failoverTimeMs: number;
  /** stop() bound of a worker without `stopTimeoutMs`. */
  readonly stopBoundMs: number;
  readonly initialPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  /** AT_TIMESTAMP runs: the timestamp, in true time. */
  readonly atTimestamp: number | undefined;
}

export type WorkerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'killed' | 'failed';

/** stop() may take its `stopTimeoutMs` (the documented bound) plus this: the event loop's own latency. */
const STOP_TIMEOUT_SLACK_MS = 100;

const noop = (): void => undefined;
/** A silent logger: cheaper than a silent pino per worker. */
const silent: Logger = { error: noop, warn: noop, info: noop, debug: noop, trace: noop, child: () => silent };

/**
 * A real `KinesisConsumer` wired to the in-memory services through the simulated network, on its own drifting
 * clock, with the processor variant of its plan; and the worker's lifecycle faults (graceful stop, kill -9, GC pause).
 */
export class SimWorker {
  readonly plan: WorkerPlan;
  readonly actor: Actor;
  readonly consumer: KinesisConsumer;
  state: WorkerState = 'created';
  readonly #env: WorkerEnvironment;

  constructor(plan: WorkerPlan, env: WorkerEnvironment) {
    this.plan = plan;
    this.#env = env;
    this.actor = { id: plan.id, killed: false, pausedUntil: 0 };
    const clock = new WorkerClock(env.world, this.actor, plan.skew);
    const { network } = env;
    // The one place the fakes pose as SDK clients: the consumer only calls send(command, { abortSignal }).
    const kinesisClient = network.client(this.actor, env.kinesis) as unknown as KinesisClient;
    const dynamoDbClient = network.client(this.actor, env.dynamodb) as unknown as DynamoDBClient;
    const initialPosition =
      env.initialPosition === 'AT_TIMESTAMP'
        ? { timestamp: new Date(SIM_EPOCH_MS + (env.atTimestamp ?? 0)) }
        : env.initialPosition;
    this.consumer = new KinesisConsumer({
      streamName: env.kinesis.stream.name,
      applicationName: 'sim-app',
      workerId: plan.id,
      kinesisClient,
      dynamoDbClient,
      logger: silent,
      clock,
      initialPosition,
      keepProcessAlive: false,
      // A fleet tuned for fast failover, as the fault suite runs it.
      failoverTimeMs: env.failoverTimeMs,
      maxRecords: 50,
      idleTimeBetweenReadsMs: 600,
      minGetRecordsIntervalMs: 400,
      fetchRetryBaseDelayMs: 100,
      fetchRetryMaxDelayMs: 2_000,
      processorRetryBaseDelayMs: 100,
      processorRetryMaxDelayMs: 2_000,
      parentShardPollIntervalMs: 500,
      schedulerTickMs: 500,
      maxConcurrentBatches: plan.maxConcurrentBatches,
      onProcessorError: plan.onProcessorError,
      stopTimeoutMs: plan.stopTimeoutMs,
      leaseOptions: { takingIntervalMs: 500, maxTakingIntervalMs: 1_000, shardSyncIntervalMs: 5_000 },
      // Fan-out with the consumer already registered (registration polls on real timers: a seam, see README).
      retrieval:
        plan.retrieval === 'polling'
          ? 'polling'
          : { type: 'fanout', consumerArn: env.kinesis.consumerArn, heartbeatTimeoutMs: 5_000 },
      ...processorOptions({
        worker: plan.id,
        variant: plan.variant,
        onProcessorError: plan.onProcessorError,
        everyRecords: plan.everyRecords,
        clock,
        log: env.log,
        trouble: env.trouble,
      }),
    });
    this.#listen();
  }

  get alive(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  start(): void {
    this.state = 'starting';
    this.#event('start');
    this.consumer.start().then(
      () => {
        if (this.state === 'starting') this.state = 'running';
      },
      (error: unknown) => {
        if (this.state === 'starting') this.state = 'failed';
        this.#event('start_failed', undefined, errorName(error));
      },
    );
  }

  /**
   * Graceful stop; records how long `stop()` takes to resolve. A paused worker calls it when the pause ends (a
   * process in a stop-the-world pause runs no signal handler either).
   */
  stop(final: boolean): void {
    if (!this.alive) return;
    if (this.actor.pausedUntil > this.#env.world.now) {
      this.#env.world.schedule(this.actor.pausedUntil, this.actor, () => this.stop(final));
      return;
    }
    this.state = 'stopping';
    this.#event('stop', undefined, final ? 'final' : undefined);
    const { stopTimeoutMs } = this.plan;
    const record: StopRecord = {
      worker: this.plan.id,
      requestedAt: this.#env.world.now,
      boundMs: stopTimeoutMs === undefined ? this.#env.stopBoundMs : stopTimeoutMs + STOP_TIMEOUT_SLACK_MS,
      resolvedAt: undefined,
      final,
    };
    this.#env.stops.push(record);
    this.consumer.stop().then(
      () => {
        record.resolvedAt = this.#env.world.now;
        this.state = 'stopped';
        this.#event('stopped');
      },
      (error: unknown) => {
        record.resolvedAt = this.#env.world.now;
        this.state = 'stopped';
        this.#event('stopped', undefined, `rejected: ${errorName(error)}`);
      },
    );
  }

  /** kill -9: every timer and pending call vanishes; writes on the wire land or not. */
  kill(): void {
    if (this.state === 'killed' || this.state === 'stopped') return;
    this.state = 'killed';
    this.actor.killed = true;
    this.#env.network.kill(this.actor);
    this.#env.log.endAll(this.plan.id, 'killed');
    this.#event('kill');
  }

  /** A stop-the-world pause: nothing of this worker runs until it ends (true time goes on). */
  pause(ms: number): void {
    if (this.state === 'killed') return;
    this.actor.pausedUntil = Math.max(this.actor.pausedUntil, this.#env.world.now + ms);
    this.#event('pause', undefined, `${Math.round(ms)} ms`);
  }

  #listen(): void {
    const c = this.consumer;
    const w = this.plan.id;
    const log = this.#env.log;
    c.on('consumer.lease_gained', ({ shardId }) => log.startSession(w, shardId));
    c.on('consumer.lease_lost', ({ shardId }) => this.#event('lease_lost', shardId));
    c.on('consumer.shard_state', ({ shardId, to, reason }) => {
      if (to === 'DONE') log.endSession(w, shardId, reason ?? 'done');
    });
    c.on('consumer.checkpoint', ({ shardId, sequenceNumber, subSequenceNumber }) =>
      this.#event('checkpoint', shardId, `${sequenceNumber}/${subSequenceNumber}`),
    );
    c.on('consumer.shard_ended', ({ shardId }) => this.#event('shard_ended', shardId));
    c.on('consumer.processor_error', ({ shardId, error, action }) =>
      this.#event('processor_error', shardId, `${action}: ${errorName(error)}`),
    );
    c.on('consumer.error', ({ shardId, error, context }) => {
      this.#event('error', shardId, `${context}: ${errorName(error)}`);
      // A runner that failed is DONE without a state event.
      if (context === 'shard_runner' && shardId !== undefined) log.endSession(w, shardId, 'runner failed');
    });
    c.on('consumer.started', () => this.#event('started'));
  }

  #event(kind: WorkerEventKind, shardId?: string, detail?: string): void {
    this.#env.events.push({
      t: this.#env.world.now,
      o: this.#env.world.nextOrder(),
      worker: this.plan.id,
      kind,
      shardId,
      detail,
    });
  }
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? ` (${cause.name})` : '';
  return `${error.name}${inner}: ${error.message}`.slice(0, 160);
}
