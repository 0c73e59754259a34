/** The API a feature's `App(api)` receives. `App` runs at build time once per target (device,
 * web, server) inside Microvium: what it declares becomes infrastructure, and the callbacks it
 * registers run later on the target that can serve them. Calls a target can't serve throw an
 * error naming the API and the target. */

/** Data a channel carries: JSON values without cycles or functions. */
export type ChannelValue = null | boolean | number | string | ChannelValue[] | { [key: string]: ChannelValue };

export interface CommsChannelOptions {
  /** 1 (default): each message reaches the other side exactly once, in order, across outages.
   * 0: at most once, cheapest. */
  qos?: 0 | 1;
  /** Who may send; the IoT policies grant nothing more. Default "both". */
  direction?: "both" | "device-to-server" | "server-to-device";
  /** A new subscriber (dashboard) gets the last N messages replayed. Default 0. */
  replay?: number;
  /** Keep what devices send on this channel for `days` (1-365) per device: dashboards get the
   * stored messages first, each at the time the device sent it, so a chart starts full. */
  history?: { days: number };
}

export interface CommsChannel<T extends ChannelValue = ChannelValue> {
  readonly name: string;
  /** Device end: send to the cloud and dashboard. Queued while offline. */
  pushMessageToServer(value: T): void;
  /** Web/server end: send to this device (the card's, or the one an api.server.onDevice handler
   * runs for). In an api.server.onFleet handler, name the device: `sendToDevice(v, "greenhouse-2")`,
   * or pass the device a listener got: `sendToDevice(v, device)`. */
  sendToDevice(value: T, device?: string | ServerDevice): void;
  /** Device end listens to "messageFromServer"; web/server ends to "messageFromDevice". In an
   * api.server.onFleet handler the listener also gets the device that sent the message (answer it
   * with `sendToDevice(v, device.name)`); elsewhere `device` is undefined. */
  addEventListener(event: "messageFromServer" | "messageFromDevice", listener: (value: T, device?: ServerDevice) => void): void;
}

export interface SecretOptions {
  /** An optional secret may be left unset; its value is then undefined. */
  optional?: boolean;
}

export interface Secret {
  readonly name: string;
  /** Only on the device target; reading it on web or server throws. */
  readonly value: string;
}

/** A gauge or chart on the dashboard: `set` shows a new reading. */
export interface Indicator {
  set(value: number): void;
}

export interface GaugeOptions {
  /** Default 0. */
  min?: number;
  /** Default 100. */
  max?: number;
  unit?: string;
}

export interface ChartOptions {
  unit?: string;
  /** Seconds of history shown (default 60). */
  window?: number;
}

export interface SliderOptions {
  /** Where the slider starts (default: min), e.g. a setting's value. */
  value?: number;
  /** Default 0. */
  min?: number;
  /** Default 100. */
  max?: number;
  /** Default 1. */
  step?: number;
}

/** The card a control renders into, in the dashboard. Callbacks run in the dashboard (web
 * target); to act on the device, send on a channel from them. */
export interface UiElement {
  setText(text: string): void;
  gauge(options?: GaugeOptions): Indicator;
  /** A live time series. */
  chart(options?: ChartOptions): Indicator;
  /** An on/off switch; `onChange` runs in the dashboard with the new state. */
  toggle(label: string, onChange: (on: boolean) => void, options?: ToggleOptions): ToggleHandle;
  button(label: string, onClick: () => void): void;
  /** Returns a handle whose `set(v)` moves the slider (without calling `onChange`). */
  slider(options: SliderOptions, onChange: (value: number) => void): Indicator;
}

export interface ToggleOptions {
  /** The state it shows at first (default off), e.g. a setting's value. */
  on?: boolean;
}

/** A toggle that follows state: `set(on)` flips it without calling `onChange`. */
export interface ToggleHandle {
  set(on: boolean): void;
}

/** A setting's value: a number, a string or a boolean, fixed by its default's type. */
export type SettingValue = number | string | boolean;

export interface SettingOptions<T extends SettingValue> {
  /** The value a device starts with; its type is the setting's type. */
  default: T;
  /** Number settings: the accepted range; `set` refuses values outside it. */
  min?: number;
  max?: number;
}

/** A setting (`api.defineSetting`): one value per device, kept in the device's settings shadow.
 * Device: `value` is the value last applied, persisted on the device across reboots and OTA
 * updates; `set(v)` applies it there and reports it. Web and server: `value` is what the device
 * reported; `set(v)` asks the device for it (now, or when it next connects). `set` refuses a
 * value of the wrong type or out of range with an error saying why, and changes nothing. */
export interface Setting<T extends SettingValue = SettingValue> {
  readonly name: string;
  readonly value: T;
  set(value: T): void;
  /** "change": the value changed (device: applied; web/server: reported by the device). */
  addEventListener(event: "change", listener: (value: T) => void): void;
}

export interface UiControlOptions {
  title: string;
}

export interface AnalogPin {
  /** Reading from the board (volts or the model's unit). */
  read(): number;
}

export interface DigitalPin {
  read(): boolean;
  write(value: boolean): void;
}

export interface Mcu {
  getAnalogPin(name: string): AnalogPin;
  getDigitalPin(name: string): DigitalPin;
  /** Returns a timer handle (0 at build time: the timer starts when the device boots). */
  setInterval(callback: () => void, ms: number): number;
  setTimeout(callback: () => void, ms: number): number;
  clearTimer(handle: number): void;
  onStart(callback: () => void): void;
}

/** A device as server code sees it. */
export interface ServerDevice {
  readonly name: string;
}

/** What an api.server.onFleet handler gets: the devices of the fleet, kept current. */
export interface ServerFleet {
  readonly devices: readonly string[];
}

/** Code that runs in the cloud (the local cloud's server host, or a Lambda function on AWS),
 * with no browser open. Its state (variables the handlers close over) is kept across restarts. */
export interface ServerApi {
  /** `handler` runs once per device, in the cloud. Channel listeners it adds hear that device
   * only, and `sendToDevice` in it addresses that device. */
  onDevice(handler: (device: ServerDevice) => void): void;
  /** `handler` runs once for the whole fleet: its channel listeners get `(value, device)` from
   * every device, and `channel.sendToDevice(value, deviceName)` addresses any device. */
  onFleet(handler: (fleet: ServerFleet) => void): void;
  /** An alert: a banner on every open dashboard, a line in `snapfleet dev`'s output, and on AWS
   * a message on the app's SNS topic (output `alertsTopicArn`). Server target only. */
  notify(text: string): void;
}

export interface FeatureApi {
  /** Which target this run builds: lets shared helpers pick behaviour, rarely needed. */
  readonly target: "device" | "web" | "server";
  newCommsChannel<T extends ChannelValue = ChannelValue>(name: string, options?: CommsChannelOptions): CommsChannel<T>;
  defineSecret(name: string, options?: SecretOptions): Secret;
  registerUiControl(render: (el: UiElement) => void, options: UiControlOptions): void;
  /** Declares a device setting (see Setting); names like channel names. */
  defineSetting<T extends SettingValue>(name: string, options: SettingOptions<T>): Setting<T extends number ? number : T extends string ? string : boolean>;
  readonly mcu: Mcu;
  /** Server code: declared at build time, run in the cloud. */
  readonly server: ServerApi;
  log(message: string): void;
}

/** What a feature entry module exports. */
export type App = (api: FeatureApi) => void;
