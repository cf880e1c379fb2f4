import net from 'node:net';
import type { LogDestination } from '../../logger/jsonLogger.js';
import { rejectUnknownOptions } from '../../options/rejectUnknownOptions.js';

/** Options of {@link emfAgentDestination}. */
export interface EmfAgentDestinationOptions {
  /**
   * The CloudWatch agent's EMF listener, `tcp://host:port`. @default the `AWS_EMF_AGENT_ENDPOINT` environment variable
   * (as the official EMF libraries read it), else `tcp://127.0.0.1:25888`
   */
  endpoint?: string;
  /** Lines kept while the agent is unreachable (the oldest are dropped beyond). @default 1000 */
  maxBufferedLines?: number;
}

/** An {@link emfSink} destination that also reports what it dropped. */
export interface EmfAgentDestination extends LogDestination {
  /** Lines dropped because the agent was unreachable and the buffer full. */
  readonly dropped: number;
  /** Closes the connection (buffered lines are dropped). */
  close(): void;
}

/**
 * A TCP connection to the CloudWatch agent's EMF listener (ECS sidecar, EKS DaemonSet, EC2), for `emfSink({
 * destination })`. Connects on the first line, reconnects with backoff, never throws and never blocks: while the agent
 * is unreachable, lines wait in a bounded buffer. The socket is unref'd (it never keeps the process alive).
 */
export function emfAgentDestination(options: EmfAgentDestinationOptions = {}): EmfAgentDestination {
  rejectUnknownOptions(
    options,
    Object.keys({ endpoint: true, maxBufferedLines: true } satisfies Record<keyof EmfAgentDestinationOptions, true>),
  );
  const url = new URL(options.endpoint ?? process.env.AWS_EMF_AGENT_ENDPOINT ?? 'tcp://127.0.0.1:25888');
  const host = url.hostname;
  const port = Number(url.port || 25888);
  const max = options.maxBufferedLines ?? 1000;
  let socket: net.Socket | undefined;
  let connected = false;
  let closed = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const buffer: string[] = [];
  let dropped = 0;

  const drain = () => {
    while (connected && socket !== undefined && buffer.length > 0) socket.write(buffer.shift() as string);
  };
  const connect = () => {
    retry = undefined;
    if (closed || socket !== undefined) return;
    const s = net.connect({ host, port });
    s.unref();
    socket = s;
    s.on('connect', () => {
      connected = true;
      failures = 0;
      drain();
    });
    s.on('error', () => {});
    s.on('close', () => {
      connected = false;
      socket = undefined;
      if (closed) return;
      failures++;
      retry = setTimeout(connect, Math.min(30_000, 100 * 2 ** Math.min(failures, 9)));
      retry.unref();
    });
  };

  return {
    get dropped() {
      return dropped;
    },
    write(line: string): boolean {
      if (closed) return false;
      if (buffer.length >= max) {
        buffer.shift();
        dropped++;
      }
      buffer.push(line);
      if (socket === undefined && retry === undefined) connect();
      else drain();
      return true;
    },
    close(): void {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      buffer.length = 0;
      socket?.end();
    },
  };
}
