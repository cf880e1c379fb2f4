// Puts each consumer defect the review found back into the code, one at a time, and runs the simulation against
// it: every mutant must turn the simulation red (a simulation that cannot see a defect proves nothing about it).
// Each mutant is a set of exact text replacements in packages/consumer/src; a replacement whose text is no longer
// there fails loudly (the mutant went stale with the code). The file is restored after each run, even on error.
//
//   npm run sim:mutants                   every mutant, 1,000 seeds each (and the seeds pinned for it)
//   npm run sim:mutants -- --seeds 300 --only latest
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Mutant {
  /** The defect it puts back (issue 15's numbering). */
  name: string;
  edits: { file: string; find: string; replace: string }[];
  /**
   * Seeds beyond the range run here that found this defect (pinned in test/sim/seeds.test.ts): rare situations the
   * first seeds may not reach. The mutant is red if the range or any of these fails.
   */
  pinned?: { seed: number; scenario: string }[];
}

const src = path.resolve(import.meta.dirname, '../packages/consumer/src');

const MUTANTS: Mutant[] = [
  {
    name: '1 latest: drop the iterator after repeated failures, re-read LATEST from a new tip',
    edits: [
      {
        file: 'fetch/PollingFetcher.ts',
        find: 'if (this.#iterator !== undefined && isInvalidIterator(error)) this.#iterator = undefined;',
        replace:
          'if (this.#iterator !== undefined && (isInvalidIterator(error) || attempt >= 2)) this.#iterator = undefined;',
      },
      {
        file: 'fetch/ResumePoint.ts',
        find: "if (this.#anchor !== undefined) return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: this.#anchor };",
        replace:
          "if ((false as boolean) && this.#anchor) return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: this.#anchor };",
      },
    ],
  },
  {
    name: '2 sessions: a checkpoint of a lost session goes through the lease taken again',
    edits: [
      {
        file: 'lease/LeaseRenewer.ts',
        find: 'if (held === undefined || (session !== undefined && held.session !== session))\n      return Promise.reject(',
        replace: 'if (held === undefined)\n      return Promise.reject(',
      },
    ],
  },
  {
    name: '3 queue: a batch waiting for a processor slot is delivered after its lease was lost',
    edits: [
      {
        file: 'runner/ShardRunner.ts',
        find: 'if (!this.#canContinue()) return NOT_CALLED;',
        replace: 'if ((false as boolean) && !this.#canContinue()) return NOT_CALLED;',
      },
    ],
  },
  {
    name: '4 failed write: the checkpoint counts as committed before it is written',
    edits: [
      {
        file: 'checkpoint/ShardCheckpointer.ts',
        find: '      await this.#store.checkpoint(position);\n      this.#committed = position;',
        replace: '      this.#committed = position;\n      await this.#store.checkpoint(position);',
      },
    ],
  },
  {
    name: '5 retry wedge: a checkpoint behind the committed one throws, and a retry hands over the whole batch',
    edits: [
      {
        file: 'checkpoint/ShardCheckpointer.ts',
        find: '      if (!this.#isAhead(position)) {',
        replace:
          "      if (compareExtendedSequenceNumbers(position, this.#committed) < 0 && isSequenceNumber(this.#committed.sequenceNumber))\n        throw new InvalidCheckpointError(this.#shardId, position, 'is before the last checkpoint', this.#committed);\n      if (!this.#isAhead(position)) {",
      },
      {
        file: 'runner/ShardRunner.ts',
        find: 'const pending = attempt === 1 ? records : this.#notCheckpointed(records);',
        replace: 'const pending = records;',
      },
    ],
  },
  {
    name: '6 factory: created outside the retry, and a failed runner keeps its lease',
    edits: [
      {
        file: 'runner/ShardRunner.ts',
        find: "    const outcome = await callProcessor(this.#call, 'initialize', 0, ProcessorErrorAction.RETRY, async () => {\n      this.#processor ??= this.#o.processorFactory();",
        replace:
          "    this.#processor ??= this.#o.processorFactory();\n    const outcome = await callProcessor(this.#call, 'initialize', 0, ProcessorErrorAction.RETRY, async () => {",
      },
      {
        file: 'runner/ShardRunner.ts',
        find: '        if (this.#failure !== undefined)',
        replace: '        if ((false as boolean) && this.#failure !== undefined)',
      },
    ],
  },
  {
    name: '7 wall clock: lease deadlines on Date.now()',
    edits: [
      {
        file: 'lease/LeaseRenewer.ts',
        find: '      this.#clock.now() - held.lastBumpSentAt < this.#failoverTimeMs',
        replace: '      Date.now() - held.lastBumpSentAt < this.#failoverTimeMs',
      },
      {
        file: 'lease/LeaseRenewer.ts',
        find: '        const sentAt = this.#clock.now();',
        replace: '        const sentAt = Date.now();',
      },
      {
        file: 'lease/LeaseRenewer.ts',
        find: '    if (this.#clock.now() - held.lastBumpSentAt < this.#failoverTimeMs) return false;',
        replace: '    if (Date.now() - held.lastBumpSentAt < this.#failoverTimeMs) return false;',
      },
      {
        file: 'lease/LeaseTaker.ts',
        find: '    const now = this.#o.clock.now();',
        replace: '    const now = Date.now();',
      },
    ],
  },
  {
    name: '8 skip: eachRecord with skip drops the rest of the batch',
    edits: [
      {
        file: 'processor/handlerProcessorFactory.ts',
        find: 'const skipRecords = o.eachRecord !== undefined &&',
        replace: 'const skipRecords = (false as boolean) && o.eachRecord !== undefined &&',
      },
    ],
  },
  {
    name: '10 prepare: prepareCheckpoint writes the checkpoint it remembers along with the pending one',
    edits: [
      {
        file: 'lease/checkpointWrites.ts',
        find: '(counter) => w.table.updatePendingCheckpoint(leaseKey, w.workerId, counter, pendingCheckpoint),',
        replace:
          '(counter) =>\n      w.table.updateCheckpoint(leaseKey, w.workerId, counter, {\n        checkpoint: w.renewer.get(leaseKey)?.checkpoint ?? pendingCheckpoint,\n        pendingCheckpoint,\n      }),',
      },
    ],
  },
  {
    name: '11 stop: waits for every processor, unbounded',
    edits: [
      {
        file: 'KinesisConsumer.ts',
        find: 'const processingMs = Math.max(0, timeoutMs - reserveMs - (clock.now() - startedAt));',
        replace: 'const processingMs = Number.POSITIVE_INFINITY;',
      },
      {
        file: 'KinesisConsumer.ts',
        find: 'if (!Number.isFinite(timeoutMs)) return await work;',
        replace: 'return await work;',
      },
    ],
  },
  {
    name: '12 hung requests: no DynamoDB request timeout',
    edits: [
      {
        file: 'lease/DynamoDBLeaseTable.ts',
        find: 'withRequestTimeout(this.#options.clock, this.#options.requestTimeoutMs, operation, send),',
        replace: 'send(new AbortController().signal),',
      },
    ],
  },
  {
    name: '14 parents: children do not wait for their parents',
    edits: [
      {
        file: 'scheduler/WorkerLeaseLayer.ts',
        find: 'return parents.every((parent) => parent === undefined || isShardEnd(parent.checkpoint));',
        replace: 'return true;',
      },
    ],
  },
  {
    name: '17 closed LATEST roots: no finished lease, so an older listing can still create a LATEST one for them',
    edits: [
      {
        file: 'shardSync/ShardGraph.ts',
        find: '? LATEST : SHARD_END;',
        replace: '? LATEST : undefined;\n        if (checkpoint === undefined) continue;',
      },
    ],
    pinned: [{ seed: 4617, scenario: 'reshard' }],
  },
  {
    name: '18 several streams: a take that lands after its stream was dropped keeps the lease, and it gets a runner',
    edits: [
      {
        file: 'lease/LeaseCoordinator.ts',
        find: "if (this.#givenBackIfUnread(lease, 'taken')) continue;",
        replace: '',
      },
      {
        file: 'scheduler/WorkerLeaseLayer.ts',
        find: 'if (this.#streamNameOf !== undefined && streamName === undefined) continue;',
        replace: '',
      },
    ],
    pinned: [{ seed: 18709, scenario: 'multi-stream' }],
  },
  {
    name: '19 late take answer: a take answered after the lease was held here and handed on starts a session',
    edits: [
      {
        file: 'lease/LeaseRenewer.ts',
        find: 'if (held === undefined && ended !== undefined && lease.leaseCounter <= ended.counter) {',
        replace: 'if ((false as boolean) && ended) {',
      },
    ],
    pinned: [{ seed: 30311, scenario: 'multi-stream' }],
  },
  {
    name: "16 host clock: LATEST anchors from this host's wall clock, not the service's",
    edits: [
      {
        file: 'clients/serviceTime.ts',
        find: 'return time.lowerBound() ?? Date.now();',
        replace: 'return Date.now();',
      },
    ],
    pinned: [
      { seed: 3926, scenario: 'lease-churn' },
      { seed: 11926, scenario: 'lease-churn' },
    ],
  },
];

const args = process.argv.slice(2);
const seeds = Number(args[args.indexOf('--seeds') + 1]) || 1_000;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const root = path.resolve(import.meta.dirname, '..');

let survivors = 0;
for (const mutant of MUTANTS.filter((m) => only === undefined || m.name.includes(only))) {
  const originals = new Map<string, string>();
  try {
    for (const edit of mutant.edits) {
      const file = path.join(src, edit.file);
      const text = originals.get(file) ?? readFileSync(file, 'utf8');
      originals.set(file, text);
      const current = readFileSync(file, 'utf8');
      if (!current.includes(edit.find))
        throw new Error(`stale mutant "${mutant.name}": ${edit.file} no longer has ${edit.find}`);
      // A find string that occurs twice would mutate whichever comes first: a mutant must name its place exactly.
      if (current.indexOf(edit.find) !== current.lastIndexOf(edit.find))
        throw new Error(`ambiguous mutant "${mutant.name}": ${edit.file} has ${edit.find} more than once`);
      writeFileSync(file, current.replace(edit.find, edit.replace));
    }
    let output: string;
    try {
      output = execFileSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@kinesis-kit/source', 'sim/cli.ts', '--seeds', String(seeds), '--show', '0'],
        { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      );
    } catch (error) {
      output = String((error as { stdout?: unknown }).stdout ?? error);
    }
    const summary = output.slice(output.lastIndexOf(`${seeds} seeds`));
    const failed = /(\d+) failed/.exec(summary)?.[1] ?? '?';
    const rules = summary
      .split('\n')
      .filter((line) => line.trim().startsWith('rule '))
      .map((line) => line.trim().replace(/\s+/g, ' '));
    const pinnedRed = (mutant.pinned ?? []).filter(({ seed, scenario }) => {
      try {
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=@kinesis-kit/source',
            'sim/cli.ts',
            '--seed',
            String(seed),
            '--scenario',
            scenario,
          ],
          { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
        );
        return false;
      } catch {
        return true;
      }
    });
    const red = (failed !== '0' && failed !== '?') || pinnedRed.length > 0;
    if (!red) survivors++;
    const pinnedText =
      mutant.pinned === undefined
        ? ''
        : `; pinned seeds red: ${pinnedRed.map((p) => p.seed).join(' ') || 'none'} of ${mutant.pinned.map((p) => p.seed).join(' ')}`;
    console.log(`${red ? 'RED  ' : 'GREEN'} ${mutant.name}: ${failed}/${seeds} seeds failed${pinnedText}`);
    for (const rule of rules) console.log(`        ${rule}`);
  } finally {
    for (const [file, text] of originals) writeFileSync(file, text);
  }
}
if (survivors > 0) {
  console.log(`${survivors} mutant(s) the simulation did not catch`);
  process.exitCode = 1;
}
