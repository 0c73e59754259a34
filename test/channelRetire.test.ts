/** Renaming a channel devices publish on in one deploy, as README "Renaming a channel" says: the
 * device policies keep a publish-only right on the old channel (core/policy/retiredChannels.ts),
 * so the device still on the previous version keeps publishing there, stays connected and
 * installs the new build; `snapfleet dev` says the channel is retired. */
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

describe("renaming a channel devices publish on, in one deploy", function () {
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

  it("the device still on v1 keeps publishing on the old channel, connected, and installs v2; dev says the channel is retired", async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": app(["level"], "level") }, "retire-app");
    session = await DevSession.start({ entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: (l) => logs.push(l) });
    const { cloud } = session;
    const device = () => cloud.monitor.devices()[0];
    await waitFor("the device on v1", () => device()?.ota === "SUCCEEDED" && device().lastMessage === "level = 1", 30_000);
    const v1 = device().version;

    // What the broker accepted on "level" (an in-process subscriber gets only what was allowed).
    let onLevel = 0;
    await new Promise<void>((resolve) => cloud.broker.aedes.subscribe("sf/retire-app/+/level/up", (_packet, done) => (onLevel++, done()), resolve));

    fs.writeFileSync(entry, app(["tank"], "tank"));
    await session.rebuild();
    const deployedAt = onLevel;
    assert.deepEqual(
      logs.filter((l) => l.includes("retired")),
      ['channel "level" retired (removed, renamed or made server-to-device): devices still on the previous version may keep publishing on it until the next build that changes the channels, and those messages reach no one (README, "Renaming a channel")'],
    );
    await waitFor("the device on v2, publishing on tank", () => device()?.version !== v1 && device().ota === "SUCCEEDED" && device().online && device().lastMessage === "tank = 1", 40_000);
    assert.ok(onLevel > deployedAt, `the device published on "level" after the deploy (${onLevel - deployedAt} messages accepted)`);
    assert.deepEqual(logs.filter((l) => /refused iot:Publish/.test(l)), [], "no publish refused, no connection closed");
  });
});
