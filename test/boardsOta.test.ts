/** A simulated device in the local cloud takes the board each app was built for, and reports its
 * pin writes whichever board that is. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { DigitalWrite } from "../firmware/board";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { startCloudDevice } from "./support/cloudDevice";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const blink = (pin: string) => `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const out = api.mcu.getDigitalPin("${pin}");\n  let on = false;\n  api.mcu.setInterval(() => {\n    on = !on;\n    out.write(on);\n  }, 50);\n}\n`;

describe("boards over the air", function () {
  this.timeout(60_000);
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  let device: SimulatedDevice | undefined;
  afterEach(async () => {
    await device?.stop().catch(() => {});
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("a simulated device becomes the board of the app it installs, and reports pin writes on each", async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-boards-ota-"));
    const v1 = await compileFeatures({ entry: writeFeatures({ "app.ts": blink("D5") }, "blinker") });
    const v2Entry = writeFeatures({ "app.ts": blink("FAN") }, "blinker");
    const boardFile = path.join(path.dirname(v2Entry), "board.json");
    fs.writeFileSync(boardFile, JSON.stringify({ name: "greenhouse-v2", pins: { TEMP: ["analog-in"], FAN: ["digital-out"] } }));
    const v2 = await compileFeatures({ entry: v2Entry, board: boardFile });
    assert.equal(v2.manifest.board, "greenhouse-v2");

    cloud = await LocalCloud.start({ stateDir, build: v1, port: 0, dashboardBundleDir: null });
    await cloud.deploy(v1);
    const writes: DigitalWrite[] = [];
    device = await startCloudDevice(cloud, "gh-1", stateDir, { engine: await loadWasmEngine(), gracePeriodMs: 200, onDigitalWrite: (w) => writes.push(w) });
    await waitFor("D5 blinking", () => writes.filter((w) => w.pin === "D5").length >= 2);
    assert.equal(device.board?.name, "simulated");

    const second = await cloud.deploy(v2);
    await waitFor("v2 installed", () => cloud!.jobs.book.job(second.jobId!)?.executions.get("gh-1")?.status === "SUCCEEDED");
    await waitFor("FAN blinking", () => writes.filter((w) => w.pin === "FAN").length >= 2);
    assert.equal(device.board?.name, "greenhouse-v2");
    assert.equal(device.board?.hasPin("digital", "D5"), false);
    assert.deepEqual(device.device?.supervisor.appErrors, []);
  });
});
