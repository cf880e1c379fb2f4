// A Lambda function that writes to Kinesis with a module-scope KinesisProducer (created once per execution
// environment, reused by every invocation). withFlushingProducer makes the invocation end only after the producer
// flushed, so no record is left in its buffers when Lambda freezes the environment; the producer's timers never
// keep the event loop alive.
import { flushingProducerMiddleware, withFlushingProducer } from '@kinesis-kit/lambda';
import { KinesisProducer } from '@kinesis-kit/producer';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

const producer = new KinesisProducer({ streamName: process.env.STREAM_NAME ?? 'clicks' });

export const handler = withFlushingProducer(
  producer,
  async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const clicks: { userId: string; target: string }[] = JSON.parse(event.body ?? '[]');
    // One putMany() for the batch: it resolves with one outcome per click (where it was stored, or its typed
    // error) and never rejects for a record's sake. Await it to fail the invocation when a record was not stored.
    const outcomes = await producer.putMany(
      clicks.map((click) => ({ data: JSON.stringify(click), partitionKey: click.userId })),
    );
    const failed = outcomes.filter((outcome) => outcome instanceof Error).length;
    return { statusCode: failed === 0 ? 202 : 503, body: JSON.stringify({ accepted: clicks.length - failed, failed }) };
  },
);

// With Middy instead (no dependency added here: the middleware is a plain { after, onError } object):
//   export const handler = middy(baseHandler).use(flushingProducerMiddleware(producer));
export const middleware = flushingProducerMiddleware(producer);
