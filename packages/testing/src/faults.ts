/**
 * Fault injection into real AWS SDK v3 clients, through their middleware stack. Neither local server ever
 * throttles, fails part of a PutRecords or times out, so tests make them: the request either never reaches the
 * server (the fault stands in for the server's answer) or, with `afterSend`, reaches it and the answer is lost
 * (the ambiguous case at-least-once delivery has to survive).
 */

import { rejectUnknownOptions } from '@kinesis-kit/commons';

/** The named faults. Each becomes the error (or answer) the SDK would produce for the real thing. */
export const Fault = {
  /** `ProvisionedThroughputExceededException` (HTTP 400, throttling): Kinesis and DynamoDB. */
  THROTTLE: 'throttle',
  /** `InternalFailure` (HTTP 500). */
  INTERNAL: 'internal',
  /** `TimeoutError`, as the Node HTTP handler raises on a request timeout. */
  TIMEOUT: 'timeout',
  /** `ECONNRESET`, as a dropped connection raises. */
  RESET: 'reset',
  /** PutRecords only: some entries fail with `ProvisionedThroughputExceededException` and are not written. */
  PARTIAL: 'partial',
  /** Only waits `delayMs`, then lets the request through: a slow or stalled server. */
  DELAY: 'delay',
} as const;
export type Fault = (typeof Fault)[keyof typeof Fault];

/** A custom service error, e.g. `{ errorName: 'ConditionalCheckFailedException' }` or `'ExpiredIteratorException'`. */
export interface CustomFault {
  errorName: string;
  /** @default 400 */
  statusCode?: number;
  message?: string;
}

export interface FaultRule {
  /** Command names without the `Command` suffix (`'PutRecords'`, `'UpdateItem'`). @default every command */
  commands?: readonly string[];
  fault: Fault | CustomFault;
  /** Chance that a matching call is hit. @default 1 */
  probability?: number;
  /** Hit at most this many calls, then stop. @default unlimited */
  times?: number;
  /** Let this many matching calls through before the first hit. @default 0 */
  after?: number;
  /** Only calls whose input passes this test match. */
  when?: (input: Readonly<Record<string, unknown>>) => boolean;
  /** Wait this long before failing (or, for `delay`, before passing the call on). @default 0 */
  delayMs?: number;
  /**
   * Also wait until this settles (after `delayMs`) before failing or passing the call on: a stall that the test ends
   * on an event (say, once the caller gave up on the call) instead of after a guessed time.
   */
  until?: PromiseLike<unknown>;
  /** Send the request, then fail: the server did the work but the caller never hears. @default false */
  afterSend?: boolean;
  /** For `partial`: the share of entries that fail. @default 0.5 */
  failureRate?: number;
  /** For `partial`: the entry error code. @default 'ProvisionedThroughputExceededException' */
  partialErrorCode?: string;
  /** Random numbers in [0, 1) (for probability and partial picks), injectable for repeatable tests. */
  random?: () => number;
}

/** Controls a set of rules installed on one client. */
export interface FaultInjector {
  /** Calls hit so far, per rule index, or in total. */
  count(ruleIndex?: number): number;
  /** Matching calls seen so far (hit or not), per rule index. */
  seen(ruleIndex: number): number;
  add(rule: FaultRule): number;
  /** Stops injecting (rules stay, counters too). */
  disable(): void;
  enable(): void;
  /** Removes the middleware from the client. */
  remove(): void;
}

type Input = Record<string, unknown>;
type Handler = (args: { input: Input }) => Promise<{ output: unknown; response: unknown }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
interface StackLike {
  add(middleware: Middleware, options: { step: string; name: string; priority: string; override?: boolean }): void;
  remove(name: string): boolean;
}

const FAULT_RULE_KEYS = Object.keys({
  commands: true,
  fault: true,
  probability: true,
  times: true,
  after: true,
  when: true,
  delayMs: true,
  afterSend: true,
  failureRate: true,
  partialErrorCode: true,
  random: true,
  until: true,
} satisfies Record<keyof FaultRule, true>);

let installed = 0;

/**
 * Installs `rules` on `client` (a `KinesisClient` or `DynamoDBClient`). Error faults are injected below the
 * SDK's retry layer, so the client's own retry strategy sees them exactly as it would see the real errors (use
 * `maxAttempts: 1` to see each one). `partial` acts on the PutRecords call as a whole.
 */
export function withFaults(client: { middlewareStack: object }, rules: readonly FaultRule[]): FaultInjector {
  const stack = client.middlewareStack as unknown as StackLike;
  const state = { enabled: true, rules: [] as FaultRule[], hits: [] as number[], seen: [] as number[] };
  const add = (rule: FaultRule) => {
    rejectUnknownOptions(rule, FAULT_RULE_KEYS, `rules[${state.rules.length}]`);
    state.rules.push(rule);
    state.hits.push(0);
    state.seen.push(0);
    return state.rules.length - 1;
  };
  for (const rule of rules) add(rule);

  // Which rule (if any) hits this call. Decided once per attempt, so `times` counts attempts.
  const pick = (commandName: string, input: Input, partialOnly: boolean): number => {
    if (!state.enabled) return -1;
    const command = commandName.replace(/Command$/, '');
    for (let i = 0; i < state.rules.length; i++) {
      const rule = state.rules[i] as FaultRule;
      if ((rule.fault === Fault.PARTIAL) !== partialOnly) continue;
      if (rule.commands !== undefined && !rule.commands.includes(command)) continue;
      if (rule.when !== undefined && !rule.when(input)) continue;
      const seen = (state.seen[i] ?? 0) + 1;
      state.seen[i] = seen;
      if (seen <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && (state.hits[i] ?? 0) >= rule.times) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && (rule.random ?? Math.random)() >= probability) continue;
      state.hits[i] = (state.hits[i] ?? 0) + 1;
      return i;
    }
    return -1;
  };

  const id = ++installed;
  const errorName = `kinesisKitFaults${id}`;
  const partialName = `kinesisKitPartialFaults${id}`;

  const errorMiddleware: Middleware = (next, context) => async (args) => {
    const index = pick(context.commandName ?? '', args.input, false);
    if (index < 0) return next(args);
    const rule = state.rules[index] as FaultRule;
    await hold(rule);
    if (rule.fault === Fault.DELAY) return next(args);
    if (rule.afterSend) await next(args);
    throw makeError(rule.fault as Exclude<Fault, 'partial' | 'delay'> | CustomFault, context.commandName ?? '');
  };

  const partialMiddleware: Middleware = (next, context) => async (args) => {
    if (!context.commandName?.startsWith('PutRecords')) return next(args);
    const index = pick(context.commandName, args.input, true);
    if (index < 0) return next(args);
    const rule = state.rules[index] as FaultRule;
    await hold(rule);
    return putRecordsWithFailures(next, args, rule);
  };

  // Errors below the retry middleware (so SDK retries see them); partial failures above it (they are a 200).
  stack.add(errorMiddleware, { step: 'deserialize', name: errorName, priority: 'high' });
  stack.add(partialMiddleware, { step: 'initialize', name: partialName, priority: 'high' });

  return {
    count: (ruleIndex) =>
      ruleIndex === undefined ? state.hits.reduce((a, b) => a + b, 0) : (state.hits[ruleIndex] ?? 0),
    seen: (ruleIndex) => state.seen[ruleIndex] ?? 0,
    add,
    disable: () => {
      state.enabled = false;
    },
    enable: () => {
      state.enabled = true;
    },
    remove: () => {
      stack.remove(errorName);
      stack.remove(partialName);
    },
  };
}

interface PutRecordsEntryResult {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

async function putRecordsWithFailures(next: Handler, args: { input: Input }, rule: FaultRule) {
  const records = (args.input.Records as unknown[] | undefined) ?? [];
  const random = rule.random ?? Math.random;
  const rate = rule.failureRate ?? 0.5;
  const failed = records.map(() => random() < rate);
  const kept = records.filter((_, i) => !failed[i]);
  const code = rule.partialErrorCode ?? 'ProvisionedThroughputExceededException';
  let sent: PutRecordsEntryResult[] = [];
  let response: unknown = { statusCode: 200, headers: {} };
  let output: Record<string, unknown> = { $metadata: { httpStatusCode: 200 } };
  if (kept.length > 0) {
    const result = await next({ ...args, input: { ...args.input, Records: kept } });
    output = result.output as Record<string, unknown>;
    response = result.response;
    sent = (output.Records as PutRecordsEntryResult[] | undefined) ?? [];
  }
  let cursor = 0;
  let failedCount = 0;
  const merged = failed.map((isFailed) => {
    if (isFailed) {
      failedCount++;
      return { ErrorCode: code, ErrorMessage: `Injected failure (${code})` };
    }
    const entry = sent[cursor++] as PutRecordsEntryResult;
    if (entry.ErrorCode !== undefined) failedCount++;
    return entry;
  });
  return { response, output: { ...output, Records: merged, FailedRecordCount: failedCount } };
}

const FAULT_ERRORS = {
  throttle: {
    name: 'ProvisionedThroughputExceededException',
    status: 400,
    fault: 'client',
    message: 'Rate exceeded (injected)',
  },
  internal: { name: 'InternalFailure', status: 500, fault: 'server', message: 'Internal service failure (injected)' },
} as const;

function makeError(fault: Exclude<Fault, 'partial' | 'delay'> | CustomFault, commandName: string): Error {
  if (fault === Fault.TIMEOUT) {
    return Object.assign(new Error(`Connection timed out after request (injected, ${commandName})`), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      $metadata: {},
    });
  }
  if (fault === Fault.RESET) {
    return Object.assign(new Error(`socket hang up (injected, ${commandName})`), { code: 'ECONNRESET', $metadata: {} });
  }
  const spec =
    typeof fault === 'string'
      ? FAULT_ERRORS[fault]
      : {
          name: fault.errorName,
          status: fault.statusCode ?? 400,
          fault: (fault.statusCode ?? 400) >= 500 ? 'server' : 'client',
          message: fault.message ?? `${fault.errorName} (injected)`,
        };
  const error = new Error(spec.message);
  error.name = spec.name;
  return Object.assign(error, {
    $fault: spec.fault,
    $metadata: { httpStatusCode: spec.status, requestId: 'injected-fault', attempts: 1, totalRetryDelay: 0 },
    ...(spec.name.includes('Throughput') || spec.name.includes('Throttl') ? { $retryable: { throttling: true } } : {}),
  });
}

/** Waits out a rule's `delayMs`, then its `until` (settled either way). */
async function hold(rule: FaultRule): Promise<void> {
  if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
  if (rule.until !== undefined) {
    await Promise.resolve(rule.until).then(
      () => undefined,
      () => undefined,
    );
  }
}
