/** The AWS IoT Device Shadow MQTT API for the local cloud ("Device Shadow MQTT topics",
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html): `get`,
 * `update` and `delete` on `$aws/things/{thing}/shadow[/name/{shadow}]/...`, answered on
 * `/accepted` and `/rejected`, with `update/delta` and `update/documents`; payloads, versions,
 * client tokens, error codes and limits as core/shadow/shadowDocument.ts describes them. Shadows
 * are stored in the local database (shadowStore.ts), so they survive restarts.
 *
 * Like the Jobs service it runs in process on the broker: requests arrive through an internal
 * aedes subscription after the broker authorized the client's publish (devices only reach their own
 * shadows, dashboards the app's settings shadows), and answers go out through aedes, so each
 * delivery is still checked against the receiver's Receive policy. As on AWS, answers reach only
 * clients subscribed to them. */
import type { Aedes, AedesPublishPacket } from "aedes";
import { handleShadowRequest } from "../../core/shadow/shadowDocument";
import { parseShadowTopic, SHADOW_NAME_PATTERN, shadowTopics } from "../../core/shadow/shadowTopics";
import type { LocalDatabase } from "../database/localDatabase";
import { ShadowStore } from "./shadowStore";

export interface ShadowServiceOptions {
  aedes: Aedes;
  database: LocalDatabase;
  now?: () => number;
  log?: (line: string) => void;
}

/** `+` matches one level: the named shadows' requests, and the classic shadow's. */
const REQUEST_FILTERS = ["$aws/things/+/shadow/name/+/+", "$aws/things/+/shadow/+"];

export class ShadowService {
  readonly store: ShadowStore;
  private readonly deliver = (packet: AedesPublishPacket, done: () => void) => {
    done();
    this.handle(packet.topic, packet.payload.toString());
  };
  private readonly listeners = new Set<(thing: string, shadow: string | undefined) => void>();

  private constructor(private readonly options: ShadowServiceOptions) {
    this.store = new ShadowStore(options.database);
  }

  static async start(options: ShadowServiceOptions): Promise<ShadowService> {
    const service = new ShadowService(options);
    for (const filter of REQUEST_FILTERS) await new Promise<void>((resolve) => options.aedes.subscribe(filter, service.deliver, resolve));
    return service;
  }

  async stop(): Promise<void> {
    for (const filter of REQUEST_FILTERS) await new Promise<void>((resolve) => this.options.aedes.unsubscribe(filter, this.deliver, resolve));
  }

  /** Told after every accepted update or delete (the bench and tests wait on it). */
  onChange(listener: (thing: string, shadow: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private handle(topic: string, payload: string): void {
    const parsed = parseShadowTopic(topic);
    if (!parsed || parsed.response !== undefined) return; // our own answers come back here too
    const { thing, shadow, op } = parsed;
    if (shadow !== undefined && !SHADOW_NAME_PATTERN.test(shadow)) return; // AWS refuses the publish; nothing to answer on
    const nowMs = (this.options.now ?? Date.now)();
    const result = handleShadowRequest(op, shadow, this.store.get(thing, shadow), payload, Math.floor(nowMs / 1000));
    if (result.stored) this.store.put(thing, shadow, result.stored, nowMs);
    for (const message of result.messages) this.publish(shadowTopics.response(thing, shadow, message.op, message.response), message.body);
    if (result.stored) for (const listener of this.listeners) listener(thing, shadow);
  }

  private publish(topic: string, body: object): void {
    this.options.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false, dup: false }, (error) => {
      if (error) this.options.log?.(`shadows: could not publish ${topic}: ${error.message}`);
    });
  }
}
