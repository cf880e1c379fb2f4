// AWS SDK errors are identified by name (the SDK's own advice): a proxy or injected fault may not be the class.
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'LimitExceededException',
]);

/** Throttling, 5xx, timeouts and dropped connections are worth retrying; validation and missing tables are not. */
export function isRetriableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.$retryable !== undefined) return true;
  if (typeof e.name === 'string' && RETRIABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
