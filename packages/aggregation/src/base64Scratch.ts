// Lambda events and the Kinesis JSON API carry record data as base64. Decoding each record into fresh memory costs a
// page fault per 4 KiB on first touch — on small VMs more than the MD5 of the same bytes — and the C allocator hands
// freed MiB-sized blocks back to the OS, so the next record's memory is fresh again. Decoding into one reused buffer
// touches memory already paged in; user records then copy their own bytes out (small copies land in Node's pooled
// slabs), so nothing handed to a caller ever points into it.

/** Largest decoded record kept in the reused buffer; larger ones are decoded into their own memory. */
const MAX_SCRATCH_BYTES = 8 * 1024 * 1024;

let scratch = Buffer.allocUnsafeSlow(0);

/** Where {@link decodeBase64} put the bytes. */
export interface DecodedBase64 {
  data: Buffer;
  /** True when `data` is a view of the shared reused buffer, valid only until the next decode: copy out what you keep. */
  dataIsScratch: boolean;
}

/** Decodes `text` into `out` (no allocation for records up to 8 MiB). */
export function decodeBase64(text: string, out: DecodedBase64): void {
  const capacity = ((text.length * 3) >>> 2) + 3;
  if (capacity > MAX_SCRATCH_BYTES) {
    out.data = Buffer.from(text, 'base64');
    out.dataIsScratch = false;
    return;
  }
  if (scratch.length < capacity) scratch = Buffer.allocUnsafeSlow(Math.max(capacity, scratch.length * 2, 65_536));
  out.data = scratch.subarray(0, scratch.write(text, 0, 'base64'));
  out.dataIsScratch = true;
}

/** A copy of `source[start, end)` in memory of its own (pooled when small, like any `Buffer.from`). */
export function copyOut(source: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.allocUnsafe(end - start);
  source.copy(copy, 0, start, end);
  return copy;
}
