import assert from "node:assert/strict";
import type { ChannelDecl } from "../core/contracts/manifest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { currentBuildDir } from "../local/cloud";
import { channelsTakenFromDevices, retiredChannelsWarning } from "./retiredChannels";
import { manifestDeployedBefore } from "./deployedBefore";

const channel = (name: string, direction: ChannelDecl["direction"]): ChannelDecl => ({ name, qos: 1, direction, replay: 0 });

describe("channels a build takes from devices that still run the previous one", () => {
  it("names a channel devices could publish on that is removed, renamed or made server-to-device", () => {
    const running = [channel("level", "device-to-server"), channel("mode", "both"), channel("cmd", "server-to-device")];
    assert.deepEqual(channelsTakenFromDevices(running, [channel("mode", "both"), channel("cmd", "server-to-device")]), ["level"], "removed");
    assert.deepEqual(channelsTakenFromDevices(running, [channel("tank", "device-to-server"), channel("mode", "both"), channel("cmd", "server-to-device")]), ["level"], "renamed");
    assert.deepEqual(channelsTakenFromDevices(running, [channel("level", "device-to-server"), channel("mode", "server-to-device"), channel("cmd", "server-to-device")]), ["mode"], "turned");
  });

  it("names none when devices keep every right to publish they had", () => {
    const running = [channel("level", "device-to-server"), channel("cmd", "server-to-device")];
    assert.deepEqual(channelsTakenFromDevices(running, [channel("level", "both")]), [], "a server-to-device channel removed: devices never published on it");
    assert.deepEqual(channelsTakenFromDevices(running, [...running, channel("tank", "device-to-server")]), [], "a channel added");
    assert.deepEqual(channelsTakenFromDevices([], running), [], "a first build");
    assert.equal(retiredChannelsWarning(running, running), undefined);
  });

  it("warns with the channels' names and the two deploys that retire one safely", () => {
    const warning = retiredChannelsWarning([channel("level", "both"), channel("temp", "both")], []) ?? "";
    assert.match(warning, /^warning: this build takes from devices the right to publish on channels "level", "temp"/);
    assert.match(warning, /retire them in two deploys: first a build that declares them but no longer publishes on them/);
  });

  it("reads the channels a previous run on the state dir deployed, where the local cloud keeps its build", () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-retired-"));
    try {
      assert.equal(manifestDeployedBefore(stateDir), undefined, "a first run");
      const channels = [channel("level", "device-to-server")];
      fs.mkdirSync(currentBuildDir(stateDir), { recursive: true });
      fs.writeFileSync(path.join(currentBuildDir(stateDir), "manifest.json"), JSON.stringify({ channels }));
      assert.deepEqual(manifestDeployedBefore(stateDir)?.channels, channels);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
