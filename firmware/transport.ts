/** How the supervisor reaches the cloud. The in-memory one serves tests and `run-device`; the
 * MQTT one (firmware/comms/mqttTransport.ts, aws-iot-device-sdk-v2) serves the local cloud and AWS. */
export type QoS = 0 | 1;
import { RetainedSentHere } from "./comms/retainedSentHere";

/** How a message reached the link. */
export interface Delivery {
  /** The RETAIN flag it arrived with: MQTT 3.1.1 section 3.3.1.3 sets it to 1 only on a retained
   * message sent because of a new subscription, 0 on one matching an established subscription. */
  retained: boolean;
  /** Its payload is one this link published retained on that topic on its current connection
   * (comms/retainedSentHere.ts): later publishes of this connection replace it at the broker. */
  sentHere: boolean;
}
export type MessageHandler = (topic: string, payload: string, delivery: Delivery) => void;
export type ConnectionListener = (connected: boolean) => void;

export interface Transport {
  readonly connected: boolean;
  /** Resolves when the message is written (qos 0) or acknowledged by PUBACK (qos 1). A qos 1
   * publish outlives an outage: the client retransmits it after reconnecting. Rejects when the
   * transport is closed or can't take the message. */
  publish(topic: string, payload: string, qos: QoS, retain?: boolean): Promise<void>;
  /** Returns a function that removes this handler (and the subscription with its last handler),
   * so one app can be stopped and another started on the same transport. */
  subscribe(topic: string, qos: QoS, handler: MessageHandler): () => void;
  /** Called with true on every (re)connect and false on every outage; returns a remover. */
  onConnectionChange(listener: ConnectionListener): () => void;
}

export interface SentMessage {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

/** A transport without a network: `sent` records every publish, `inject` plays the broker.
 * Publishing while offline rejects (a test can drive outages with `setConnected`). */
export class InMemoryTransport implements Transport {
  readonly sent: SentMessage[] = [];
  private isConnected = true;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private readonly sendListeners = new Set<(m: SentMessage) => void>();
  private readonly retainedSent = new RetainedSentHere();

  get connected(): boolean {
    return this.isConnected;
  }

  publish(topic: string, payload: string, qos: QoS, retain = false): Promise<void> {
    if (!this.isConnected) return Promise.reject(new Error(`in-memory transport is offline; can't publish on "${topic}"`));
    const m = { topic, payload, qos, retain };
    this.sent.push(m);
    if (retain) this.retainedSent.published(topic, payload);
    for (const l of this.sendListeners) l(m);
    return Promise.resolve();
  }

  subscribe(topic: string, _qos: QoS, handler: MessageHandler): () => void {
    // Wrapped so the same function subscribed twice is removed once per call.
    const entry: MessageHandler = (t, p, d) => handler(t, p, d);
    const set = this.handlers.get(topic) ?? new Set();
    set.add(entry);
    this.handlers.set(topic, set);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.handlers.get(topic) === set) this.handlers.delete(topic);
    };
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    const entry: ConnectionListener = (c) => listener(c);
    this.connectionListeners.add(entry);
    return () => this.connectionListeners.delete(entry);
  }

  onSend(listener: (m: SentMessage) => void): () => void {
    this.sendListeners.add(listener);
    return () => this.sendListeners.delete(listener);
  }

  /** Topics with at least one handler (exact topics; this transport does no wildcard matching). */
  get subscribedTopics(): string[] {
    return [...this.handlers.keys()];
  }

  /** Test/CLI side: deliver a message as if the broker sent it; `retained` as a broker sets the
   * RETAIN flag (true: the stored message a new subscription gets). */
  inject(topic: string, payload: string, retained = false): void {
    const delivery = { retained, sentHere: this.retainedSent.includes(topic, payload) };
    for (const h of [...(this.handlers.get(topic) ?? [])]) h(topic, payload, delivery);
  }

  setConnected(connected: boolean): void {
    if (connected === this.isConnected) return;
    this.isConnected = connected;
    if (!connected) this.retainedSent.connectionLost();
    for (const l of [...this.connectionListeners]) l(connected);
  }
}
