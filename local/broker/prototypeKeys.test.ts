/** Names Object.prototype already has, sent by a connected device as topic filters
 * (prototypeSafeKeys.ts: aedes 2.0.0-beta.1 lacks 1.2.0's GHSA-52qw-whmv-87c5 fix). Without the
 * patch the first UNSUBSCRIBE below ends the broker's process (mqemitter `assert(notify)`), and
 * the MQTT 5 SUBSCRIBE with "__proto__" among other filters does too (`sub.topic.startsWith`). */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { mqttsOptions } from "../../test/support/mqttsClient";
import { PROTOTYPE_FILTER } from "./prototypeSafeKeys";

describe("LocalBroker: topic filters named like Object.prototype's properties", function () {
  this.timeout(20_000);
  const suite = brokerPerSuite("proto-keys", { app: "grow", manifest: channelManifest("grow", [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]) });
  const { refusals, open } = suite;

  async function device(thing: string, protocolVersion: 4 | 5): Promise<mqtt.MqttClient> {
    const identity = await suite.broker.provisionDevice(thing);
    const client = await mqtt.connectAsync(mqttsOptions(suite.broker, thing, identity, { protocolVersion, connectTimeout: 5000 }));
    open.push(() => client.endAsync(true));
    return client;
  }

  for (const version of [4, 5] as const) {
    it(`MQTT ${version === 4 ? "3.1.1" : "5"}: UNSUBSCRIBE "constructor", "toString", "__proto__" is answered and the broker goes on`, async () => {
      const d = await device(`proto-u${version}`, version);
      await d.unsubscribeAsync(["constructor", "toString", PROTOTYPE_FILTER]);
      // The same connection still works: subscribe and receive on its own down topic.
      await d.subscribeAsync(`sf/grow/proto-u${version}/temperature/down`, { qos: 1 });
      const got = new Promise<string>((resolve) => d.once("message", (_t, payload) => resolve(payload.toString())));
      suite.broker.aedes.publish({ cmd: "publish", topic: `sf/grow/proto-u${version}/temperature/down`, payload: Buffer.from("still here"), qos: 1, retain: false, dup: false }, () => {});
      assert.equal(await got, "still here");
    });

    it(`MQTT ${version === 4 ? "3.1.1" : "5"}: a SUBSCRIBE with "__proto__" among other filters is refused and closes that connection only`, async () => {
      const d = await device(`proto-s${version}`, version);
      const closed = new Promise<void>((resolve) => d.once("close", () => resolve()));
      d.subscribe([`sf/grow/proto-s${version}/temperature/down`, PROTOTYPE_FILTER], { qos: 1 }, () => undefined);
      await closed;
      const refusal = refusals.find((r) => r.action === "mqtt");
      assert.equal(refusal?.outcome, "connection closed");
      assert.match(refusal?.reason ?? "", /topic filter "__proto__" among 2 filters of one SUBSCRIBE/);
      // "constructor" on its own goes to the policies like any filter (refused for a device).
      const other = await device(`proto-c${version}`, version);
      const granted = await other.subscribeAsync("constructor", { qos: 1 }).then(
        (g) => g.map((s) => s.qos),
        (error: Error) => error.message,
      );
      assert.ok(Array.isArray(granted) ? granted[0] >= 0x80 : /Not authorized|Unspecified/.test(granted), `refused: ${JSON.stringify(granted)}`);
      assert.ok(refusals.some((r) => r.action === "iot:Subscribe" && r.resource?.endsWith("topicfilter/constructor")));
    });
  }
});
