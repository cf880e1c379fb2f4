// The public surface of @kinesis-kit/producer.
export {};
