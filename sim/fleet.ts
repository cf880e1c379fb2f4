// The fleet simulation: lease coordinators at scale, in virtual time. `npm run sim:fleet -- --scenario cold-start
// --shards 1024 --workers 32 --seed 1` (see sim/README.md, "Fleet runs").
import { parseArgs } from 'node:util';
import { type FleetScenario, runFleet } from './fleet/fleetScenarios.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'cold-start' },
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    shards: { type: 'string', default: '1024' },
    workers: { type: 'string', default: '32' },
    'cooling-minutes': { type: 'string', default: '5' },
    'traffic-stops': { type: 'boolean', default: false },
  },
});

const first = Number(values.seed);
for (let seed = first; seed < first + Number(values.seeds); seed++) {
  const cpu = process.cpuUsage();
  const result = await runFleet({
    scenario: values.scenario as FleetScenario,
    seed,
    shards: Number(values.shards),
    workers: Number(values.workers),
    coolingMinutes: Number(values['cooling-minutes']),
    trafficStops: values['traffic-stops'],
  });
  const used = process.cpuUsage(cpu);
  const { harnessErrors, ...rest } = result;
  console.log(
    JSON.stringify({
      ...rest,
      harnessErrors: harnessErrors.length,
      ...(harnessErrors.length > 0 ? { firstHarnessError: harnessErrors[0] } : {}),
      cpuMs: Math.round((used.user + used.system) / 1000),
    }),
  );
}
