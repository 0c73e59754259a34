import type { FeatureApi } from "snapfleet";

/** The smallest useful feature: the device reads the temperature sensor on A2 every second and
 * the dashboard shows it. One function spans firmware, cloud channel and UI. */
export function displayTemperature(api: FeatureApi) {
  const channel = api.newCommsChannel<number>("temperature", { qos: 0 });
  const sensor = api.mcu.getAnalogPin("A2");

  api.mcu.setInterval(() => {
    channel.pushMessageToServer(Math.round(sensor.read() * 10) / 10);
  }, 1000);

  api.registerUiControl(
    (el) => {
      el.setText("waiting for the first reading…");
      const gauge = el.gauge({ min: 0, max: 40, unit: "°C" });
      const chart = el.chart({ unit: "°C", window: 120 });
      channel.addEventListener("messageFromDevice", (celsius) => {
        el.setText(`${celsius} °C`);
        gauge.set(celsius);
        chart.set(celsius);
      });
    },
    { title: "Temperature" },
  );
}
