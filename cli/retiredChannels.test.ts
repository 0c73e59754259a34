import assert from "node:assert/strict";
import type { ChannelDecl } from "../core/contracts/manifest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { currentBuildDir } from "../local/cloud";
import { retiredChannelsNotice } from "./retiredChannels";
import { manifestDeployedBefore } from "./deployedBefore";

const channel = (name: string, direction: ChannelDecl["direction"]): ChannelDecl => ({ name, qos: 1, direction, replay: 0 });

describe("what snapfleet dev says about channels a build retires", () => {
  it("names the channels the build takes from devices, says they may keep publishing there until the next channel change and that it reaches no one", () => {
    const running = [channel("level", "device-to-server"), channel("mode", "both"), channel("cmd", "server-to-device")];
    const notice = retiredChannelsNotice(running, [channel("tank", "device-to-server"), channel("mode", "server-to-device")]) ?? "";
    assert.equal(
      notice,
      'channels "level", "mode" retired (removed, renamed or made server-to-device): devices still on the previous version may keep publishing on them until the next build that changes the channels, and those messages reach no one (README, "Renaming a channel")',
    );
    assert.match(retiredChannelsNotice([channel("level", "both")], []) ?? "", /^channel "level" retired .* publishing on it until/);
  });

  it("says nothing when no channel is taken from devices", () => {
    const running = [channel("level", "device-to-server"), channel("cmd", "server-to-device")];
    assert.equal(retiredChannelsNotice(running, running), undefined);
    assert.equal(retiredChannelsNotice(running, [channel("level", "both")]), undefined, "a server-to-device channel removed");
    assert.equal(retiredChannelsNotice([], running), undefined, "a first build");
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
