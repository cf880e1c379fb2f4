// The simulation's command line: `npm run sim -- --seeds 1000`, `npm run sim -- --seed 42`. See sim/README.md.
import { parseArgs } from 'node:util';
import { fmt } from './checker/Violation.js';
import { describeFailure } from './report.js';
import { runSeed, type SeedRunOptions } from './runSeed.js';
import { traceHash } from './trace/traceHash.js';
import { traceLines } from './trace/traceLines.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    from: { type: 'string', default: '1' },
    scenario: { type: 'string' },
    workers: { type: 'string' },
    shards: { type: 'string' },
    'fault-ms': { type: 'string' },
    show: { type: 'string', default: '3' },
    trace: { type: 'boolean', default: false },
    hash: { type: 'boolean', default: false },
  },
});

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const common = {
  scenario: values.scenario,
  workers: num(values.workers),
  shards: num(values.shards),
  faultPhaseMs: num(values['fault-ms']),
};

async function main(): Promise<number> {
  if (values.seed !== undefined) return replayOne({ seed: Number(values.seed), ...common });
  const count = Number(values.seeds ?? 100);
  const from = Number(values.from);
  const show = Number(values.show);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const byRule = new Map<string, number[]>();
  const byScenario = new Map<string, { runs: number; failed: number }>();
  const stopDurations: number[] = [];
  let maxLateStart = 0;
  let failed = 0;
  let events = 0;
  for (let seed = from; seed < from + count; seed++) {
    const options: SeedRunOptions = { seed, ...common };
    const result = await runSeed(options);
    events += result.eventsRun;
    const entry = byScenario.get(result.scenario.name) ?? { runs: 0, failed: 0 };
    entry.runs++;
    stopDurations.push(...result.stats.stopDurationsMs);
    maxLateStart = Math.max(maxLateStart, result.stats.maxLateStartMs);
    if (result.violations.length > 0) {
      failed++;
      entry.failed++;
      for (const rule of new Set(result.violations.map((v) => v.rule)))
        byRule.set(rule, [...(byRule.get(rule) ?? []), seed]);
      if (failed <= show) console.log(`${describeFailure(result, options)}\n`);
      else
        console.log(
          `✗ seed ${seed} (${result.scenario.name}): ${[...new Set(result.violations.map((v) => v.rule))].join(', ')}`,
        );
    }
    byScenario.set(result.scenario.name, entry);
  }
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    `\n${count} seeds (${from}..${from + count - 1}): ${failed} failed; ${(count / wallS).toFixed(1)} seeds/s, ${((cpuS * 1000) / count).toFixed(1)} ms CPU per seed, ${Math.round(events / count)} events per seed`,
  );
  for (const [name, e] of [...byScenario].sort())
    console.log(`  scenario ${name.padEnd(18)} ${e.failed}/${e.runs} failed`);
  for (const [rule, seeds] of [...byRule].sort((a, b) => b[1].length - a[1].length))
    console.log(
      `  rule ${rule.padEnd(28)} ${String(seeds.length).padStart(5)} seeds, e.g. ${seeds.slice(0, 8).join(' ')}`,
    );
  stopDurations.sort((a, b) => a - b);
  const q = (p: number) =>
    Math.round(stopDurations[Math.min(stopDurations.length - 1, Math.floor(p * stopDurations.length))] ?? 0);
  console.log(
    `  stop() durations (ms): p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)} over ${stopDurations.length} stops`,
  );
  console.log(
    `  latest batch start by an old owner after another worker took its lease: ${Math.round(maxLateStart)} ms`,
  );
  return failed === 0 ? 0 : 1;
}

async function replayOne(options: SeedRunOptions): Promise<number> {
  const result = await runSeed(options);
  const s = result.scenario;
  if (values.trace) for (const l of traceLines(result.log)) console.log(`${fmt.t(l.t).padStart(9)}  ${l.text}`);
  if (result.violations.length > 0) console.log(describeFailure(result, options, 50));
  else
    console.log(
      `✓ seed ${result.seed} (${s.name}: ${s.initialPosition}, ${s.shardCount} shards, ${s.slots.size} worker slots): every check passed`,
    );
  console.log(
    `  ${result.log.acked.length} records acknowledged, ${result.stats.deliveries} deliveries (${result.stats.redeliveries} again), ${result.log.writes.length} lease writes, ${result.eventsRun} events, ended at ${fmt.t(result.log.endAt)}`,
  );
  if (values.hash) console.log(`  trace hash ${traceHash(result.log)}`);
  return result.violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
