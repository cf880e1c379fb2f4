// On ECS, EKS or EC2: the consumer's KCL metrics and the producer's KPL metrics, either as EMF to the CloudWatch
// agent's EMF listener (a sidecar on ECS, a DaemonSet on EKS: no AWS API calls from the worker), or with
// PutMetricData from the process itself (needs cloudwatch:PutMetricData).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { cloudWatchSink } from '@kinesis-kit/cloudwatch';
import { emfAgentDestination, emfSink, type MetricsSink } from '@kinesis-kit/commons';
import { KinesisConsumer } from '@kinesis-kit/consumer';
import { KinesisProducer } from '@kinesis-kit/producer';

export function metricSinks(): MetricsSink[] {
  // The agent's address: AWS_EMF_AGENT_ENDPOINT (tcp://127.0.0.1:25888 in an ECS task with the agent as sidecar;
  // tcp://$(HOST_IP):25888 on EKS with the agent as DaemonSet, the node IP from the downward API).
  if (process.env.AWS_EMF_AGENT_ENDPOINT !== undefined) return [emfSink({ destination: emfAgentDestination() })];
  return [cloudWatchSink({ client: new CloudWatchClient({}) })];
}

export async function run(): Promise<void> {
  const sinks = metricSinks();
  const producer = new KinesisProducer({ streamName: 'enriched-orders', metrics: { sinks } });
  const consumer = new KinesisConsumer({
    streamName: 'orders',
    applicationName: 'orders-enricher', // the CloudWatch namespace of its metrics, as with the KCL
    metrics: { sinks, dimensions: { Environment: process.env.ENVIRONMENT ?? 'dev' } },
    eachBatch: async ({ records }) => {
      await producer.putMany(records.map((r) => ({ partitionKey: r.partitionKey, data: r.data })));
    },
  });
  process.once('SIGTERM', async () => {
    await consumer.stop(); // publishes the last interval of the consumer's metrics
    await producer.close(); // and of the producer's
    process.exit(0);
  });
  await consumer.start();
}
