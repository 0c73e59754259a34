/** How the supervisor reaches the cloud. The in-memory one serves tests and `run-device`;
 * the MQTT one (aws-iot-device-sdk-v2) serves the local cloud and AWS. */
export interface Transport {
  readonly connected: boolean;
  publish(topic: string, payload: string, qos: 0 | 1): void;
  subscribe(topic: string, handler: (topic: string, payload: string) => void): void;
  onConnectionChange(listener: (connected: boolean) => void): void;
}

export interface SentMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
}

export class InMemoryTransport implements Transport {
  readonly sent: SentMessage[] = [];
  private isConnected = true;
  private readonly handlers = new Map<string, ((topic: string, payload: string) => void)[]>();
  private readonly connectionListeners: ((connected: boolean) => void)[] = [];
  private readonly sendListeners: ((m: SentMessage) => void)[] = [];

  get connected(): boolean {
    return this.isConnected;
  }

  publish(topic: string, payload: string, qos: 0 | 1): void {
    if (!this.isConnected) throw new Error("transport is offline");
    const m = { topic, payload, qos };
    this.sent.push(m);
    for (const l of this.sendListeners) l(m);
  }

  subscribe(topic: string, handler: (topic: string, payload: string) => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  onConnectionChange(listener: (connected: boolean) => void): void {
    this.connectionListeners.push(listener);
  }

  onSend(listener: (m: SentMessage) => void): void {
    this.sendListeners.push(listener);
  }

  /** Test/CLI side: deliver a message as if the broker sent it. */
  inject(topic: string, payload: string): void {
    for (const h of this.handlers.get(topic) ?? []) h(topic, payload);
  }

  setConnected(connected: boolean): void {
    if (connected === this.isConnected) return;
    this.isConnected = connected;
    for (const l of this.connectionListeners) l(connected);
  }
}
