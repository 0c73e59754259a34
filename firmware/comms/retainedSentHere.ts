/** The retained messages this link itself published on each topic since its connection came up,
 * so a transport can tell a subscriber that a message it hears is one of them (Delivery.sentHere).
 *
 * Why: a broker may deliver a retained QoS 1 message this connection published to a subscription
 * the same connection made just after it. aedes acknowledges a QoS 1 PUBLISH before it stores and
 * fans it out, and adds the next SUBSCRIBE's subscription meanwhile (measured: issue 13, an OTA
 * install's new boot heard its old boot's offline that way). Such a message is ordered before
 * every later PUBLISH of this connection (MQTT 3.1.1 section 4.6, ordered topics), so one of
 * those replaces it in the broker's store.
 *
 * Forgotten at each outage: order is kept within one connection only, and a packet the client
 * resends after a reconnect may come after what the new connection published first. */
const KEPT_PER_TOPIC = 4; // boots on a link follow each other: the last offline, and margin

export class RetainedSentHere {
  private readonly sent = new Map<string, string[]>();

  published(topic: string, payload: string): void {
    const kept = this.sent.get(topic) ?? [];
    kept.push(payload);
    if (kept.length > KEPT_PER_TOPIC) kept.shift();
    this.sent.set(topic, kept);
  }

  includes(topic: string, payload: string): boolean {
    return this.sent.get(topic)?.includes(payload) ?? false;
  }

  /** The connection ended: what it published is no longer ordered before what comes next. */
  connectionLost(): void {
    this.sent.clear();
  }
}
