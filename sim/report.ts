import type { SeedResult, SeedRunOptions } from './runSeed.js';
import { traceExcerpt } from './trace/traceLines.js';

/** The one-line command that replays a seed exactly as it ran. */
export function replayCommand(options: SeedRunOptions, scenario: string): string {
  const parts = ['npm run sim --', `--seed ${options.seed}`, `--scenario ${scenario}`];
  if (options.workers !== undefined) parts.push(`--workers ${options.workers}`);
  if (options.shards !== undefined) parts.push(`--shards ${options.shards}`);
  if (options.faultPhaseMs !== undefined) parts.push(`--fault-ms ${options.faultPhaseMs}`);
  return parts.join(' ');
}

/** A failing seed, readable: what broke, how to replay it, and the trace around the first broken rule. */
export function describeFailure(result: SeedResult, options: SeedRunOptions, maxViolations = 6): string {
  const s = result.scenario;
  const out: string[] = [];
  out.push(
    `✗ seed ${result.seed} (${s.name}: ${s.initialPosition}, ${s.shardCount} shards, ${s.slots.size} worker slots, failover ${s.failoverTimeMs} ms)`,
  );
  out.push(`  replay: ${replayCommand(options, s.name)}`);
  for (const v of result.violations.slice(0, maxViolations)) out.push(`  [${v.rule}] ${v.text}`);
  if (result.violations.length > maxViolations) out.push(`  … and ${result.violations.length - maxViolations} more`);
  const first = result.violations[0];
  if (first !== undefined) {
    out.push(
      `  trace around the first (${first.shardId ?? (first.worker === undefined ? 'all shards' : `worker ${first.worker}`)}, up to ${first.t === undefined ? 'the end' : `${(first.t / 1000).toFixed(3)}s`}):`,
    );
    for (const line of traceExcerpt(result.log, first)) out.push(`    ${line}`);
  }
  return out.join('\n');
}
