/** What to do with a record after a failed attempt. */
export const FailureKind = {
  /** Throttled: retry later; slows the shard's rate limiter (or fails at once with `failIfThrottled`). */
  THROTTLED: 'throttled',
  /** Transient (internal failure, 5xx, network, timeout): retry with backoff. */
  RETRIABLE: 'retriable',
  /** Retrying cannot help (not found, access denied, KMS, validation): fail at once. */
  FATAL: 'fatal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** A failed attempt, classified. */
export interface Failure {
  kind: FailureKind;
  code: string;
  message: string;
}

const THROTTLING_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'KMSThrottlingException',
]);

const RETRIABLE_CODES = new Set([
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
  'ProducerRequestTimeout',
  'NetworkingError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ResourceInUseException', // stream UPDATING: writes still work, but some calls refuse briefly
]);

const FATAL_CODES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);

function isFatalName(name: string): boolean {
  return FATAL_CODES.has(name) || (name.startsWith('KMS') && !THROTTLING_CODES.has(name));
}

/** Entry-level `ErrorCode` of a PutRecords result entry. */
export function classifyEntryError(code: string, message: string | undefined): Failure {
  const msg = message ?? code;
  if (THROTTLING_CODES.has(code)) return { kind: FailureKind.THROTTLED, code, message: msg };
  if (RETRIABLE_CODES.has(code)) return { kind: FailureKind.RETRIABLE, code, message: msg };
  return { kind: FailureKind.FATAL, code, message: msg };
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

/** A whole-request error (what `client.send` threw). */
export function classifyRequestError(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = name !== 'Error' ? name : (errno ?? name);
  if (THROTTLING_CODES.has(name) || e.$retryable?.throttling === true || status === 429) {
    return { kind: FailureKind.THROTTLED, code, message };
  }
  if (isFatalName(name)) return { kind: FailureKind.FATAL, code, message };
  if (RETRIABLE_CODES.has(name) || (errno !== undefined && RETRIABLE_CODES.has(errno))) {
    return { kind: FailureKind.RETRIABLE, code, message };
  }
  if (status !== undefined && status >= 500) return { kind: FailureKind.RETRIABLE, code, message };
  if (status !== undefined && status >= 400) return { kind: FailureKind.FATAL, code, message };
  if (e.$retryable !== undefined) return { kind: FailureKind.RETRIABLE, code, message };
  // A service exception without a status never reached the service cleanly; anything else without one is a
  // local failure (socket, DNS, TLS) that may pass on retry.
  return { kind: FailureKind.RETRIABLE, code, message };
}
