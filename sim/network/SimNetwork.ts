import type { Actor, SimEvent } from '../world/EventQueue.js';
import type { Random } from '../world/Random.js';
import { SIM_EPOCH_MS, type World } from '../world/World.js';
import {
  type CallContext,
  connectionResetError,
  type FaultPolicy,
  HarnessError,
  type SimService,
  timeoutError,
} from './callFate.js';

/** A call that failed, as the checker sees it (faults near a graceful handoff excuse its duplicates). */
export interface FailedCall {
  t: number;
  worker: string;
  service: SimService['name'];
  op: string;
  error: string;
}

interface InFlight {
  event: SimEvent;
}

/**
 * Carries every worker's calls to the in-memory services, in virtual time. A call is processed by the service at
 * send + latency (a world event: a paused caller does not stop the server), and its answer goes back to the caller
 * as an event of the caller's actor (so it waits out a pause, and a killed caller never hears it). The caller's
 * `abortSignal` rejects the call at once with the signal's reason; the request itself may still land.
 */
export class SimNetwork {
  readonly #world: World;
  readonly #faults: FaultPolicy;
  readonly #random: Random;
  readonly #inFlight = new Map<Actor, Set<InFlight>>();
  readonly failedCalls: FailedCall[] = [];
  readonly harnessErrors: string[] = [];

  constructor(world: World, faults: FaultPolicy, random: Random) {
    this.#world = world;
    this.#faults = faults;
    this.#random = random;
  }

  /**
   * A client (`send(command, { abortSignal })`) for one worker and one service. Its middleware stack runs what the
   * code under test adds at the `deserialize` step around each successful answer, as the SDK does, with the raw
   * response's one header that matters here: `date`, the service's true time in whole seconds (rounded down).
   */
  client(actor: Actor, service: SimService): SimClient {
    const middlewares: SimMiddleware[] = [];
    return {
      middlewareStack: {
        add: (middleware, options) => {
          if (options.step !== 'deserialize') throw new HarnessError(`middleware at step ${options.step}`);
          middlewares.push(middleware);
        },
      },
      send: (command, options) => {
        let servedAt = this.#world.now;
        let handler: SimHandler = async () => {
          const output = await this.call(actor, service, command, options?.abortSignal, (now) => {
            servedAt = now;
          });
          return { output, response: { statusCode: 200, headers: { date: httpDate(servedAt) } } };
        };
        for (const middleware of [...middlewares].reverse()) handler = middleware(handler, {});
        return handler({ input: command }).then((out) => out.output);
      },
    };
  }

  /**
   * The worker was killed: its calls on the wire land or not, at random (each one independently), and it hears
   * no answer (its actor's events are dropped by the world).
   */
  kill(actor: Actor): void {
    for (const flight of this.#inFlight.get(actor) ?? []) if (this.#random.chance(0.5)) flight.event.cancelled = true;
    this.#inFlight.delete(actor);
  }

  call(
    actor: Actor,
    service: SimService,
    command: object,
    signal: AbortSignal | undefined,
    served?: (now: number) => void,
  ): Promise<unknown> {
    if (actor.killed) return new Promise(() => undefined);
    const world = this.#world;
    let op: string;
    try {
      op = service.operationOf(command);
    } catch (error) {
      this.harnessErrors.push(String(error));
      return Promise.reject(error);
    }
    const fate = this.#faults.fate(actor.id, service.name, op, world.now);
    const latency = this.#faults.latencyMs(actor.id, service.name, op);
    const call: CallContext = { caller: actor.id, op, answer: 'pending', actor, signal };
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        call.answer = 'error';
        reject(signal.reason);
        return;
      }
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        call.answer = 'error';
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const answer = (ok: boolean, value: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        call.answer = ok ? 'ok' : 'error';
        if (!ok)
          this.failedCalls.push({ t: world.now, worker: actor.id, service: service.name, op, error: describe(value) });
        if (ok) resolve(value);
        else reject(value);
      };
      // The answer travels back as the caller's own event: it waits out a pause; a dead caller never hears it.
      const reply = (ok: boolean, value: unknown) => {
        if (actor.killed) {
          call.answer = 'none';
          return;
        }
        if (actor.pausedUntil > world.now) world.schedule(actor.pausedUntil, actor, () => answer(ok, value));
        else answer(ok, value);
      };
      const process = (): { ok: boolean; value: unknown } => {
        served?.(world.now);
        try {
          return { ok: true, value: service.handle(command, call) };
        } catch (error) {
          if (error instanceof HarnessError) this.harnessErrors.push(error.message);
          return { ok: false, value: error };
        }
      };
      const flights = this.#flights(actor);
      const flight: InFlight = { event: undefined as unknown as SimEvent };
      const land = (run: () => void) => {
        flight.event = world.after(latency, undefined, () => {
          flights.delete(flight);
          run();
        });
        flights.add(flight);
      };
      switch (fate.kind) {
        case 'ok':
          land(() => {
            const outcome = process();
            reply(outcome.ok, outcome.value);
          });
          return;
        case 'throttle':
          land(() => reply(false, service.throttlingError(op)));
          return;
        case 'ambiguous':
          land(() => {
            process();
            reply(false, service.ambiguousError(op, this.#random.chance(0.5)));
          });
          return;
        case 'fail':
          land(() => reply(false, timeoutError(op)));
          return;
        case 'hangUntil':
          world.schedule(fate.until, undefined, () => reply(false, connectionResetError(op)));
          return;
        case 'hang':
          call.answer = 'none';
          if (fate.applied) land(() => void process());
          return;
      }
    });
  }

  #flights(actor: Actor): Set<InFlight> {
    let set = this.#inFlight.get(actor);
    if (set === undefined) {
      set = new Set();
      this.#inFlight.set(actor, set);
    }
    return set;
  }
}

type SimHandler = (args: { input: object }) => Promise<{ output: unknown; response: unknown }>;
type SimMiddleware = (next: SimHandler, context: object) => SimHandler;

/** What a worker's SDK client is here: `send`, and a middleware stack for the `deserialize` step. */
export interface SimClient {
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  middlewareStack: { add(middleware: SimMiddleware, options: { step?: string }): void };
}

/** An HTTP `Date` header for a moment of the world's true time: whole seconds, rounded down. */
function httpDate(now: number): string {
  return new Date(Math.floor((SIM_EPOCH_MS + now) / 1000) * 1000).toUTCString();
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' && 'code' in error ? String(error.code) : error.name;
  return String(error);
}
