import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Clock } from '@kinesis-kit/commons';

/**
 * The Kinesis service's clock, as its answers tell it. A `LATEST` start is anchored at a time so that a later reader
 * can resume `AT_TIMESTAMP` there; the service compares that time with its own arrival timestamps, so the anchor
 * must be a time of the service's clock: this host's wall clock may be ahead (a forward step, a VM resumed, a bad
 * NTP source), and an anchor ahead of the service skips every record written in between.
 */
export interface ServiceTime {
  /**
   * Epoch ms no later than the service's clock now, or `undefined` before any answer carried a `Date` header.
   * A `Date` header is whole seconds, rounded down, and stamped before the answer left the service: the header plus
   * the (monotonic) time since it arrived never runs ahead of the service.
   */
  lowerBound(): number | undefined;
}

/** The `Date` headers one client's answers carried, as the best lower bound of the service's clock. */
class ClientServiceTime implements ServiceTime {
  readonly #clock: Clock;
  #dateMs: number | undefined;
  /** Monotonic time at which `#dateMs` was seen. */
  #seenAt = 0;
  #lastHeader: string | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  observe(date: unknown): void {
    // Answers within one second carry the same header (several per second per shard): parsed once.
    if (typeof date !== 'string' || date === this.#lastHeader) return;
    this.#lastHeader = date;
    const ms = Date.parse(date);
    if (!Number.isFinite(ms)) return;
    const known = this.lowerBound();
    if (known !== undefined && ms <= known) return;
    this.#dateMs = ms;
    this.#seenAt = this.#clock.now();
  }

  lowerBound(): number | undefined {
    return this.#dateMs === undefined ? undefined : this.#dateMs + (this.#clock.now() - this.#seenAt);
  }
}

const byClient = new WeakMap<object, ClientServiceTime>();

/** The `date` header of an answer (a success's raw response, or a service error's `$response`). */
function dateHeaderOf(response: unknown): unknown {
  if (typeof response !== 'object' || response === null) return undefined;
  const headers = (response as { headers?: Record<string, unknown> }).headers;
  return headers?.date ?? headers?.Date;
}

/**
 * The service time one client's answers tell (a read-only middleware is added to the client once, the first time;
 * the client's other users see no difference). A client without a middleware stack (a hand-made fake) tells none.
 */
function serviceTimeOfClient(client: KinesisClient, clock: Clock): ServiceTime {
  let time = byClient.get(client);
  if (time !== undefined) return time;
  const created = new ClientServiceTime(clock);
  time = created;
  byClient.set(client, created);
  client.middlewareStack?.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        created.observe(dateHeaderOf(out.response));
        return out;
      } catch (error) {
        created.observe(dateHeaderOf((error as { $response?: unknown } | undefined)?.$response));
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'kinesisKitServiceTime', override: true },
  );
  return created;
}

/**
 * The service's clock as every given client tells it (the highest of their lower bounds), with this host's wall
 * clock as the fallback `anchorTime()` uses before any answer carried a `Date`.
 */
export function serviceTime(clients: readonly KinesisClient[], clock: Clock): ServiceTime {
  const times = [...new Set(clients)].map((client) => serviceTimeOfClient(client, clock));
  if (times.length === 1) return times[0] as ServiceTime;
  return {
    lowerBound() {
      let best: number | undefined;
      for (const time of times) {
        const bound = time.lowerBound();
        if (bound !== undefined && (best === undefined || bound > best)) best = bound;
      }
      return best;
    },
  };
}

/** Where a `LATEST` start is anchored now: the service's clock when known, else this host's wall clock. */
export function anchorTime(time: ServiceTime): number {
  return time.lowerBound() ?? Date.now();
}
