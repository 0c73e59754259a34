/** Pin writes as a person can read them: the first write to a pin is reported at once, further
 * writes within the window are counted and reported once at its end with the last level. A
 * blinking LED gives about one line a second, and an app writing a pin in a tight loop can't
 * flood the message port or the terminal. */
import type { PinWriteReport } from "./appWorkerProtocol";

interface Window {
  timer: ReturnType<typeof setTimeout>;
  writes: number;
  value: boolean;
}

export class PinWriteCoalescer {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly report: (r: PinWriteReport) => void,
  ) {}

  write(pin: string, value: boolean): void {
    const open = this.windows.get(pin);
    if (open) {
      open.writes++;
      open.value = value;
      return;
    }
    this.report({ kind: "pinWrite", pin, value, writes: 1 });
    this.open(pin, value);
  }

  /** Reports what is pending now (before the app stops). */
  flush(): void {
    for (const [pin, w] of this.windows) {
      clearTimeout(w.timer);
      if (w.writes > 0) this.report({ kind: "pinWrite", pin, value: w.value, writes: w.writes });
    }
    this.windows.clear();
  }

  private open(pin: string, value: boolean): void {
    const w: Window = { writes: 0, value, timer: setTimeout(() => this.close(pin), this.windowMs) };
    this.windows.set(pin, w);
  }

  private close(pin: string): void {
    const w = this.windows.get(pin)!;
    this.windows.delete(pin);
    if (w.writes === 0) return;
    this.report({ kind: "pinWrite", pin, value: w.value, writes: w.writes });
    this.open(pin, w.value);
  }
}
