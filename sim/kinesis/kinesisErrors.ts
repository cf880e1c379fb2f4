import {
  ExpiredIteratorException,
  ExpiredNextTokenException,
  InternalFailureException,
  InvalidArgumentException,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';

// The exceptions the real client throws, built the way its deserializers build them.
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

export const kinesisErrors = {
  throttled: (message: string) => new ProvisionedThroughputExceededException({ message, ...meta(400) }),
  expiredIterator: (message: string) => new ExpiredIteratorException({ message, ...meta(400) }),
  expiredNextToken: (message: string) => new ExpiredNextTokenException({ message, ...meta(400) }),
  notFound: (message: string) => new ResourceNotFoundException({ message, ...meta(400) }),
  invalidArgument: (message: string) => new InvalidArgumentException({ message, ...meta(400) }),
  internalFailure: (message: string) => new InternalFailureException({ message, ...meta(500) }),
  resourceInUse: (message: string) => new ResourceInUseException({ message, ...meta(400) }),
  /** SubscribeToShard's throttle. */
  limitExceeded: (message: string) => new LimitExceededException({ message, ...meta(400) }),
};
