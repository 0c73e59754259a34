/** Microvisor-style handles: opaque non-zero integers; 0 is never valid, and a closed handle is
 * never reissued soon, so a stale handle fails instead of reaching someone else's resource.
 * Kept below 8192 because Microvium stores integers up to 13 bits without a heap allocation. */
const MAX_HANDLE = 8191;

export class HandleTable<T> {
  private next = 1;
  private readonly live = new Map<number, T>();

  open(resource: T): number {
    if (this.live.size >= MAX_HANDLE - 1) throw new Error("out of handles");
    let h = this.next;
    while (h === 0 || this.live.has(h)) h = h >= MAX_HANDLE ? 1 : h + 1;
    this.next = h >= MAX_HANDLE ? 1 : h + 1;
    this.live.set(h, resource);
    return h;
  }

  get(handle: number): T | undefined {
    return this.live.get(handle);
  }

  close(handle: number): boolean {
    return this.live.delete(handle);
  }

  entries(): [number, T][] {
    return [...this.live.entries()];
  }
}
