import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OTA_DEFAULTS, resolveFeatureAppArgs } from "./featureAppArgs";

describe("FeatureApp arguments", () => {
  it("fills in defaults: app = component name, thing group = app, no devices, OTA defaults", () => {
    const args = resolveFeatureAppArgs("grow-station", { entry: "./features/app.ts", cwd: "/srv/app", dashboardBundleDir: "web" });
    assert.equal(args.app, "grow-station");
    assert.equal(args.thingGroup, "grow-station");
    assert.deepEqual(args.devices, []);
    assert.deepEqual(args.ota, OTA_DEFAULTS);
    assert.equal(args.dashboardBundleDir, path.resolve("/srv/app", "web"));
  });

  it("keeps given values", () => {
    const args = resolveFeatureAppArgs("x", { entry: "a.ts", app: "tank", fleet: { thingGroup: "tanks", devices: ["t-1"] }, ota: { maximumPerMinute: 5, presignedUrlExpirySeconds: 60 } });
    assert.deepEqual([args.app, args.thingGroup, args.devices, args.ota.maximumPerMinute, args.ota.presignedUrlExpirySeconds, args.ota.abortFailurePercent], ["tank", "tanks", ["t-1"], 5, 60, 20]);
  });

  it("reports every invalid field at once, by name", () => {
    assert.throws(
      () =>
        resolveFeatureAppArgs("Grow Station", {
          entry: "",
          fleet: { thingGroup: "Bad_Group", devices: ["ok-1", "ok-1", "No Spaces"] },
          ota: { maximumPerMinute: 5000, abortFailurePercent: 12.345, presignedUrlExpirySeconds: 30 },
        }),
      (e: Error) => {
        for (const field of ["entry", "app:", "fleet.thingGroup", "fleet.devices[1]: \"ok-1\" is listed twice", "fleet.devices[2]", "ota.maximumPerMinute is 5000; AWS IoT accepts whole numbers from 1 to 1000", "ota.abortFailurePercent is 12.345; AWS IoT accepts numbers from 0 to 100 with at most two decimals", "ota.presignedUrlExpirySeconds"]) {
          assert.ok(e.message.includes(field), `message names ${field}:\n${e.message}`);
        }
        assert.match(e.message, /defaults to the component name; pass `app`/);
        return true;
      },
    );
  });

  it("board: the simulated board by default, a built-in name or a JSON file from cwd; a bad one is listed with the other problems", () => {
    assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts" }).board.name, "simulated");
    assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts", board: "esp32-devkitc" }).board.pins.GPIO34.join(","), "analog-in,digital-in");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-args-"));
    try {
      fs.writeFileSync(path.join(dir, "tank-board.json"), JSON.stringify({ name: "tank-v1", pins: { LEVEL: ["analog-in"], PUMP: ["digital-out"] } }));
      assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts", cwd: dir, board: "./tank-board.json" }).board.name, "tank-v1");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(
      () => resolveFeatureAppArgs("tank", { entry: "", board: "arduino" }),
      (e: Error) => {
        assert.match(e.message, /- entry must be/);
        assert.match(e.message, /- board: unknown board "arduino"; built-in boards: simulated, esp32-devkitc, nano-33-iot/);
        return true;
      },
    );
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", board: { name: "x", pins: { A0: ["adc" as never] } } }), /board: board definition: invalid board definition:\n {6}- pins\.A0/);
  });

  it("arguments of the wrong shape (as a JavaScript program or config.requireObject gives them) are named, not a TypeError or ignored", () => {
    assert.throws(() => resolveFeatureAppArgs("tank", undefined as never), /^Error: FeatureApp "tank": invalid arguments:\n {2}- FeatureApp takes arguments \{ entry: "\.\/features\/app\.ts", \.\.\. \}, got undefined$/);
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", fleet: { devices: "tank-1" as never } }), /- fleet\.devices must be a list of thing names, e.g\. \["tank-1", "tank-2"\], got "tank-1"/);
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", fleet: ["tank-1"] as never }), /- fleet must be an object such as \{ devices: \["tank-1"\] \}, got \["tank-1"\]/);
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", ota: 50 as never }), /- ota must be an object such as \{ maximumPerMinute: 50 \}, got 50/);
  });

  it("ota.abortFailurePercent takes what AWS IoT's thresholdPercentage takes: up to two decimals", () => {
    assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts", ota: { abortFailurePercent: 12.5 } }).ota.abortFailurePercent, 12.5);
    assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts", ota: { abortFailurePercent: 10.99 } }).ota.abortFailurePercent, 10.99);
    assert.equal(resolveFeatureAppArgs("tank", { entry: "a.ts", ota: { abortFailurePercent: 0.29 } }).ota.abortFailurePercent, 0.29);
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", ota: { abortFailurePercent: 100.5 } }), /ota\.abortFailurePercent is 100\.5; AWS IoT accepts numbers from 0 to 100 with at most two decimals/);
  });

  it("a misspelled field is named with the fields that exist, not ignored (tsx runs the program without type-checking it, so a typo would deploy the defaults)", () => {
    assert.throws(
      () => resolveFeatureAppArgs("tank", { entry: "a.ts", fleets: { devices: ["t-1"] }, fleet: { device: ["t-1"] }, ota: { maxPerMinute: 5, stages: [{ percent: 100 }] } } as never),
      (e: Error) => {
        assert.match(e.message, /- FeatureApp's arguments have unknown field "fleets"; they are entry, cwd, app, board, fleet, ota, secrets, dashboardBundleDir and aws/);
        assert.match(e.message, /- fleet has unknown field "device"; it has thingGroup, devices and claimBatches/);
        assert.match(e.message, /- ota has unknown field "maxPerMinute"; it has maximumPerMinute, abortFailurePercent, minExecutedForAbort, inProgressTimeoutMinutes, presignedUrlExpirySeconds and stages/);
        return true;
      },
    );
  });

  it("refuses a device named like the dashboard's or server's client id", () => {
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", fleet: { devices: ["sf-tank-server"] } }), /fleet.devices\[0\]: "sf-tank-server" is a client id reserved/);
  });
});
