/**
 * The KCL's stream identifier, `account:streamName:creationEpoch` (seconds): what a multi-stream lease key starts
 * with and its `streamName` attribute holds. A stream deleted and created again under its name gets another one.
 */
export interface StreamIdentifier {
  readonly account: string;
  readonly streamName: string;
  /** Seconds since the epoch. */
  readonly creationEpoch: number;
}

const PATTERN = /^(\d+):([^:]+):(\d+)$/;

export function serializeStreamIdentifier(id: StreamIdentifier): string {
  return `${id.account}:${id.streamName}:${id.creationEpoch}`;
}

/** Parses `account:streamName:creationEpoch` (as the KCL validates it); undefined when it is not one. */
export function parseStreamIdentifier(text: string): StreamIdentifier | undefined {
  const m = PATTERN.exec(text);
  if (m === null) return undefined;
  return { account: m[1]!, streamName: m[2]!, creationEpoch: Number(m[3]) };
}

/** The stream's ARN in `region` (the identifier lacks the region; the consumer knows it from its client). */
export function streamArnOf(id: StreamIdentifier, region: string, partition = 'aws'): string {
  return `arn:${partition}:kinesis:${region}:${id.account}:stream/${id.streamName}`;
}
