/** The MCU's subscriptions as the co-processor holds them for it: the device's persistent MQTT
 * session, kept across the MCU's restarts as a native device keeps its own across its restarts.
 *
 * Two sets. `atCloud`: the topics subscribed at the broker for the MCU; every message on them
 * goes into the downlink journal. `session`: the topics the MCU subscribed since it (or its link
 * session) last started; only messages on these go to it, since the MCU drops a message on a
 * topic it has no subscription for (supervisor.c's sf_supervisor_onMessage) after
 * link-acknowledging it, which would end the journal's custody of a message nobody got. The
 * others wait in the journal, in arrival order.
 *
 * An MCU restart (a board reset, a new UART connection) clears `session` only: the broker goes on
 * taking messages for the MCU while it boots. The MCU's UNSUBSCRIBE (its app stopping, for an
 * update in place) takes the topic out of `session` only too: the next app may subscribe to it
 * again. When the MCU's app has started (its retained status `online`, relayed: supervisor.c
 * publishes it after all its subscriptions, and the MCU's link sends no publish ahead of a
 * subscription still unsent, linkNet.c), the topics of `atCloud` it did not subscribe again are
 * channels the running app does not have (an update removed them): they are unsubscribed at the
 * broker and their waiting messages dropped, with one log line. From then until the MCU restarts
 * or unsubscribes again (`settled`), a message on a topic it does not hold is dropped at once.
 * So every message in the journal is either deliverable, or waits at most until the MCU's app
 * starts; the journal's own bound (MAX_ENTRIES) holds meanwhile. */
import type { QoS, Transport } from "../transport";
import type { DownlinkJournal } from "./downlinkJournal";

export class McuSubscriptions {
  private readonly atCloud = new Map<string, () => void>();
  private readonly session = new Set<string>();
  /** The MCU's app started with the subscriptions of `session` and none was taken back since. */
  private settled = false;
  private readonly grewListeners = new Set<() => void>();
  /** Messages dropped for a channel the MCU's app no longer has. */
  dropped = 0;

  constructor(
    private readonly cloud: Transport,
    private readonly journal: DownlinkJournal,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Told when a message went into the journal (a co-processor sends it, if the MCU holds its topic). */
  onJournalGrew(listener: () => void): () => void {
    this.grewListeners.add(listener);
    return () => this.grewListeners.delete(listener);
  }

  /** The MCU may be handed messages on `topic` now. */
  deliverable(topic: string): boolean {
    return this.session.has(topic);
  }

  /** The MCU subscribed (SUBSCRIBE on the link). */
  subscribed(topic: string, qos: QoS): void {
    if (this.session.has(topic)) return;
    this.session.add(topic);
    this.hold(topic, qos);
    const waited = this.journal.pending().filter((e) => e.topic === topic).length;
    if (waited) this.log(`[coprocessor] the MCU subscribed to ${topic}: ${waited} message${waited === 1 ? "" : "s"} that waited for it go now`);
  }

  /** The MCU unsubscribed: it takes no more on `topic` for now; the broker keeps it until the
   * MCU's app has started without it. */
  unsubscribed(topic: string): void {
    this.session.delete(topic);
    this.settled = false;
  }

  /** The MCU (or its link session) started again: it subscribes again to what it wants. */
  mcuRestarted(): void {
    this.session.clear();
    this.settled = false;
  }

  /** A message on one of the MCU's topics that reached this process without a subscription of
   * its own (the persistent session's, from an earlier process): journaled, and the topic held
   * like the MCU's own so that the app's start decides on it too. */
  adopt(topic: string, payload: string): void {
    if (this.settled && !this.session.has(topic)) return this.drop([topic], 1);
    this.hold(topic, 1);
    this.take(topic, payload);
  }

  /** The MCU's app started: the topics it did not subscribe again are let go (see the header). */
  appStarted(): void {
    if (this.settled) return;
    this.settled = true;
    const gone = [...this.atCloud.keys()].filter((t) => !this.session.has(t));
    const waiting = this.journal.pending().filter((e) => !this.session.has(e.topic));
    for (const e of waiting) this.journal.remove(e.n);
    if (gone.length || waiting.length) this.drop([...new Set([...gone, ...waiting.map((e) => e.topic)])], waiting.length);
  }

  /** Lets every topic go at the broker (a co-processor used without a process around it). */
  close(): void {
    for (const remove of this.atCloud.values()) remove();
    this.atCloud.clear();
    this.grewListeners.clear();
  }

  private hold(topic: string, qos: QoS): void {
    if (this.atCloud.has(topic)) return;
    this.atCloud.set(topic, this.cloud.subscribe(topic, qos, (t, payload) => this.take(t, payload)));
  }

  private take(topic: string, payload: string): void {
    this.journal.add(topic, payload);
    for (const l of [...this.grewListeners]) l();
  }

  private drop(topics: string[], messages: number): void {
    for (const t of topics) {
      // One only an earlier process subscribed: subscribed here to be let go.
      (this.atCloud.get(t) ?? this.cloud.subscribe(t, 1, () => {}))();
      this.atCloud.delete(t);
    }
    this.dropped += messages;
    this.log(`[coprocessor] the MCU's app started without ${topics.join(", ")}: unsubscribed, and ${messages} message${messages === 1 ? "" : "s"} waiting for ${topics.length === 1 ? "it" : "them"} dropped (an update removed the channel)`);
  }
}
