import type { FeatureApi } from "snapfleet";
import { displayTemperature } from "./displayTemperature";
import { displaySensorInUi, makeAnalogSensor } from "./sensor";
import { makeLogger } from "./logger";
import { Wifi } from "./wifi";
import { growLight } from "./growLight";

/** The grow station: every feature of the app, composed once. `snapfleet build` runs this at
 * build time for the device, the dashboard and the server. */
export function App(api: FeatureApi) {
  const logger = makeLogger(api);
  displayTemperature(api);

  const soil = makeAnalogSensor(api, { channel: "soil-moisture", pin: "A3", label: "Soil moisture", unit: "%", everyMs: 5000, scale: 100 / 3.3 });
  displaySensorInUi(api, soil);

  Wifi(api);
  growLight(api, logger);

  api.mcu.onStart(() => logger.log("Sensor started"));
  api.registerUiControl((el) => logger.onMessage((text) => el.setText(text)), { title: "Event log" });
}
