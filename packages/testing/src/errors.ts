import { KinesisKitError } from '@kinesis-kit/commons';

/** Thrown when a local server does not become ready in time or exits while starting. Carries its output. */
export class ServerStartError extends KinesisKitError {
  /** Which server failed: `kinesis-local`, `kinesalite` or `dynalite`. */
  readonly server: string;
  /** What the server printed on stdout and stderr before it failed (last 64 KiB). */
  readonly output: string;
  constructor(server: string, reason: string, output: string, cause?: unknown) {
    super(`${server} did not start: ${reason}${output ? `\n--- ${server} output ---\n${output}` : ''}`, { cause });
    this.server = server;
    this.output = output;
  }
}
