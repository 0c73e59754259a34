/** An MQTT 3.1.1 client over the browser's WebSocket, reconnecting on its own: a dropped link
 * comes back without a page reload, subscriptions are renewed, and qos 1 messages still awaiting
 * their PUBACK are sent again (with DUP). Only what the dashboard needs: see packets.ts. */
import {
  CONNACK_REFUSALS,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  PacketReader,
  PacketType,
  parseConnack,
  parsePuback,
  parsePublish,
  parseSuback,
  type RawPacket,
} from "./packets";

export type LinkState = "connecting" | "online" | "offline" | "refused";

export interface MqttClientOptions {
  url: string;
  clientId: string;
  username: string;
  password: string;
  /** The broker drops us after 1.5× this without traffic; we detect a dead link after 1×. */
  keepaliveSeconds?: number;
  /** Backoff between reconnect attempts, doubling from min to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
  onStateChange?(state: LinkState, detail?: string): void;
}

interface PendingPublish {
  topic: string;
  payload: Uint8Array;
}

export class MqttWebSocketClient {
  private socket: WebSocket | undefined;
  private reader = new PacketReader();
  private readonly filters = new Map<string, 0 | 1>();
  private readonly unacknowledged = new Map<number, PendingPublish>();
  private nextPacketId = 1;
  private state: LinkState = "offline";
  private stopped = true;
  private retryMs: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;

  constructor(private readonly options: MqttClientOptions) {
    this.retryMs = options.reconnectMinMs ?? 250;
  }

  get linkState(): LinkState {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket?.readyState === WebSocket.OPEN) socket.send(encodeDisconnect());
    socket?.close();
    this.setState("offline");
  }

  /** Remembered: renewed after every reconnect (the session is clean). */
  subscribe(topic: string, qos: 0 | 1): void {
    this.filters.set(topic, qos);
    if (this.state === "online") this.send(encodeSubscribe(this.packetId(), [{ topic, qos }]));
  }

  /** qos 0 while offline is dropped (and false returned); qos 1 is kept until acknowledged. */
  publish(topic: string, payload: string, qos: 0 | 1): boolean {
    const bytes = new TextEncoder().encode(payload);
    if (qos === 0) {
      if (this.state !== "online") return false;
      this.send(encodePublish(topic, bytes, 0));
      return true;
    }
    const id = this.packetId();
    this.unacknowledged.set(id, { topic, payload: bytes });
    if (this.state === "online") this.send(encodePublish(topic, bytes, 1, id));
    return true;
  }

  private open(): void {
    if (this.stopped) return;
    this.setState("connecting");
    this.reader = new PacketReader();
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url, ["mqtt"]);
    } catch (error) {
      this.scheduleReconnect(`cannot open ${this.options.url}: ${(error as Error).message}`);
      return;
    }
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      socket.send(
        encodeConnect({
          clientId: this.options.clientId,
          username: this.options.username,
          password: this.options.password,
          keepaliveSeconds: this.options.keepaliveSeconds ?? 30,
        }),
      );
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      try {
        for (const packet of this.reader.push(new Uint8Array(event.data as ArrayBuffer))) this.handle(packet);
      } catch (error) {
        socket.close();
        this.scheduleReconnect((error as Error).message);
      }
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = undefined;
      clearInterval(this.pingTimer);
      if (this.state !== "refused") this.scheduleReconnect("connection closed");
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  private handle(packet: RawPacket): void {
    switch (packet.type) {
      case PacketType.Connack: {
        const { returnCode } = parseConnack(packet.body);
        if (returnCode !== 0) {
          // A refused token won't become valid by retrying: stop and say so.
          this.setState("refused", CONNACK_REFUSALS[returnCode] ?? `refused with code ${returnCode}`);
          this.stopped = true;
          this.socket?.close();
          return;
        }
        this.retryMs = this.options.reconnectMinMs ?? 250;
        if (this.filters.size) {
          this.send(encodeSubscribe(this.packetId(), [...this.filters].map(([topic, qos]) => ({ topic, qos }))));
        }
        for (const [id, pending] of this.unacknowledged) this.send(encodePublish(pending.topic, pending.payload, 1, id, true));
        this.startPinging();
        this.setState("online");
        return;
      }
      case PacketType.Publish: {
        const message = parsePublish(packet.flags, packet.body);
        if (message.qos > 0 && message.packetId !== undefined) this.send(encodePuback(message.packetId));
        this.options.onMessage(message.topic, message.payload, message.retain);
        return;
      }
      case PacketType.Puback:
        this.unacknowledged.delete(parsePuback(packet.body));
        return;
      case PacketType.Suback: {
        const { granted } = parseSuback(packet.body);
        // 0x80: the broker (its policy) refused a filter; the dashboard would silently show nothing.
        if (granted.includes(0x80)) console.error("snapfleet: the broker refused a subscription; check the dashboard policy");
        return;
      }
      default:
        return; // PINGRESP: lastHeard already updated
    }
  }

  private startPinging(): void {
    clearInterval(this.pingTimer);
    const keepaliveMs = (this.options.keepaliveSeconds ?? 30) * 1000;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > keepaliveMs) {
        // No answer to our pings: the link is dead even if the socket hasn't noticed.
        this.socket?.close();
        return;
      }
      this.send(encodePingreq());
    }, keepaliveMs / 2);
  }

  private scheduleReconnect(reason: string): void {
    clearInterval(this.pingTimer);
    if (this.stopped) return;
    this.setState("offline", reason);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.options.reconnectMaxMs ?? 5000);
  }

  private send(bytes: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }

  private packetId(): number {
    const id = this.nextPacketId;
    this.nextPacketId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  private setState(state: LinkState, detail?: string): void {
    if (state === this.state && detail === undefined) return;
    this.state = state;
    this.options.onStateChange?.(state, detail);
  }
}
