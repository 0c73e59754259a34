import assert from "node:assert/strict";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { encodeEnvelope } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { statusTable } from "../../cli/statusTable";
import { FleetMonitor } from "./fleetMonitor";

describe("fleet monitor: the dev status table from broker traffic", () => {
  it("tracks online state, version, last message and log per device", () => {
    const fleet = new FleetMonitor("gs");
    fleet.expect("gh-2");
    fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: true, version: "abcdef0123456789", bootId: "b1", t: 1 }));
    fleet.observe(topics.up("gs", "gh-1", "temperature"), encodeEnvelope("b1", 1, 21.5, 1000), 1000);
    fleet.observe(topics.log("gs", "gh-1"), JSON.stringify({ t: 1, msg: "Sensor started" }));
    assert.deepEqual(fleet.devices(), [
      { thing: "gh-1", online: true, version: "abcdef0123456789", lastMessage: "temperature = 21.5", lastMessageAt: 1000, lastLog: "Sensor started" },
      { thing: "gh-2", online: false, version: "" },
    ]);
    // The last will says offline but carries no version: the installed version stays known.
    fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: false, version: "", bootId: "b1", t: 2 }));
    assert.equal(fleet.devices()[0].online, false);
    assert.equal(fleet.devices()[0].version, "abcdef0123456789");
  });

  it("an old boot's offline heard after the new boot's online leaves the device online (the same rule as the fleet status records)", () => {
    const fleet = new FleetMonitor("gs");
    fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: true, version: "v2", bootId: "new", t: 50 }));
    assert.equal(fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: false, version: "v1", bootId: "old", t: 49 })), undefined);
    assert.deepEqual(fleet.devices(), [{ thing: "gh-1", online: true, version: "v2" }]);
    fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: false, version: "v2", bootId: "new", t: 60 }));
    assert.equal(fleet.devices()[0].online, false);
  });

  it("rounds numbers in the last message for reading, in objects and arrays too", () => {
    const fleet = new FleetMonitor("gs");
    const last = (v: Parameters<typeof encodeEnvelope>[2]) => {
      fleet.observe(topics.up("gs", "gh-1", "t"), encodeEnvelope("b", 1, v, 5), 5);
      return fleet.devices()[0].lastMessage;
    };
    assert.equal(last(23.456789123), "t = 23.46");
    assert.equal(last(0.1 + 0.2), "t = 0.3");
    assert.equal(last(-1234.5678), "t = -1234.57");
    assert.equal(last(0.000123456), "t = 0.000123");
    assert.equal(last(21), "t = 21");
    assert.equal(last({ c: 23.456789, rh: [41.04999, 0.123456] }), `t = {"c":23.46,"rh":[41.05,0.123]}`);
    assert.equal(last("23.456789"), `t = "23.456789"`);
    assert.match(statusTable(fleet.devices(), 5), /t = "23\.456789" \(now\)/);
    assert.equal(last(23.456789123), "t = 23.46");
    assert.match(statusTable(fleet.devices(), 5), /\n.*t = 23\.46 \(now\)$/);
  });

  it("ignores other apps, non-app topics and malformed payloads without losing state", () => {
    const fleet = new FleetMonitor("gs");
    fleet.observe(topics.up("gs", "gh-1", "t"), encodeEnvelope("b", 1, 1, 5), 5);
    assert.equal(fleet.observe(topics.up("other", "gh-1", "t"), encodeEnvelope("b", 2, 2, 6)), undefined);
    assert.equal(fleet.observe("$aws/things/gh-1/jobs/notify-next", "{}"), undefined);
    assert.equal(fleet.observe(topics.up("gs", "gh-1", "t"), "not json"), undefined);
    assert.equal(fleet.observe(topics.status("gs", "gh-1"), JSON.stringify({ online: "yes" })), undefined);
    assert.equal(fleet.devices()[0].lastMessage, "t = 1");
  });

  it("renders a table with short versions, OTA state and message age", () => {
    const fleet = new FleetMonitor("gs");
    fleet.observe(topics.status("gs", "gh-1"), encodeDeviceStatus({ online: true, version: "abcdef0123456789", bootId: "b", t: 1 }));
    fleet.observe(topics.up("gs", "gh-1", "temperature"), encodeEnvelope("b", 1, { c: "x".repeat(60) }, 0), 0);
    fleet.setOta("gh-1", "SUCCEEDED");
    const text = statusTable(fleet.devices(), 12_000);
    const lines = text.split("\n");
    assert.match(lines[0], /^device\s+online\s+version\s+ota\s+last message$/);
    assert.match(lines[2], /^gh-1\s+yes\s+abcdef012345\s+SUCCEEDED\s+temperature = \{"c":"x+…\s\(12 s ago\)$/);
  });
});
