import net from 'node:net';
import { InvalidOptionError } from '@kinesis-kit/commons';
import { describe, expect, it } from 'vitest';
import { ServerStartError } from './errors.js';
import { Fault, withFaults } from './faults.js';
import { startLocalAws } from './startLocalAws.js';
import { startLocalDynamoDB } from './startLocalDynamoDB.js';
import { startLocalKinesis } from './startLocalKinesis.js';

// A misspelt option of a test helper would silently keep its default: a fault never injected, a delay never set.
describe('unknown options', () => {
  it('are rejected before any server starts, naming the closest valid option', async () => {
    await expect(startLocalKinesis({ createStreamDelay: 0 } as never)).rejects.toThrow(
      'Unknown option `createStreamDelay`: did you mean `createStreamDelayMs`?',
    );
    await expect(startLocalDynamoDB({ createTableDelay: 0 } as never)).rejects.toThrow(
      'Unknown option `createTableDelay`: did you mean `createTableDelayMs`?',
    );
    await expect(startLocalAws({ dynamodb: {} } as never)).rejects.toThrow(
      'Unknown option `dynamodb`: did you mean `dynamoDb`?',
    );
    await expect(startLocalAws({ kinesis: { engin: 'kinesalite' } } as never)).rejects.toThrow(
      'Unknown option `kinesis.engin`: did you mean `kinesis.engine`?',
    );
  });

  it('a fault rule names its index', () => {
    const client = { middlewareStack: {} };
    expect(() => withFaults(client, [{ fault: Fault.THROTTLE }, { fault: Fault.THROTTLE, time: 1 } as never])).toThrow(
      new InvalidOptionError('rules[1].time', { knownOptions: ['rules[1].times'] }),
    );
  });
});

describe('port', () => {
  it('a port in use is a ServerStartError saying so, before anything is spawned', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      await expect(startLocalKinesis({ port })).rejects.toThrow(
        new ServerStartError('kinesis-local', `port ${port} is in use`, ''),
      );
      await expect(startLocalDynamoDB({ port })).rejects.toBeInstanceOf(ServerStartError);
    } finally {
      busy.close();
    }
  });
});
