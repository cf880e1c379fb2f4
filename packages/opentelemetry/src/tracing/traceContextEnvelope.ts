/**
 * The trace-context envelope: Kinesis records have no headers, so a record that carries a W3C trace context carries
 * it in front of its data:
 *
 *   magic (4 bytes: 00 6B 6B 74, "\0kkt") | version (1 byte: 1) | length (2 bytes, big-endian) |
 *   header (`traceparent`, then optionally `\n` and `tracestate`, US-ASCII) | the original data
 *
 * The leading NUL keeps it from colliding with text payloads (JSON, CSV, logs), and it differs from the KPL
 * aggregation magic (F3 89 9A C2), so both can be combined: aggregation packs enveloped user records.
 */
export const ENVELOPE_MAGIC = Object.freeze([0x00, 0x6b, 0x6b, 0x74] as const);
const VERSION = 1;
const PREFIX_BYTES = 7;
/** A traceparent is 55 characters; tracestate at most 512 (W3C: 32 members, we keep what fits). */
const MAX_HEADER_BYTES = 1024;

/** The W3C headers an envelope carries. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string | undefined;
}

/** `data` behind an envelope carrying `headers`. */
export function wrapData(data: Uint8Array, headers: TraceHeaders): Uint8Array {
  let header = headers.traceparent;
  if (headers.tracestate !== undefined && headers.tracestate.length > 0) {
    const withState = `${header}\n${headers.tracestate}`;
    if (withState.length <= MAX_HEADER_BYTES) header = withState;
  }
  const headerBytes = Buffer.from(header, 'latin1');
  const out = new Uint8Array(PREFIX_BYTES + headerBytes.length + data.length);
  out.set(ENVELOPE_MAGIC, 0);
  out[4] = VERSION;
  out[5] = headerBytes.length >>> 8;
  out[6] = headerBytes.length & 0xff;
  out.set(headerBytes, PREFIX_BYTES);
  out.set(data, PREFIX_BYTES + headerBytes.length);
  return out;
}

/** Whether `data` starts with an envelope (a 5-byte check: cheap enough for every record). */
export function hasEnvelope(data: Uint8Array): boolean {
  return (
    data.length >= PREFIX_BYTES &&
    data[0] === 0x00 &&
    data[1] === 0x6b &&
    data[2] === 0x6b &&
    data[3] === 0x74 &&
    data[4] === VERSION
  );
}

/** The headers and the original data (a view, no copy); undefined when `data` has no (valid) envelope. */
export function unwrapData(data: Uint8Array): { headers: TraceHeaders; data: Uint8Array } | undefined {
  if (!hasEnvelope(data)) return undefined;
  const length = ((data[5] as number) << 8) | (data[6] as number);
  if (length === 0 || PREFIX_BYTES + length > data.length) return undefined;
  const header = Buffer.from(data.buffer, data.byteOffset + PREFIX_BYTES, length).toString('latin1');
  const newline = header.indexOf('\n');
  const headers: TraceHeaders =
    newline < 0
      ? { traceparent: header }
      : { traceparent: header.slice(0, newline), tracestate: header.slice(newline + 1) };
  return { headers, data: data.subarray(PREFIX_BYTES + length) };
}
