/** Stored history first, then live: when a device's card starts, the messages its history
 * channels kept (core/contracts/history.ts) are fetched and handed to the card's listeners, each
 * at its device time, before the live messages that arrived meanwhile (held here, bounded); a
 * live message that is also in the stored answer is delivered once. */
import type { StoredMessage } from "../../core/contracts/history";
import type { WireValue } from "../../core/contracts/wireValue";

export type HistoryFetch = (thing: string, channel: string, since: number) => Promise<StoredMessage[]>;

/** Live messages held per channel while its history loads; beyond, the oldest are dropped. */
const MAX_HELD = 1000;

interface Held {
  value: WireValue;
  t: number;
  id: string | undefined;
}

export interface HistoryReplayOptions {
  thing: string;
  /** The card's history channels: manifest index and name. */
  channels: { index: number; name: string }[];
  /** How far back to load (unix ms). */
  since: number;
  fetch: HistoryFetch;
  /** Hands one message to the card's VM; `stored` for the fetched ones. */
  deliver(channelIndex: number, value: WireValue, t: number, stored: boolean): void;
  warn?(text: string): void;
}

export class HistoryReplay {
  private readonly held = new Map<number, Held[]>();
  private cancelled = false;

  constructor(private readonly options: HistoryReplayOptions) {
    for (const c of options.channels) this.held.set(c.index, []);
  }

  /** Fetches and delivers every channel's history, then what was held. */
  async run(): Promise<void> {
    await Promise.all(this.options.channels.map((c) => this.load(c.index, c.name)));
  }

  /** True when the live message is held (its channel's history is still loading). */
  hold(channelIndex: number, value: WireValue, t: number, id: string | undefined): boolean {
    const held = this.held.get(channelIndex);
    if (!held) return false;
    if (held.length >= MAX_HELD) held.shift();
    held.push({ value, t, id });
    return true;
  }

  /** The card loads another build: nothing more is delivered from here. */
  cancel(): void {
    this.cancelled = true;
    this.held.clear();
  }

  private async load(index: number, name: string): Promise<void> {
    let stored: StoredMessage[] = [];
    try {
      stored = await this.options.fetch(this.options.thing, name, this.options.since);
    } catch (error) {
      this.options.warn?.(`history of "${name}" on ${this.options.thing} could not be loaded: ${(error as Error).message}`);
    }
    if (this.cancelled) return;
    const ids = new Set<string>();
    for (const m of stored) {
      ids.add(m.id);
      this.options.deliver(index, m.v, m.t, true);
    }
    const held = this.held.get(index) ?? [];
    this.held.delete(index);
    for (const m of held) if (m.id === undefined || !ids.has(m.id)) this.options.deliver(index, m.value, m.t, false);
  }
}
