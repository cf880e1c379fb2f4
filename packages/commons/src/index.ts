// The public surface of @kinesis-kit/commons: small shared pieces, no AWS calls.

export type { Failure } from './awsErrors.js';
export {
  classifyAwsError,
  classifyEntryError,
  errorName,
  FailureKind,
  isAwsError,
  isRetriableAwsError,
} from './awsErrors.js';

export type { BackoffOptions } from './backoff.js';
export { backoffDelay, DEFAULT_BACKOFF_OPTIONS } from './backoff.js';
export type {
  DefaultClientConfig,
  DefaultClientConfigOptions,
  Http1HandlerClass,
} from './clients/defaultClientConfig.js';
export { defaultClientConfig } from './clients/defaultClientConfig.js';
export type { Clock, TimerHandle } from './clock.js';
export { sleep, systemClock } from './clock.js';
export type { KinesisKitErrorOptions, UnknownOption } from './errors.js';
export { InvalidOptionError, isRetriable, KinesisKitError } from './errors.js';
export type { Listener } from './events.js';
export { TypedEmitter } from './events.js';
export type { LogFn, Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { closestName } from './options/closestName.js';
export { rejectUnknownOptions } from './options/rejectUnknownOptions.js';
