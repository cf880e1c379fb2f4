import { type Listener, type Logger, TypedEmitter } from '@kinesis-kit/commons';
import type { ConsumerEvents, StreamTag } from '../events.js';

/**
 * The consumer's emitter as one shard's runner and fetcher see it when the consumer reads several streams: every
 * payload gets the shard's `streamName` and `streamId`, so listeners (and metrics with a `StreamId` dimension) can
 * tell `shardId-000000000000` of one stream from that of another. Listeners subscribe on the consumer, not here.
 */
export class StreamTaggedEvents extends TypedEmitter<ConsumerEvents> {
  readonly #inner: TypedEmitter<ConsumerEvents>;
  readonly #tag: StreamTag;

  constructor(inner: TypedEmitter<ConsumerEvents>, tag: StreamTag, logger: Logger) {
    super(logger);
    this.#inner = inner;
    this.#tag = tag;
  }

  override on<E extends keyof ConsumerEvents>(event: E, listener: Listener<ConsumerEvents[E]>): () => void {
    return this.#inner.on(event, listener);
  }

  override hasListeners(event: keyof ConsumerEvents): boolean {
    return this.#inner.hasListeners(event);
  }

  override emit<E extends keyof ConsumerEvents>(event: E, payload: ConsumerEvents[E]): void {
    this.#inner.emit(event, { ...payload, ...this.#tag });
  }

  override emitLazy<E extends keyof ConsumerEvents>(event: E, build: () => ConsumerEvents[E]): void {
    if (this.#inner.hasListeners(event)) this.emit(event, build());
  }
}
