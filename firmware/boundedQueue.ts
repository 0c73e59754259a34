/** A FIFO with a cap: when full, the oldest entry is dropped and counted, so a long outage
 * costs the oldest readings, never memory, and the loss is visible. */
export class BoundedQueue<T> {
  private items: T[] = [];
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a whole number >= 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  /** Puts items back at the front (a flush that failed half-way). */
  unshiftAll(items: T[]): void {
    this.items = [...items, ...this.items];
    while (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }
}
