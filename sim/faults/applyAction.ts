import type { FaultEvent } from '../checker/RunLog.js';
import type { FakeKinesis } from '../kinesis/FakeKinesis.js';
import type { Fleet } from '../workers/Fleet.js';
import type { SimWorker } from '../workers/SimWorker.js';
import type { World } from '../world/World.js';
import type { FaultState } from './FaultState.js';
import type { Action } from './Scenario.js';

export interface ActionContext {
  readonly world: World;
  readonly fleet: Fleet;
  readonly faults: FaultState;
  readonly kinesis: FakeKinesis;
  readonly faultPhaseMs: number;
  readonly log: FaultEvent[];
  /** Steps the wall clock (what `Date.now()` returns) by `deltaMs`. */
  stepWallClock(deltaMs: number): void;
}

/** Applies one scheduled action at its time and logs what it did (or that it no longer applied: a dead target). */
export function applyAction(action: Action, ctx: ActionContext): void {
  ctx.log.push({ t: ctx.world.now, o: ctx.world.nextOrder(), text: apply(action, ctx) });
}

function apply(action: Action, ctx: ActionContext): string {
  const { world, fleet, faults, kinesis } = ctx;
  const untilPhaseEnd = (ms: number) => Math.max(0, Math.min(ms, ctx.faultPhaseMs - world.now));
  switch (action.kind) {
    case 'start': {
      const worker = fleet.start(action.slot);
      return worker === undefined ? `start ${action.slot}: already running` : `start ${describeWorker(worker)}`;
    }
    case 'stop':
    case 'kill':
    case 'pause':
    case 'partition':
    case 'hangNext': {
      const target = fleet.current(action.slot);
      if (target === undefined) return `${action.kind} ${action.slot}: skipped (not running)`;
      const id = target.plan.id;
      switch (action.kind) {
        case 'stop':
          target.stop(false);
          return `stop ${id}`;
        case 'kill':
          target.kill();
          return `kill ${id}`;
        case 'pause':
          target.pause(untilPhaseEnd(action.ms));
          return `pause ${id} ${Math.round(untilPhaseEnd(action.ms))} ms`;
        case 'partition':
          faults.partition(id, action.ms, action.mode);
          return `partition ${id} from DynamoDB for ${Math.round(untilPhaseEnd(action.ms))} ms (${action.mode})`;
        case 'hangNext':
          faults.hangNextDynamoDBCall(id);
          return `the next DynamoDB call of ${id} hangs until aborted`;
      }
      return '';
    }
    case 'split': {
      const open = kinesis.stream.openShards();
      const shard = open[Math.floor(action.pick * open.length)]!;
      const mid = shard.startingHashKey + (shard.endingHashKey - shard.startingHashKey) / 2n;
      if (mid <= shard.startingHashKey) return `split ${shard.id}: range too small`;
      const children = kinesis.stream.split(shard, mid, world.now);
      return `split ${shard.id} → ${children.map((c) => c.id).join(', ')}`;
    }
    case 'merge': {
      const pairs = kinesis.stream.adjacentOpenPairs();
      if (pairs.length === 0) return 'merge: no adjacent open shards';
      const [low, high] = pairs[Math.floor(action.pick * pairs.length)]!;
      const child = kinesis.stream.merge(low, high, world.now);
      return `merge ${low.id} + ${high.id} → ${child.id}`;
    }
    case 'kinesisThrottle':
      faults.throttleKinesis(action.ms, action.p, action.ops);
      return `throttle ${action.ops.join('+')} for ${Math.round(action.ms)} ms (p ${action.p.toFixed(2)})`;
    case 'ddbThrottle':
      faults.throttleDynamoDB(action.ms, action.p);
      return `throttle DynamoDB for ${Math.round(action.ms)} ms (p ${action.p.toFixed(2)})`;
    case 'ddbAmbiguous':
      faults.ambiguousDynamoDB(action.ms, action.p);
      return `ambiguous DynamoDB answers for ${Math.round(action.ms)} ms (p ${action.p.toFixed(2)})`;
    case 'expireIterators': {
      const shards = kinesis.stream.shards;
      const shard = shards[Math.floor(action.pick * shards.length)]!;
      return `expire ${kinesis.iterators.expireAll(shard.id)} iterators of ${shard.id}`;
    }
    case 'wallStep':
      ctx.stepWallClock(action.deltaMs);
      return `wall clock steps ${action.deltaMs > 0 ? '+' : ''}${Math.round(action.deltaMs / 1000)} s`;
    case 'processorTrouble': {
      const r = action.rates;
      faults.processorTrouble(action.ms, r);
      return `processor trouble for ${Math.round(action.ms)} ms (throw ${r.throwP.toFixed(2)}, slow ${r.slowP.toFixed(2)}, very slow ${r.verySlowP.toFixed(2)}, factory ${r.factoryThrowP.toFixed(2)})`;
    }
  }
}

function describeWorker(worker: SimWorker): string {
  const p = worker.plan;
  const timeout = p.stopTimeoutMs === undefined ? '' : `, stopTimeoutMs ${p.stopTimeoutMs}`;
  return `${p.id} (${p.retrieval}, ${p.variant}, ${p.onProcessorError}, maxConcurrentBatches ${p.maxConcurrentBatches}${timeout})`;
}
