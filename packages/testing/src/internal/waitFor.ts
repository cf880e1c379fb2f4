/** Polls `probe` every `intervalMs` until it returns true; false once `timeoutMs` has passed. */
export async function waitFor(
  probe: () => Promise<boolean>,
  { timeoutMs, intervalMs = 25, abortIf }: { timeoutMs: number; intervalMs?: number; abortIf?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (abortIf?.()) return false;
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
