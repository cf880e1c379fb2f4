/** Something that happens at a moment of true (checker) time. */
export interface SimEvent {
  /** True time in ms since the start of the run (fractional: worker clocks drift). */
  at: number;
  /** Tie-break: events at the same time run in the order they were scheduled. */
  seq: number;
  /** The worker whose code this event runs (its timers, the answers to its calls); undefined = the world's own. */
  actor: Actor | undefined;
  run: () => void;
  cancelled: boolean;
}

/** A participant whose events can be frozen (GC pause) or dropped (kill -9). */
export interface Actor {
  readonly id: string;
  killed: boolean;
  /** True time until which its events wait (a GC pause); 0 = not paused. */
  pausedUntil: number;
}

/** A binary min-heap of events ordered by (at, seq). Cancelled events stay in the heap and are skipped on pop. */
export class EventQueue {
  readonly #heap: SimEvent[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(event: SimEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
  }

  peek(): SimEvent | undefined {
    return this.#heap[0];
  }

  pop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
