import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeDevicePackage } from "../core/contracts/devicePackage";
import { FeatureApp } from "./featureApp";
import { plain, settled, useAwsMocks, valueOf } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");

describe("FeatureApp board (Pulumi mocks)", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-featureapp-board-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function features(pin: string): string {
    const file = path.join(dir, `pump-${pin}.ts`);
    fs.writeFileSync(file, `export function App(api: any) {\n  const pump = api.mcu.getDigitalPin("${pin}");\n  api.mcu.setInterval(() => pump.write(true), 1000);\n}\n`);
    return file;
  }

  it("builds for the board given and ships its name in the device package's manifest", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("pump", { entry: features("GPIO2"), board: "esp32-devkitc", dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);
    const firmware = mocks.ofType("aws:s3/bucketObjectv2:BucketObjectv2").find((o) => o.name.includes("firmware"))!;
    const pkg = decodeDevicePackage(Buffer.from(plain<string>(firmware.inputs.contentBase64), "base64"));
    assert.equal(pkg.manifest.board, "esp32-devkitc");
    assert.deepEqual(pkg.manifest.pins, [{ name: "GPIO2", kind: "digital" }]);
  });

  it("a pin the board lacks fails the deployment at the feature's line", async () => {
    await useAwsMocks();
    const app = new FeatureApp("pump", { entry: features("D5"), board: "esp32-devkitc", dashboardBundleDir: FIXTURE_BUNDLE });
    await assert.rejects(valueOf(app.jobId), (e: Error) => {
      assert.match(e.message, /pump-D5\.ts:2:\d+: api\.mcu\.getDigitalPin\("D5"\): board "esp32-devkitc" has no pin "D5"; its digital pins are GPIO2, GPIO4/);
      return true;
    });
  });
});
