// The public surface of @kinesis-kit/consumer.
export {};
