/** AWS IoT allows 50 subscriptions per connection: the preview counts what an app's devices will
 * subscribe (core/contracts/deviceSubscriptions.ts). The count must be what a device really does,
 * so it is checked against a booted device, with and without settings. */
import assert from "node:assert/strict";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import type { ChannelDecl } from "../core/contracts/manifest";
import { deviceSubscriptionCount, deviceSubscriptionProblem, OTA_AGENT_SUBSCRIPTIONS } from "../core/contracts/deviceSubscriptions";
import { bootApp } from "./support/testDevice";

const receiving = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `rx-${i}`, direction: "server-to-device" }) as ChannelDecl);
const sending = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `tx-${i}`, direction: "device-to-server" }) as ChannelDecl);

describe("device subscriptions against AWS's 50 per connection", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  for (const withSettings of [false, true]) {
    it(`the count is what a booted device subscribes, ${withSettings ? "with" : "without"} settings (its OTA agent's Jobs topics added)`, async () => {
      const setting = withSettings ? `  api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });\n` : "";
      const { build, device, transport } = await bootApp(
        engine,
        `${setting}  const fan = api.newCommsChannel<number>("fan", { direction: "server-to-device" });
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  const both = api.newCommsChannel<number>("both", { direction: "both" });
  fan.addEventListener("messageFromServer", (v) => level.pushMessageToServer(v));
  both.addEventListener("messageFromServer", (v) => both.pushMessageToServer(v));`,
      );
      try {
        // The OTA agent subscribes through the SDK connection, not this transport.
        const subscribed = transport.subscribedTopics.length + OTA_AGENT_SUBSCRIPTIONS;
        assert.equal(deviceSubscriptionCount(build.manifest.channels, withSettings), subscribed, `subscribed: ${transport.subscribedTopics.join(", ")}`);
      } finally {
        await device.stop();
      }
    });
  }

  it("an app exactly at 50 passes; one receiving channel more fails, saying how many fit", () => {
    // 4 Jobs + 1 own status + 2 × 22 = 49; 23 receiving channels make 51.
    assert.equal(deviceSubscriptionProblem("tank", [...receiving(22), ...sending(30)], false), undefined);
    assert.match(deviceSubscriptionProblem("tank", receiving(23), false) ?? "", /receive on 23 channels, which takes 51 MQTT subscriptions .*Receive on at most 22 channels/);
    // With settings 4 more: 9 + 2 × 20 = 49 passes, 21 make 51.
    assert.equal(deviceSubscriptionProblem("tank", receiving(20), true), undefined);
    assert.match(deviceSubscriptionProblem("tank", receiving(21), true) ?? "", /receive on 21 channels, which takes 51 MQTT subscriptions .*4 for the settings shadow.*Receive on at most 20 channels/);
  });
});
