// Benchmarks that must not share a process (one side's garbage and heap growth land in the other side's timings)
// run each measurement in a fresh child: the same bench file, re-run with arguments that select one measurement,
// which prints its result as the last line of stdout.
import { spawn, spawnSync } from 'node:child_process';

/** Runs `file` (a bench script) in a fresh Node process with `args`; returns the JSON its last stdout line holds. */
export function runChild<T>(file: string, args: string[], nodeFlags: string[] = []): T {
  const child = spawnSync(process.execPath, [...process.execArgv, ...nodeFlags, file, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${child.status ?? child.signal}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as T;
}

/**
 * {@link runChild} without blocking this process: for a parent that serves the child meanwhile (dynalite runs in the
 * process that started it).
 */
export function runChildAsync<T>(file: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...nodeFlags, file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as T);
    });
  });
}

/** In the child: prints `result` for {@link runChild} and exits. */
export function replyToParent(result: unknown): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
