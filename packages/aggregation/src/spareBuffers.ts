// Aggregate buffers given back through RecordAggregator.recycle(), by size, shared by every aggregator in the
// process and bounded in bytes: reusing memory already paged in beats faulting in fresh memory, but a producer on a
// stream of many shards must not keep a spare per shard.

const spares = new Map<number, Buffer[]>();
let spareBytes = 0;
const MAX_SPARE_BYTES = 8 * 1024 * 1024;

/** Keeps `arrayBuffer` for a later aggregate of the same size, unless the pool is full. */
export function giveSpareBuffer(arrayBuffer: ArrayBuffer): void {
  const size = arrayBuffer.byteLength;
  if (spareBytes + size > MAX_SPARE_BYTES) return;
  let list = spares.get(size);
  if (list === undefined) {
    list = [];
    spares.set(size, list);
  }
  list.push(Buffer.from(arrayBuffer, 0, size));
  spareBytes += size;
}

/** A spare buffer of exactly `size` bytes, if one is kept. */
export function takeSpareBuffer(size: number): Buffer | undefined {
  const spare = spares.get(size)?.pop();
  if (spare !== undefined) spareBytes -= spare.length;
  return spare;
}
