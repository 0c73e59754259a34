import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "./compileFeatures";
import { defaultAppName } from "./defaultAppName";

describe("the default app name is the project's", () => {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
    return path.join(root, file);
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-appname-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("src/app.ts takes the nearest package.json's name, made valid, without its scope; not 'src'", () => {
    write("Door Sensor/package.json", JSON.stringify({ name: "@acme/Door_Sensor.v2" }));
    assert.equal(defaultAppName(path.join(root, "Door Sensor/src/app.ts")), "door-sensor-v2");
    assert.equal(defaultAppName(path.join(root, "Door Sensor/src/iot/app.ts")), "door-sensor-v2");
  });

  it("an entry in features/ takes the folder above it", () => {
    write("proj/package.json", JSON.stringify({ name: "monorepo-tools" }));
    assert.equal(defaultAppName(path.join(root, "proj/examples/Grow Station/features/app.ts")), "grow-station");
  });

  it("without a usable package.json, the entry's folder", () => {
    write("garden/package.json", "{ not json");
    assert.equal(defaultAppName(path.join(root, "garden/src/app.ts")), "src");
    write("shed/package.json", JSON.stringify({ private: true }));
    assert.equal(defaultAppName(path.join(root, "shed/Pump_Controller/app.ts")), "pump-controller");
    assert.equal(defaultAppName(path.join(root, "shed/___/app.ts")), "app");
  });

  it("a build of src/app.ts records the package's name in its manifest", async function () {
    this.timeout(30_000);
    write("package.json", JSON.stringify({ name: "tank-monitor", version: "1.0.0" }));
    const entry = write("src/app.ts", `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  api.newCommsChannel("level");\n}\n`);
    const { manifest } = await compileFeatures({ entry, cwd: root });
    assert.equal(manifest.app, "tank-monitor");
  });
});
