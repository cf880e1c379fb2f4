import { closestName } from './options/closestName.js';

/** Options every kinesis-kit error accepts. */
export interface KinesisKitErrorOptions {
  /** The underlying error, if any (standard `Error.cause`). */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. @default false */
  retriable?: boolean;
}

/**
 * Base class of every error thrown by kinesis-kit. Branch on `instanceof` or `retriable`, never on
 * `name` or the message text.
 */
export class KinesisKitError extends Error {
  /** Whether retrying the same operation may succeed. */
  readonly retriable: boolean;

  constructor(message: string, options: KinesisKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }

  /**
   * What `JSON.stringify(error)` writes: name, message, `retriable`, the other **enumerable** fields, and the cause
   * chain the same way. Anything an error keeps non-enumerable — the record a producer error carries — stays out,
   * as it does from `util.inspect`, `console.error` and pino's `err` serializer.
   */
  toJSON(): Record<string, unknown> {
    return errorToJSON(this, new Set());
  }
}

function errorToJSON(error: Error, seen: Set<unknown>): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'cause') continue;
    out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  const cause = error.cause;
  if (cause !== undefined) {
    if (cause instanceof Error) {
      out.cause = seen.has(cause)
        ? '[Circular]'
        : cause instanceof KinesisKitError
          ? errorToJSON(cause, seen)
          : { name: cause.name, message: cause.message };
    } else out.cause = typeof cause === 'object' ? '[non-error cause]' : cause;
  }
  return out;
}

/** The second argument of {@link InvalidOptionError} for a name that is not an option at all. */
export interface UnknownOption {
  /** Every option that could have been meant (dotted paths for nested options). */
  knownOptions: readonly string[];
}

/**
 * Thrown when an options object fails validation; names the option and what was wrong. Also thrown for a key that
 * is not an option (a misspelling would otherwise be ignored): the message names the closest known option.
 */
export class InvalidOptionError extends KinesisKitError {
  /** The option, as a dotted path for nested options (`autoCheckpoint.everyMs`). */
  readonly option: string;
  /** For a name that is not an option: the closest option there is, when one is close. */
  readonly didYouMean: string | undefined;

  /** `option` was given a bad value: the message shows what was expected and what was given. */
  constructor(option: string, expected: string, actual: unknown);
  /** `option` is not an option: the message names the closest of `unknown.knownOptions`, or lists them. */
  constructor(option: string, unknown: UnknownOption);
  constructor(option: string, expected: string | UnknownOption, actual?: unknown) {
    const didYouMean = typeof expected === 'string' ? undefined : closestName(option, expected.knownOptions);
    super(
      typeof expected === 'string'
        ? `Expected \`${option}\` to be ${expected}, got \`${formatValue(actual)}\``
        : didYouMean !== undefined
          ? `Unknown option \`${option}\`: did you mean \`${didYouMean}\`?`
          : `Unknown option \`${option}\`; the options are ${expected.knownOptions.map((name) => `\`${name}\``).join(', ')}`,
    );
    this.option = option;
    this.didYouMean = didYouMean;
  }
}

/** True for kinesis-kit errors marked retriable. */
export function isRetriable(error: unknown): boolean {
  return error instanceof KinesisKitError && error.retriable;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
