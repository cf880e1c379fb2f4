// The public surface of @kinesis-kit/cloudwatch: kinesis-kit metrics to CloudWatch through PutMetricData.
export type { CloudWatchSink, CloudWatchSinkStats } from './cloudWatchSink.js';
export { cloudWatchSink } from './cloudWatchSink.js';
export type { CloudWatchSinkOptions } from './options.js';
export { DEFAULT_CLOUDWATCH_SINK_OPTIONS } from './options.js';
