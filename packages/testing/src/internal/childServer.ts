import { type ChildProcess, spawn } from 'node:child_process';

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Spawns `node <main> <args>` through a one-line wrapper that exits when its stdin pipe closes. The pipe
 * closes when this process ends for any reason — even SIGKILL, which no exit hook sees — so a server
 * never outlives the test run that started it (LOCAL-SERVERS.md: a plainly spawned kinesis-local does).
 */
export class ChildServer {
  readonly #child: ChildProcess;
  #output = '';
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exited: Promise<void>;

  constructor(main: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    const wrapper = "process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); require(process.argv[1]);";
    this.#child = spawn(process.execPath, ['-e', wrapper, main, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    this.#child.stdout?.on('data', append);
    this.#child.stderr?.on('data', append);
    // The server must not keep the parent's event loop alive; the pipes go away with it.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        liveChildren.delete(this.#child);
        resolve();
      });
    });
    liveChildren.add(this.#child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get output(): string {
    return this.#output;
  }

  /** Undefined while running; how it ended otherwise. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exit;
  }

  /** Closes stdin (the wrapper exits), escalating to SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#exit !== undefined) return;
    // Hold the event loop open until the process is really gone (it was unref()'d while running).
    this.#child.ref();
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    timer.unref();
    await this.#exited;
    clearTimeout(timer);
  }
}

const liveChildren = new Set<ChildProcess>();
// A test file that ends without calling stop() still reaps its servers. (Crashes and SIGKILL are covered
// by the stdin pipe; a Ctrl-C reaches the whole process group.)
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
