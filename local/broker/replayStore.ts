/** Store and forward (Stratus's "subscribe may replay the last N messages"): for channels whose
 * manifest says `replay: N`, the broker keeps the last N messages of each up topic and hands them
 * to a client when it newly subscribes to a filter that matches. A dashboard opened after the
 * device spoke still gets the latest readings; the envelope ids let it drop any it already had.
 * Replays go through aedes's normal delivery, so the same iot:Receive check applies as for live
 * messages. Kept in memory: a restarted broker starts empty, as AWS has no such store at all
 * (on AWS, retained messages or a rule into a table play this role). */
import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from "aedes";
import { decodeEnvelope } from "../../core/contracts/envelope";
import type { Manifest } from "../../core/contracts/manifest";
import { parseAppTopic } from "../../core/contracts/topics";
import { topicMatches } from "../../core/contracts/topicFilter";

interface StoredMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  /** Envelope id, when the payload is an envelope: a device's retransmission is not kept twice. */
  id?: string;
}

/** aedes's delivery path (authorizeForward included); not in its public types. */
type DeliveringClient = Client & { deliverQoS(packet: PublishPacket, done: () => void): void };

/** SUBACK return / reason codes from 0x80 up are failures (MQTT 3.1.1 §3.9.3, MQTT 5 §3.9.3). */
const SUBACK_FAILURE = 0x80;

export class ReplayStore {
  private readonly byTopic = new Map<string, StoredMessage[]>();

  /** `manifest` is read per message, so a reloaded manifest changes what is kept from then on. */
  constructor(private readonly manifest: () => Manifest) {}

  /** Topics with something stored (for tests and diagnostics). */
  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Keeps a client's publish on an up topic of a channel with replay > 0. */
  record(packet: PublishPacket): void {
    const manifest = this.manifest();
    // Runs for every publish: an app without replay channels costs no topic parsing.
    if (this.byTopic.size === 0 && !manifest.channels.some((c) => (c.replay ?? 0) > 0)) return;
    const parsed = parseAppTopic(packet.topic);
    if (parsed?.kind !== "up" || parsed.app !== manifest.app || !parsed.channel) return;
    const depth = manifest.channels.find((c) => c.name === parsed.channel)?.replay ?? 0;
    if (depth <= 0) {
      this.byTopic.delete(packet.topic);
      return;
    }
    const kept = this.byTopic.get(packet.topic) ?? [];
    const payload = Buffer.from(packet.payload as Buffer);
    const id = envelopeId(payload);
    if (id !== undefined && kept.some((m) => m.id === id)) return;
    kept.push({ topic: packet.topic, payload, qos: packet.qos === 0 ? 0 : 1, id });
    if (kept.length > depth) kept.splice(0, kept.length - depth);
    this.byTopic.set(packet.topic, kept);
  }

  /** Stored messages whose topic matches one of the granted filters, oldest first per topic. */
  matching(subscriptions: Subscription[]): Array<StoredMessage & { grantedQos: 0 | 1 }> {
    const out: Array<StoredMessage & { grantedQos: 0 | 1 }> = [];
    for (const [topic, messages] of this.byTopic) {
      // The highest QoS among granted filters that match. aedes's 'subscribe' event lists refused
      // filters too, with their SUBACK code as QoS (0x80 for 3.1.1, 0x87 and others for MQTT 5).
      let granted = -1;
      for (const s of subscriptions) if ((s.qos as number) < SUBACK_FAILURE && topicMatches(s.topic, topic)) granted = Math.max(granted, s.qos);
      if (granted < 0) continue;
      for (const m of messages) out.push({ ...m, grantedQos: Math.min(m.qos, granted) as 0 | 1 });
    }
    return out;
  }

  /** Wires the store into a broker: record on publish, replay on subscribe. */
  attach(aedes: Aedes): void {
    aedes.on("publish", (packet: AedesPublishPacket, client: Client | null) => {
      if (client) this.record(packet);
    });
    aedes.on("subscribe", (subscriptions: Subscription[], client: Client) => {
      for (const m of this.matching(subscriptions)) {
        const packet = { cmd: "publish", topic: m.topic, payload: m.payload, qos: m.grantedQos, retain: false, dup: false } as PublishPacket;
        (client as DeliveringClient).deliverQoS(packet, () => {});
      }
    });
  }
}

function envelopeId(payload: Buffer): string | undefined {
  try {
    return decodeEnvelope(payload).id;
  } catch {
    return undefined; // not an envelope: kept as is, the broker doesn't judge payloads
  }
}

