// The public surface of @kinesis-kit/testing: real local servers and fault injection for tests.
export { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
export { ServerStartError } from './errors.js';
export { createFanOutKinesisClient } from './fanOutClient.js';
export type { CustomFault, FaultInjector, FaultRule } from './faults.js';
export { Fault, withFaults } from './faults.js';
export { isPortFree } from './internal/ports.js';
export { ageShardIterator, ITERATOR_LIFETIME_MS } from './iterators.js';
export type { KinesisPace, KinesisPaceOptions } from './measureKinesisPace.js';
export { measureKinesisPace } from './measureKinesisPace.js';
export type { PauseCycle } from './slowdown.js';
export { SLOW_SERVER_ENV, testBudgetMs } from './slowdown.js';
export type { LocalAws, LocalAwsOptions } from './startLocalAws.js';
export { startLocalAws } from './startLocalAws.js';
export type { LocalDynamoDB, LocalDynamoDBOptions } from './startLocalDynamoDB.js';
export { DEFAULT_LOCAL_DYNAMODB_OPTIONS, startLocalDynamoDB } from './startLocalDynamoDB.js';
export type { CreatedStream, LocalKinesis, LocalKinesisOptions } from './startLocalKinesis.js';
export { DEFAULT_LOCAL_KINESIS_OPTIONS, KinesisEngine, startLocalKinesis } from './startLocalKinesis.js';
