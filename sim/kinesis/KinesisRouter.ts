import { GetRecordsCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { type CallContext, HarnessError, type SimService } from '../network/callFate.js';
import type { FakeKinesis, IteratorServed } from './FakeKinesis.js';
import { kinesisErrors } from './kinesisErrors.js';

/**
 * Several streams behind one Kinesis endpoint: each call goes to the stream it names (StreamName or StreamARN),
 * GetRecords by its iterator's prefix, a ListShards page by its NextToken. One `FakeKinesis` per stream.
 */
export class KinesisRouter implements SimService {
  readonly name = 'kinesis' as const;
  readonly streams: readonly FakeKinesis[];

  constructor(streams: readonly FakeKinesis[]) {
    if (streams.length === 0) throw new HarnessError('KinesisRouter: no stream');
    this.streams = streams;
  }

  /** Every iterator any stream served, in the order served. */
  get served(): IteratorServed[] {
    return this.streams.flatMap((s) => s.served).sort((a, b) => a.t - b.t || a.o - b.o);
  }

  byName(name: string): FakeKinesis | undefined {
    return this.streams.find((s) => s.stream.name === name);
  }

  operationOf(command: object): string {
    return this.streams[0]!.operationOf(command);
  }

  handle(command: object, call: CallContext): unknown {
    return this.#target(command).handle(command, call);
  }

  throttlingError(op: string): Error {
    return this.streams[0]!.throttlingError(op);
  }

  ambiguousError(op: string, serverError: boolean): Error {
    return this.streams[0]!.ambiguousError(op, serverError);
  }

  #target(command: object): FakeKinesis {
    const input = (command as { input: Record<string, unknown> }).input;
    if (command instanceof GetRecordsCommand) {
      const token = String(input.ShardIterator ?? '');
      const target = this.streams.find((s) => token.startsWith(s.iterators.prefix));
      if (target === undefined) throw kinesisErrors.invalidArgument(`Invalid ShardIterator ${token}`);
      return target;
    }
    if (command instanceof ListShardsCommand && input.NextToken !== undefined) {
      const name = String(input.NextToken).split(':')[2];
      const target = name === undefined ? undefined : this.byName(name);
      if (target === undefined) throw kinesisErrors.invalidArgument('Invalid NextToken');
      return target;
    }
    const name = input.StreamName as string | undefined;
    const arn = input.StreamARN as string | undefined;
    const target = this.streams.find((s) => s.stream.name === name || s.stream.arn === arn);
    if (target === undefined) throw kinesisErrors.notFound(`Stream ${name ?? arn} not found`);
    return target;
  }
}
