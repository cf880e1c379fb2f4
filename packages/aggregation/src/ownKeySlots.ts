import type { PartitionKeySlot } from './UserRecord.js';

/** Most partition keys kept; then the map starts over (bounded memory for callers with unbounded key sets). */
const MAX_KEYS = 8192;

/**
 * The aggregator's own {@link PartitionKeySlot}s, for callers that pass none, kept across aggregates: one Map lookup
 * per record, and a key's UTF-8 length is measured once, not once per aggregate. Starting over only costs a key
 * that then appears twice in one aggregate's table, which every reader decodes alike.
 */
export class OwnKeySlots {
  readonly #slots = new Map<string, PartitionKeySlot>();

  get(partitionKey: string): PartitionKeySlot {
    let slot = this.#slots.get(partitionKey);
    if (slot === undefined) {
      if (this.#slots.size >= MAX_KEYS) this.#slots.clear();
      slot = { keyBytes: Buffer.byteLength(partitionKey, 'utf8'), aggregate: -1, index: 0 };
      this.#slots.set(partitionKey, slot);
    }
    return slot;
  }
}
