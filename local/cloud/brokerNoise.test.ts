import assert from "node:assert/strict";
import { isBrokerNoise } from "./brokerNoise";

describe("broker lines snapfleet dev leaves out", () => {
  it("a dropped connection's socket errors are noise; refusals and other errors are not", () => {
    assert.equal(isBrokerNoise('broker: client "sim-1" error: read ECONNRESET'), true);
    assert.equal(isBrokerNoise('broker: client "sim-1" error: write ECONNRESET'), true);
    assert.equal(isBrokerNoise('broker: client "sim-3" error: connection closed'), true);
    assert.equal(isBrokerNoise('broker: client "sim-24" error: not authorized to publish on "sf/ctl/sim-24/report/up"'), false);
    assert.equal(isBrokerNoise('broker: refused iot:Publish on arn:aws:iot:local:000000000000:topic/sf/ctl/sim-24/report/up for thing "sim-24" (client id "sim-24"): no statement allows it (default deny); policies consulted: sf-ctl-device-base; connection closed'), false);
    assert.equal(isBrokerNoise("jobs: created ctl-5f4b68708973a86d for group ctl-fleet"), false);
  });
});
