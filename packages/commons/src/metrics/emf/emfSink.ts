import { InvalidOptionError } from '../../errors.js';
import type { LogDestination } from '../../logger/jsonLogger.js';
import { rejectUnknownOptions } from '../../options/rejectUnknownOptions.js';
import type { MetricsBatch, MetricsSink } from '../MetricsSink.js';
import { type EmfDocumentOptions, emfDocuments } from './emfDocuments.js';
import { EMF_LIMITS, EMF_NAMESPACE_PATTERN } from './emfLimits.js';

/** Options of {@link emfSink}. */
export interface EmfSinkOptions extends EmfDocumentOptions {
  /**
   * Where the lines go. Lambda turns stdout lines into metrics by itself; on ECS/EKS send stdout through FireLens /
   * Fluent Bit with `log_format json/emf`, or give a socket to the CloudWatch agent's EMF listener (port 25888).
   * @default process.stdout
   */
  destination?: LogDestination;
}

const EMF_SINK_OPTION_KEYS = Object.keys({
  destination: true,
  namespace: true,
  storageResolution: true,
} satisfies Record<keyof EmfSinkOptions, true>);

/**
 * A sink writing CloudWatch embedded metric format: one JSON line per document (see `emfDocuments()`), which
 * CloudWatch Logs turns into metrics without any API call from the process. No dependencies.
 */
export function emfSink(options: EmfSinkOptions = {}): MetricsSink {
  rejectUnknownOptions(options, EMF_SINK_OPTION_KEYS);
  const { destination = process.stdout, namespace } = options;
  if (
    namespace !== undefined &&
    (!EMF_NAMESPACE_PATTERN.test(namespace) || namespace.length > EMF_LIMITS.maxNamespaceLength)
  ) {
    throw new InvalidOptionError('namespace', `an EMF namespace matching ${EMF_NAMESPACE_PATTERN}`, namespace);
  }
  if (options.storageResolution !== undefined && options.storageResolution !== 1 && options.storageResolution !== 60)
    throw new InvalidOptionError('storageResolution', '1 or 60', options.storageResolution);
  return {
    publish(batch: MetricsBatch): void {
      for (const line of emfDocuments(batch, options)) destination.write(`${line}\n`);
    },
  };
}
