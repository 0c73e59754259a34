import assert from "node:assert/strict";
import type { Manifest } from "../core/contracts/manifest";
import { describeBuild } from "./format";

describe("snapfleet build's summary", () => {
  it("shows a channel's history days and the server handlers, which the features declared too", () => {
    const snapshot = { size: 100, sha256: "0".repeat(64) };
    const manifest = {
      app: "greenhouse",
      version: "a".repeat(64),
      engine: "microvium",
      channels: [{ name: "reading", qos: 1, direction: "device-to-server", replay: 0, history: { days: 7 } }],
      secrets: [],
      controls: [],
      pins: [],
      server: { onDevice: 2, onFleet: 1 },
      snapshots: { device: snapshot, web: snapshot, server: snapshot },
    } as unknown as Manifest;
    const summary = describeBuild(manifest, "build");
    assert.match(summary, /\nchannel +reading +qos 1, device-to-server, history 7 days\n/);
    assert.match(summary, /\nserver code +onDevice +2 handlers\n/);
    assert.match(summary, /\nserver code +onFleet +1 handler\n/);
  });
});
