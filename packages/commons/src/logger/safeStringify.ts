import { isErrorLike, serializeError } from './serializeError.js';

/**
 * `JSON.stringify` that never throws: cycles become `"[Circular]"`, bigints strings, errors pino's `err` shape, and
 * byte arrays only their length (a log line never carries payload bytes).
 */
export function safeStringify(value: unknown): string {
  // The path from the root to the value being visited: what the replacer returned (JSON's holders) and the
  // original values (for cycle detection).
  const holders: unknown[] = [];
  const originals: unknown[] = [];
  try {
    return JSON.stringify(value, function replacer(this: unknown, _key, v: unknown) {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return `[${v.constructor.name} ${v.length} bytes]`;
      if (typeof v !== 'object' || v === null) return v;
      while (holders.length > 0 && holders[holders.length - 1] !== this) {
        holders.pop();
        originals.pop();
      }
      if (originals.includes(v)) return '[Circular]';
      const out = v instanceof Error && isErrorLike(v) ? serializeError(v) : v;
      holders.push(out);
      originals.push(v);
      return out;
    });
  } catch (error) {
    return JSON.stringify({ msg: 'kinesis-kit: a log line could not be serialized', reason: String(error) });
  }
}
