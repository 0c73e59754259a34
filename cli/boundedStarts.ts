/** Runs `start` for every item with at most `limit` running at once, in order; the first failure
 * stops further starts and is thrown once those running have settled. `snapfleet dev` opens a
 * large fleet's connections like this, not all at once: the broker's connect path (a TLS
 * handshake and a policy check each) is served in turn, and AWS IoT limits connects per second
 * per account too. Once `signal` is aborted (dev stopped while its fleet starts), no item is
 * begun any more; it returns when those running have settled. */
export async function startBounded<T>(items: readonly T[], limit: number, start: (item: T, index: number) => Promise<unknown>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && !signal?.aborted && next < items.length) {
      const index = next++;
      try {
        await start(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
