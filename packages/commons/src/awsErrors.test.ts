import { describe, expect, it } from 'vitest';
import { classifyAwsError, classifyEntryError, errorName, FailureKind, isRetriableAwsError } from './awsErrors.js';

/** An error shaped as the SDK v3 builds service exceptions. */
function serviceError(name: string, status: number | undefined, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

function socketError(code: string) {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('classifyAwsError', () => {
  it('throttling by name, by the SDK retry marker, or by status 429', () => {
    expect(classifyAwsError(serviceError('ProvisionedThroughputExceededException', 400)).kind).toBe('throttled');
    expect(classifyAwsError(serviceError('ThrottlingException', 400)).kind).toBe('throttled');
    expect(classifyAwsError(serviceError('KMSThrottlingException', 400)).kind).toBe('throttled');
    expect(classifyAwsError(Object.assign(serviceError('Odd', 400), { $retryable: { throttling: true } })).kind).toBe(
      'throttled',
    );
    expect(classifyAwsError(serviceError('Whatever', 429)).kind).toBe('throttled');
  });

  it('5xx, timeouts and every socket or DNS failure are retriable, in producer and consumer alike', () => {
    expect(classifyAwsError(serviceError('InternalFailure', 500, 'server')).kind).toBe('retriable');
    expect(classifyAwsError(serviceError('SomethingNew', 503, 'server')).kind).toBe('retriable');
    expect(classifyAwsError(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).kind).toBe('retriable');
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND'])
      expect(classifyAwsError(socketError(code))).toMatchObject({ kind: 'retriable', code });
    // A service exception that never got a status: the connection dropped under it.
    expect(classifyAwsError(serviceError('ExpiredIteratorException', undefined)).kind).toBe('retriable');
  });

  it('validation, not-found, access and KMS errors are fatal; so is a configuration error with no status', () => {
    for (const name of [
      'ResourceNotFoundException',
      'AccessDeniedException',
      'ValidationException',
      'KMSDisabledException',
    ])
      expect(classifyAwsError(serviceError(name, 400)).kind).toBe('fatal');
    expect(classifyAwsError(serviceError('SomethingNew', 400)).kind).toBe('fatal');
    // What the SDK throws before sending anything when no region is configured.
    expect(classifyAwsError(new Error('Region is missing'))).toMatchObject({ kind: 'fatal', code: 'Error' });
    expect(classifyAwsError(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' })).kind).toBe(
      'fatal',
    );
    expect(classifyAwsError(new TypeError('Invalid URL')).kind).toBe('fatal');
    expect(isRetriableAwsError('not even an error')).toBe(false);
  });

  it('names the failure by service error name, else by socket code', () => {
    expect(classifyAwsError(serviceError('InternalFailure', 500)).code).toBe('InternalFailure');
    expect(classifyAwsError(socketError('ECONNRESET')).code).toBe('ECONNRESET');
    expect(errorName(serviceError('X', 400))).toBe('X');
    expect(errorName('X')).toBeUndefined();
  });

  it('classifies PutRecords entry codes', () => {
    expect(classifyEntryError('ProvisionedThroughputExceededException', undefined).kind).toBe(FailureKind.THROTTLED);
    expect(classifyEntryError('InternalFailure', 'x').kind).toBe(FailureKind.RETRIABLE);
    expect(classifyEntryError('KMSAccessDeniedException', 'x').kind).toBe(FailureKind.FATAL);
  });
});
