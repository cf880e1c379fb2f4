import { describe, expect, it } from 'vitest';
import { extractTraceContext, hasEnvelope, otelMetricName, unwrapData, wrapData } from '../src/index.js';

describe('otelMetricName: the KCL 3.5 OpenTelemetry names', () => {
  it.each([
    ['MillisBehindLatest', 'aws.kinesis.client.consumer.lag.duration'],
    ['DataBytesProcessed', 'aws.kinesis.client.records.size'],
    ['NumWorkers', 'aws.kinesis.client.workers'],
    ['RecordsProcessed', 'aws.kinesis.client.records_processed'],
    ['RecordProcessor.processRecords.Time', 'aws.kinesis.client.record_processor.process_records.duration'],
    ['KinesisDataFetcher.getRecords.Success', 'aws.kinesis.client.kinesis_data_fetcher.get_records.success'],
    ['GsiReadyStatus', 'aws.kinesis.client.gsi_ready_status'],
    ['GSIReadyStatus', 'aws.kinesis.client.gsi_ready_status'],
    ['ActiveStreams.Count', 'aws.kinesis.client.active_streams'],
    ['CurrentState:3xWorker', 'aws.kinesis.client.current_state.3x_worker'],
    ['UserRecordsPut', 'aws.kinesis.client.user_records_put'],
    ['KinesisRecordsPerPutRecordsRequest', 'aws.kinesis.client.kinesis_records_per_put_records_request'],
  ])('%s → %s', (name, expected) => {
    expect(otelMetricName(name)).toBe(expected);
  });
});

describe('the trace-context envelope', () => {
  it('round-trips traceparent and tracestate in front of the data, which is left intact', () => {
    const data = new TextEncoder().encode('{"orderId":1}');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const wrapped = wrapData(data, { traceparent, tracestate: 'vendor=x' });
    expect(hasEnvelope(wrapped)).toBe(true);
    expect(hasEnvelope(data)).toBe(false);
    expect(unwrapData(wrapped)?.headers).toEqual({ traceparent, tracestate: 'vendor=x' });
    const { data: original, spanContext } = extractTraceContext(wrapped);
    expect(new TextDecoder().decode(original)).toBe('{"orderId":1}');
    expect(spanContext).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    expect(spanContext?.traceState?.get('vendor')).toBe('x');
  });

  it('a record without an envelope, or with a damaged one, comes back as it was', () => {
    const plain = new TextEncoder().encode('hello');
    expect(extractTraceContext(plain)).toEqual({ data: plain, spanContext: undefined });
    const damaged = wrapData(plain, { traceparent: 'not-a-traceparent' });
    expect(extractTraceContext(damaged).spanContext).toBeUndefined();
    const truncated = wrapData(plain, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    }).subarray(0, 20);
    expect(extractTraceContext(truncated).data).toBe(truncated);
  });
});
