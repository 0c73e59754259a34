import type { FeatureApi } from "snapfleet";

/** The decoupled version: a sensor is anything that reports readings, so the UI feature below
 * doesn't care whether the value comes from a pin, an I2C chip or a computation. */
export interface MySensor {
  readonly label: string;
  readonly unit: string;
  /** Dashboard side: called with each reading the device reports. */
  onReading(listener: (value: number) => void): void;
}

export interface AnalogSensorOptions {
  channel: string;
  pin: string;
  label: string;
  unit: string;
  everyMs: number;
  /** Converts the pin reading (volts) to the sensor's unit. */
  scale?: number;
}

/** Device side reads a pin on a schedule and pushes the value; web side listens. */
export function makeAnalogSensor(api: FeatureApi, options: AnalogSensorOptions): MySensor {
  const channel = api.newCommsChannel<number>(options.channel, { qos: 0, replay: 10 });
  const pin = api.mcu.getAnalogPin(options.pin);
  const scale = options.scale ?? 1;
  api.mcu.setInterval(() => channel.pushMessageToServer(Math.round(pin.read() * scale)), options.everyMs);
  return {
    label: options.label,
    unit: options.unit,
    onReading: (listener) => channel.addEventListener("messageFromDevice", listener),
  };
}

/** Shows any sensor in a dashboard control. */
export function displaySensorInUi(api: FeatureApi, sensor: MySensor) {
  api.registerUiControl(
    (el) => {
      const gauge = el.gauge({ min: 0, max: 100, unit: sensor.unit });
      sensor.onReading((value) => {
        el.setText(`${value} ${sensor.unit}`);
        gauge.set(value);
      });
    },
    { title: sensor.label },
  );
}
