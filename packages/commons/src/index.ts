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
export type { ConfigurationFault } from './configurationProblem.js';
export { ConfigurationProblem, detectConfigurationProblem } from './configurationProblem.js';
export type { KinesisKitErrorOptions, UnknownOption } from './errors.js';
export { InvalidOptionError, isRetriable, KinesisKitError } from './errors.js';
export type { Listener } from './events.js';
export { TypedEmitter } from './events.js';
export type { JsonLoggerOptions, LogDestination } from './logger/jsonLogger.js';
export { defaultLogger, jsonLogger } from './logger/jsonLogger.js';
export type { LogFn, Logger } from './logger/Logger.js';
export { LogLevel } from './logger/levels.js';
export type { SerializedError } from './logger/serializeError.js';
export { serializeError } from './logger/serializeError.js';
export { silentLogger } from './logger/silentLogger.js';
export type { EmfAgentDestination, EmfAgentDestinationOptions } from './metrics/emf/emfAgentDestination.js';
export { emfAgentDestination } from './metrics/emf/emfAgentDestination.js';
export type { EmfDocumentOptions } from './metrics/emf/emfDocuments.js';
export { emfDocuments } from './metrics/emf/emfDocuments.js';
export { EMF_LIMITS } from './metrics/emf/emfLimits.js';
export type { EmfSinkOptions } from './metrics/emf/emfSink.js';
export { emfSink } from './metrics/emf/emfSink.js';
export type { Dimension, MetricDefinition } from './metrics/MetricDefinition.js';
export { MetricKind, MetricUnit, OtelInstrument } from './metrics/MetricDefinition.js';
export type { MetricHandle, SeriesWindow } from './metrics/MetricSeries.js';
export { MAX_SAMPLES, MetricSeries, metricHandle, NO_METRIC } from './metrics/MetricSeries.js';
export {
  granularityIncludes,
  levelIncludes,
  MetricsGranularity,
  MetricsLevel,
} from './metrics/MetricsLevel.js';
export { MetricsPublisher } from './metrics/MetricsPublisher.js';
export type { MetricsRegistryOptions } from './metrics/MetricsRegistry.js';
export { MetricsRegistry } from './metrics/MetricsRegistry.js';
export type { MetricDatum, MetricsBatch, MetricsSink, MetricsSource } from './metrics/MetricsSink.js';
export type { MetricsOptions, ResolvedMetricsOptions } from './metrics/metricsOptions.js';
export { DEFAULT_METRICS_OPTIONS, resolveMetricsOptions } from './metrics/metricsOptions.js';
export { closestName } from './options/closestName.js';
export { rejectUnknownOptions } from './options/rejectUnknownOptions.js';
export type { BatchSpanInfo, BatchTracing, TracedRecord } from './tracing/BatchTracing.js';
export type {
  ProducerTracing,
  SendSpan,
  SendSpanInfo,
  SendSpanOutcome,
} from './tracing/SendTracing.js';
