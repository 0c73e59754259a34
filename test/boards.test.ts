import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { FeatureCompileError } from "../core/compiler/errors";
import { loadWasmEngine } from "../core/engine";
import { SIMULATED_BOARD } from "../core/boards";
import { SimulatedBoard } from "../firmware/board";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { writeFeatures } from "./support/tempFeatures";
import { compileError as expectCompileError } from "./support/compileError";

/** An app whose pins live in a second file, as composed apps have them. */
function appWithPins(pinsBody: string): string {
  return writeFeatures({
    "app.ts": `import type { FeatureApi } from "snapfleet";\nimport { pins } from "./pins";\nexport function App(api: FeatureApi) {\n  pins(api);\n}\n`,
    "pins.ts": `import type { FeatureApi } from "snapfleet";\nexport function pins(api: FeatureApi) {\n${pinsBody}\n}\n`,
  });
}

const compileError = (entry: string, board?: string) => expectCompileError({ entry, board });

function assertAt(err: FeatureCompileError, file: string, line: number): void {
  assert.ok(err.location, `no location in: ${err.message}`);
  assert.equal(path.basename(err.location!.file), file, err.message);
  assert.equal(err.location!.line, line, err.message);
  assert.match(err.message, new RegExp(`^[^\\n]*${file.replace(".", "\\.")}:${line}:\\d+: `));
}

describe("boards: pins checked at build time", () => {
  it("a pin the board lacks fails the build at the author's line, listing the valid pins", async () => {
    const err = await compileError(appWithPins(`  const led = api.mcu.getAnalogPin("A2");\n  const relay = api.mcu.getDigitalPin("D66");\n  api.mcu.setInterval(() => relay.write(led.read() > 1), 1000);`));
    assertAt(err, "pins.ts", 4);
    assert.match(err.message, /api\.mcu\.getDigitalPin\("D66"\): board "simulated" has no pin "D66"; its digital pins are D0-D13/);
  });

  it("a lower-case label is refused with the label it likely meant", async () => {
    const err = await compileError(appWithPins(`  const a = api.mcu.getDigitalPin("d3");\n  api.mcu.setInterval(() => a.write(true), 10);`));
    assertAt(err, "pins.ts", 3);
    assert.match(err.message, /has no pin "d3" \(pin labels are case-sensitive: did you mean "D3"\?\); its digital pins are D0-D13/);
  });

  it("a pin used as the wrong kind fails at the call, listing the pins of that kind", async () => {
    const analogOnDigital = await compileError(appWithPins(`  // a comment line\n  const level = api.mcu.getAnalogPin("D3");\n  api.mcu.setInterval(() => api.log("" + level.read()), 10);`));
    assertAt(analogOnDigital, "pins.ts", 4);
    assert.match(analogOnDigital.message, /getAnalogPin\("D3"\): pin "D3" of board "simulated" is digital-in \+ digital-out, not analog; its analog pins are A0-A7/);
    const digitalOnAnalog = await compileError(appWithPins(`  const a = api.mcu.getDigitalPin("A1");`));
    assertAt(digitalOnAnalog, "pins.ts", 3);
    assert.match(digitalOnAnalog.message, /pin "A1" of board "simulated" is analog-in, not digital; its digital pins are D0-D13/);
  });

  it("a write to an input-only pin fails at the write; reading it builds", async () => {
    const body = `  const button = api.mcu.getDigitalPin("GPIO34");\n  const led = api.mcu.getDigitalPin("GPIO2");\n  api.mcu.setInterval(() => {\n    led.write(button.read());\n    button.write(false);\n  }, 50);`;
    const err = await compileError(appWithPins(body), "esp32-devkitc");
    assertAt(err, "pins.ts", 7);
    assert.match(err.message, /pin "GPIO34" of board "esp32-devkitc" is input-only \(analog-in \+ digital-in\): write\(\) can't drive it; pins that can be written are GPIO2, GPIO4/);
    const ok = await compileFeatures({ entry: appWithPins(body.replace("    button.write(false);\n", "")), board: "esp32-devkitc" });
    assert.equal(ok.manifest.board, "esp32-devkitc");
    assert.deepEqual(ok.manifest.pins, [
      { name: "GPIO34", kind: "digital" },
      { name: "GPIO2", kind: "digital" },
    ]);
  });

  it("builds for a board from a JSON file and records its name in the manifest; the default is the simulated board", async () => {
    const entry = appWithPins(`  const t = api.mcu.getAnalogPin("TEMP");\n  const fan = api.mcu.getDigitalPin("FAN");\n  api.mcu.setInterval(() => fan.write(t.read() > 28), 1000);`);
    const boardFile = path.join(path.dirname(entry), "greenhouse.json");
    fs.writeFileSync(boardFile, JSON.stringify({ name: "greenhouse-v2", pins: { TEMP: ["analog-in"], FAN: ["digital-out"] } }));
    const built = await compileFeatures({ entry, board: boardFile });
    assert.equal(built.manifest.board, "greenhouse-v2");
    const onDefault = await compileError(entry);
    assertAt(onDefault, "pins.ts", 3);
    assert.match(onDefault.message, /board "simulated" has no pin "TEMP"; its analog pins are A0-A7/);
    const plain = await compileFeatures({ entry: appWithPins(`  api.mcu.getAnalogPin("A7");\n  api.mcu.getDigitalPin("D13");`) });
    assert.equal(plain.manifest.board, "simulated");
  });
});

describe("boards: the device side", () => {
  it("the simulated board answers for exactly the default board's pins, refusing others with the compiler's text", () => {
    const board = SimulatedBoard.forManifest({ pins: [] }, () => 0);
    assert.equal(board.name, "simulated");
    for (const [pin, caps] of Object.entries(SIMULATED_BOARD.pins)) {
      assert.equal(board.hasPin("analog", pin), caps.includes("analog-in"), pin);
      assert.equal(board.hasPin("digital", pin), caps.includes("digital-in"), pin);
    }
    assert.equal(board.hasPin("digital", "D66"), false);
    assert.throws(() => board.digitalWrite("D66", true), /^Error: board "simulated" has no pin "D66"; its digital pins are D0-D13$/);
    assert.throws(() => board.analogRead("D3"), /pin "D3" of board "simulated" is digital-in \+ digital-out, not analog; its analog pins are A0-A7/);
    assert.throws(() => SimulatedBoard.forManifest({ pins: [] }, () => 0, { A9: () => 1 }), /pin model for A9: board "simulated" has no pin "A9"/);
    board.digitalWrite("D13", true);
    assert.equal(board.digitalRead("D13"), true);
  });

  it("an input-only pin written through a computed label is refused on the device, and the app keeps running", async () => {
    const entry = appWithPins(`  const labels = ["GPIO2", "GPIO3" + "4"];\n  const pins = labels.map((l) => api.mcu.getDigitalPin(l));\n  api.mcu.setInterval(() => {\n    pins[0].write(true);\n    pins[1].write(true);\n  }, 100);`);
    const build = await compileFeatures({ entry, board: "esp32-devkitc" });
    const clock = new ManualClock();
    const board = SimulatedBoard.forManifest(build.manifest, () => clock.now());
    assert.equal(board.name, "esp32-devkitc");
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", board, clock, engine: await loadWasmEngine() });
    clock.advance(250);
    assert.deepEqual(board.writes.map((w) => w.pin), ["GPIO2", "GPIO2"]);
    assert.equal(device.supervisor.appErrors.length, 2, device.supervisor.appErrors.join("\n"));
    assert.match(device.supervisor.appErrors[0], /pin "GPIO34" of board "esp32-devkitc" is input-only/);
    await device.stop();
  });

  it("a device refuses an app built for another board", async () => {
    const build = await compileFeatures({ entry: appWithPins(`  api.mcu.getDigitalPin("GPIO2");`), board: "esp32-devkitc" });
    const simulated = SimulatedBoard.forManifest({ pins: [] }, () => 0);
    await assert.rejects(
      Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", board: simulated, engine: await loadWasmEngine() }),
      /was built for board "esp32-devkitc", this device is a "simulated": rebuild with --board simulated/,
    );
  });
});
