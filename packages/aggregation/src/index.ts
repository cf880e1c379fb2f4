// The public surface of @kinesis-kit/aggregation.
export {};
