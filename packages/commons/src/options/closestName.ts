/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two adjacent characters
 * each count one (optimal string alignment). Names of options are short, so the O(a·b) table is nothing.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * The candidate closest to `name`, for a "did you mean" hint; `undefined` when none is close. Case is ignored first
 * (`streamARN` is `streamArn`), then the case-sensitive distance breaks ties. Close means at most a third of the
 * name's length in edits, and at least 2 (a forgotten `Ms` unit suffix is 2).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance > limit) continue;
    // Case-insensitive distance first, the exact one as a tie-breaker.
    const score = distance * 1_000 + editDistance(name, candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  // A two-letter name is two edits from every other two-letter name: no hint is better than a random one.
  return best !== undefined && editDistance(lower, best.toLowerCase()) < Math.max(name.length, 1) ? best : undefined;
}
