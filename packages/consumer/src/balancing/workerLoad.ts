import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** A worker's own load over the last interval, as it reports it in its item. */
export interface WorkerLoadSample {
  /** Event-loop utilization, 0..1: the share of time the loop was busy (Node's `eventLoopUtilization`). */
  readonly utilization?: number | undefined;
  /** Process CPU time per second of wall time per core, 0..1. */
  readonly cpu?: number | undefined;
}

/**
 * The default sampler: event-loop utilization and process CPU since the previous call (the first call covers the
 * time since the process started). Both describe the whole process: workers sharing a process share them.
 */
export function createWorkerLoadSampler(): () => WorkerLoadSample {
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let at = performance.now();
  const cores = Math.max(1, availableParallelism());
  return () => {
    const nextElu = performance.eventLoopUtilization();
    const nextCpu = process.cpuUsage();
    const now = performance.now();
    const delta = performance.eventLoopUtilization(nextElu, elu);
    const usedMs = (nextCpu.user - cpu.user + nextCpu.system - cpu.system) / 1000;
    const elapsedMs = now - at;
    elu = nextElu;
    cpu = nextCpu;
    at = now;
    return {
      utilization: delta.utilization,
      cpu: elapsedMs > 0 ? Math.min(1, usedMs / elapsedMs / cores) : undefined,
    };
  };
}
