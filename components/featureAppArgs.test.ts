import assert from "node:assert/strict";
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
          ota: { maximumPerMinute: 5000, abortFailurePercent: 12.5, presignedUrlExpirySeconds: 30 },
        }),
      (e: Error) => {
        for (const field of ["entry", "app:", "fleet.thingGroup", "fleet.devices[1]: \"ok-1\" is listed twice", "fleet.devices[2]", "ota.maximumPerMinute is 5000; AWS IoT accepts whole numbers from 1 to 1000", "ota.abortFailurePercent", "ota.presignedUrlExpirySeconds"]) {
          assert.ok(e.message.includes(field), `message names ${field}:\n${e.message}`);
        }
        assert.match(e.message, /defaults to the component name; pass `app`/);
        return true;
      },
    );
  });

  it("refuses a device named like the dashboard's or server's client id", () => {
    assert.throws(() => resolveFeatureAppArgs("tank", { entry: "a.ts", fleet: { devices: ["sf-tank-server"] } }), /fleet.devices\[0\]: "sf-tank-server" is a client id reserved/);
  });
});
