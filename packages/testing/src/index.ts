// The public surface of @kinesis-kit/testing.
export {};
