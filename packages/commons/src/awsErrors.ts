/**
 * The one classification of AWS SDK errors that both the producer and the consumer use: what failed, and whether
 * trying the same call again may help. SDK errors are identified by `name` (the SDK's own advice: a proxy or an
 * injected fault may not be an instance of the service's exception class), then by the Node error code of a socket
 * failure, then by HTTP status.
 */

/** What to do about a failed call (or a failed `PutRecords` entry). */
export const FailureKind = {
  /** Throttled: retry later, slower. */
  THROTTLED: 'throttled',
  /** Transient (internal failure, 5xx, network, timeout): retry with backoff. */
  RETRIABLE: 'retriable',
  /** Retrying cannot help (not found, access denied, KMS, validation, configuration): fail at once. */
  FATAL: 'fatal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** A failed call or entry, classified. `code` is the service error name, else the socket error code. */
export interface Failure {
  kind: FailureKind;
  code: string;
  message: string;
}

const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'KMSThrottlingException',
]);

const RETRIABLE_CODES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'RequestTimeoutError',
  'NetworkingError',
  'ProducerRequestTimeout', // @kinesis-kit/producer's own per-request timeout
  'TransactionInProgressException',
  'ResourceInUseException', // stream UPDATING: writes still work, but some calls refuse briefly
]);

/** Socket and DNS failures (Node error codes): the next attempt may well get through. */
const RETRIABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
]);

const FATAL_CODES: ReadonlySet<string> = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'ConditionalCheckFailedException',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

/** The error's `name` when it has a non-empty string one (`'Error'` included). */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as ErrorLike).name;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/** True when `error` is the AWS error called `name` (by name, not class: see the module comment). */
export function isAwsError(error: unknown, name: string): boolean {
  return errorName(error) === name;
}

/** Entry-level `ErrorCode` of a `PutRecords` result entry. */
export function classifyEntryError(code: string, message: string | undefined): Failure {
  const msg = message ?? code;
  if (THROTTLING_CODES.has(code)) return { kind: FailureKind.THROTTLED, code, message: msg };
  if (RETRIABLE_CODES.has(code)) return { kind: FailureKind.RETRIABLE, code, message: msg };
  return { kind: FailureKind.FATAL, code, message: msg };
}

/**
 * A whole-call error (what `client.send` threw). Anything the SDK or Node marks transient is retriable; so is
 * any 5xx. A plain `Error` with neither a service name, a socket code nor a status never left this process for a
 * reason retrying could change (the SDK's "Region is missing", an invalid endpoint URL): fatal, so a
 * misconfiguration fails at once instead of after a long retry.
 */
export function classifyAwsError(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' && e.name.length > 0 ? e.name : 'Error';
  const socketCode = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = name !== 'Error' ? name : (socketCode ?? name);
  if (THROTTLING_CODES.has(name) || e.$retryable?.throttling === true || status === 429)
    return { kind: FailureKind.THROTTLED, code, message };
  if (FATAL_CODES.has(name) || (name.startsWith('KMS') && !THROTTLING_CODES.has(name)))
    return { kind: FailureKind.FATAL, code, message };
  if (RETRIABLE_CODES.has(name) || (socketCode !== undefined && RETRIABLE_SOCKET_CODES.has(socketCode)))
    return { kind: FailureKind.RETRIABLE, code, message };
  if (e.$retryable !== undefined || e.$fault === 'server') return { kind: FailureKind.RETRIABLE, code, message };
  if (status !== undefined) return { kind: status >= 500 ? FailureKind.RETRIABLE : FailureKind.FATAL, code, message };
  // A service exception without a status never reached the service cleanly: a dropped connection the SDK wrapped.
  if (e.$fault === 'client' || e.$metadata !== undefined) return { kind: FailureKind.RETRIABLE, code, message };
  return { kind: FailureKind.FATAL, code, message };
}

/** Throttling, 5xx, timeouts and dropped connections are worth retrying; validation, not-found and config are not. */
export function isRetriableAwsError(error: unknown): boolean {
  return classifyAwsError(error).kind !== FailureKind.FATAL;
}
