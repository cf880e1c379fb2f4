import { readFileSync, writeFileSync } from 'node:fs';

const BENCHMARKS_MD = new URL('../../docs/benchmarks.md', import.meta.url);

/**
 * Replaces the `<!-- bench:<name>:start -->` … `<!-- bench:<name>:end -->` section of docs/benchmarks.md with
 * `section` (which carries both markers), or appends it. Each bench owns one section, so benches never clobber each
 * other's results. Does nothing when the bench was run with `--no-write`.
 */
export function writeBenchSection(name: string, section: string): void {
  if (process.argv.includes('--no-write')) return;
  let text: string;
  try {
    text = readFileSync(BENCHMARKS_MD, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const re = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*?<!-- bench:${name}:end -->`);
  text = re.test(text) ? text.replace(re, () => section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCHMARKS_MD, text);
}
