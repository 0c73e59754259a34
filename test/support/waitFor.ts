/** Polls a condition until it holds; fails naming what it waited for. For tests against real
 * sockets, where an event's time is not ours to choose (never a timing assertion). */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
