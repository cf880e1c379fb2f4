import { type ChildProcess, spawn } from 'node:child_process';
import type { PauseCycle } from '../slowdown.js';

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
  /** The process running a pause cycle (see slowDown), undefined when none runs. */
  #pacer: ChildProcess | undefined;

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

  /**
   * Makes the server slow on purpose, the way a starved machine does but repeatably: from now on it runs
   * `runningMs`, then is stopped with SIGSTOP for `pausedMs` (requests arriving meanwhile wait in the kernel), and
   * so on until stop(). POSIX only. The cycle runs in a small pacer process with its own stdin pipe from this one,
   * not on a timer here: a stopped server cannot see its own pipe close, so if this process died (even by SIGKILL)
   * while the server is stopped, the pacer continues it and the server then exits as usual.
   */
  slowDown({ pausedMs, runningMs }: PauseCycle): void {
    if (this.#pacer !== undefined || this.#child.pid === undefined) return;
    const pacer = spawn(process.execPath, ['-e', PACER, String(this.#child.pid), String(pausedMs), String(runningMs)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    pacer.unref();
    (pacer.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.#pacer = pacer;
  }

  /** Closes stdin (the wrapper exits), escalating to SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    await this.#stopPacer();
    if (this.#exit !== undefined) return;
    // Hold the event loop open until the process is really gone (it was unref()'d while running).
    this.#child.ref();
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    timer.unref();
    await this.#exited;
    clearTimeout(timer);
  }

  /** Ends a pause cycle; resolves once the pacer has continued the server and exited. */
  async #stopPacer(): Promise<void> {
    const pacer = this.#pacer;
    if (pacer === undefined) return;
    this.#pacer = undefined;
    if (pacer.exitCode !== null || pacer.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => pacer.once('exit', () => resolve()));
    pacer.ref();
    pacer.stdin?.end();
    await exited;
  }
}

/**
 * The pacer (see slowDown): stops and continues process argv[1] in turn; when its stdin closes (stop(), or the
 * parent died) it continues the server if stopped, and exits. It also exits once the server is gone.
 */
const PACER = `
const [pid, pausedMs, runningMs] = process.argv.slice(1).map(Number);
let stopped = false;
let timer;
const send = (signal) => { try { process.kill(pid, signal); } catch { process.exit(0); } };
const step = () => {
  stopped = !stopped;
  send(stopped ? 'SIGSTOP' : 'SIGCONT');
  timer = setTimeout(step, stopped ? pausedMs : runningMs);
};
const end = () => { clearTimeout(timer); if (stopped) send('SIGCONT'); process.exit(0); };
timer = setTimeout(step, runningMs);
process.stdin.on('end', end);
process.stdin.on('error', end);
process.stdin.resume();
process.on('SIGTERM', end);
`;

const liveChildren = new Set<ChildProcess>();
// A test file that ends without calling stop() still reaps its servers. (Crashes and SIGKILL are covered
// by the stdin pipe; a Ctrl-C reaches the whole process group.)
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
