/** An error as a log line carries it: pino's `err` shape. */
export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  [key: string]: unknown;
}

interface ErrorLike {
  message: string;
  stack?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
}

export function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

const MAX_CAUSES = 8;

/**
 * Serializes an error as pino's standard `err` serializer does (pino-std-serializers `err`): `type` (the
 * constructor's name), `message` and `stack` with the messages and stacks of the `cause` chain appended, and every
 * **enumerable** own or inherited property — so a property an error keeps non-enumerable (kinesis-kit errors keep
 * the record they carry that way) never reaches a log line, here or through pino.
 */
export function serializeError(error: unknown, seen: Set<unknown> = new Set()): unknown {
  if (!isErrorLike(error)) return error;
  seen.add(error);
  const constructorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
  const out: SerializedError = {
    type: typeof constructorName === 'string' ? constructorName : String(error.name ?? 'Error'),
    message: withCauses(error, (e) => e.message, ': '),
    stack: withCauses(error, (e) => (typeof e.stack === 'string' ? e.stack : ''), '\ncaused by: '),
  };
  if (Array.isArray(error.errors)) {
    out.aggregateErrors = error.errors.map((inner: unknown) =>
      seen.has(inner) ? '[Circular]' : serializeError(inner, seen),
    );
  }
  for (const key in error) {
    if (out[key] !== undefined) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (isErrorLike(value)) {
      // Causes are folded into message and stack above.
      if (key !== 'cause' && !seen.has(value)) out[key] = serializeError(value, seen);
    } else out[key] = value;
  }
  return out;
}

function withCauses(error: ErrorLike, part: (e: ErrorLike) => string, separator: string): string {
  let text = part(error);
  const visited = new Set<unknown>([error]);
  let cause = error.cause;
  for (let depth = 0; isErrorLike(cause) && depth < MAX_CAUSES; depth++) {
    if (visited.has(cause)) return `${text}${separator}[Circular]`;
    visited.add(cause);
    text += separator + part(cause);
    cause = cause.cause;
  }
  return text;
}
