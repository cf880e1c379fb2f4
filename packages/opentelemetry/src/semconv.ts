/** OpenTelemetry semantic-convention attribute names used here (messaging registry; `aws.kinesis.*`). */
export const Attr = {
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_DESTINATION_PARTITION_ID: 'messaging.destination.partition.id',
  MESSAGING_CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  MESSAGING_CLIENT_ID: 'messaging.client.id',
  MESSAGING_BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  ERROR_TYPE: 'error.type',
  AWS_KINESIS_STREAM_NAME: 'aws.kinesis.stream_name',
  AWS_KINESIS_SHARD_ID: 'aws.kinesis.shard.id',
} as const;

/**
 * `messaging.system`: the registry has no Kinesis value ("a custom value MAY be used"); `aws_kinesis` follows its
 * `aws_sqs`.
 */
export const MESSAGING_SYSTEM = 'aws_kinesis';
