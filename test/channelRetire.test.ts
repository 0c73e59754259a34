/** Retiring a channel a fleet publishes on, as README "Renaming a channel" says: the local cloud
 * takes the right from the device policies at once, as AWS does with `pulumi up`, and closes the
 * connection of a device still publishing there (cli/retiredChannels.ts); two deploys keep the
 * fleet connected and updating, and `snapfleet dev` warns when a build takes the right away. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../cli/devSession";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

/** Declares `channels` (device-to-server) and publishes on `publishOn` every 100 ms. */
const app = (channels: string[], publishOn: string) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
${channels.map((c) => `  const ${c} = api.newCommsChannel<number>("${c}", { direction: "device-to-server" });`).join("\n")}
  api.mcu.setInterval(() => ${publishOn}.pushMessageToServer(1), 100);
}
`;

describe("retiring a channel devices publish on", function () {
  this.timeout(120_000);
  let stateDir: string;
  let session: DevSession | undefined;

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-retire-"));
  });
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("in two deploys the fleet stays connected and updates; a build that takes the right away is warned about, and the broker closes a device still publishing there", async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": app(["level"], "level") }, "retire-app");
    session = await DevSession.start({ entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: (l) => logs.push(l) });
    const { cloud } = session;
    const device = () => cloud.monitor.devices()[0];
    const warnings = () => logs.filter((l) => l.startsWith("warning: this build takes from devices"));
    const onVersion = async (what: string, lastMessage: string) => {
      const before = device()?.version;
      await waitFor(what, () => device()?.version !== before && device().ota === "SUCCEEDED" && device().online && device().lastMessage === lastMessage, 40_000);
    };
    await waitFor("the device on v1", () => device()?.ota === "SUCCEEDED" && device().lastMessage === "level = 1", 30_000);

    // First deploy: "tank" added, "level" still declared but no longer published on.
    fs.writeFileSync(entry, app(["level", "tank"], "tank"));
    await session.rebuild();
    assert.deepEqual(warnings(), [], "nothing is taken from the devices yet");
    await onVersion("the device on v2, publishing on tank", "tank = 1");

    // Second deploy: "level" gone. The warning says "may": v2 no longer published there.
    fs.writeFileSync(entry, app(["tank"], "tank"));
    await session.rebuild();
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0], /publish on channel "level" \(removed, renamed or made server-to-device\)/);
    await onVersion("the device on v3", "tank = 1");
    const closedBefore = logs.filter((l) => /refused iot:Publish on .*\/tank\/up .*connection closed/.test(l)).length;
    assert.equal(closedBefore, 0, "no device published where it had no right");

    // A rename in one deploy: warned about, and the device still on v3 loses its connection at
    // its next publish on "tank" (AWS IoT closes it: MQTT 3.1.1 has no negative PUBACK).
    fs.writeFileSync(entry, app(["gauge"], "gauge"));
    await session.rebuild();
    assert.equal(warnings().length, 2);
    assert.match(warnings()[1], /channel "tank"/);
    await waitFor("the broker closing the device publishing on tank", () => logs.some((l) => /refused iot:Publish on .*\/tank\/up .*connection closed/.test(l)), 20_000);
  });
});
