// The public surface of @kinesis-kit/lambda.
export {};
