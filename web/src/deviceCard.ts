/** One device of the fleet as a card: status (online dot, version, last seen) and the app's
 * registered controls, rendered by the device's own VM restored from the web snapshot. The card
 * is the VM's FeatureHost: UI ops land in its ControlViews, sendToDevice goes out over MQTT. */
import type { MicroviumEngine, VmPrimitive } from "../../core/engine/types";
import type { DeviceStatus } from "../../core/contracts/deviceStatus";
import type { Manifest } from "../../core/contracts/manifest";
import { cloudSendRefusal, serverMaySend } from "../../core/policy/channelRights";
import { FeatureVm, type FeatureHost } from "../../core/runtime/featureVm";
import type { UiOp } from "../../core/runtime/uiOps";
import type { WireValue } from "../../core/contracts/wireValue";
import { ControlView } from "./controlView";
import { HistoryReplay, type HistoryFetch } from "./historyReplay";
import { assertSettingValue, settingValueProblem, type SettingValue } from "../../core/settings/settingDecl";
import { describeAge } from "./relativeTime";
import { html } from "./widgets/svg";

export interface WebApp {
  manifest: Manifest;
  snapshot: Uint8Array;
  engine: MicroviumEngine;
}

export interface DeviceCardOptions {
  thing: string;
  /** Publishes `value` on the channel's down topic for this thing (envelope, qos: the fleet's job). */
  sendToDevice(thing: string, channelIndex: number, value: WireValue): void;
  /** Stored messages of a channel declared with `history` (absent: none loaded). */
  fetchHistory?: HistoryFetch;
  /** Asks the device for a setting value (its settings shadow's desired state: web/src/fleetSettings.ts). */
  setSetting?(thing: string, name: string, value: SettingValue): void;
}

/** History loaded for a card without a chart (a text or gauge shows the last value). */
const DEFAULT_HISTORY_SECONDS = 3600;

export class DeviceCard implements FeatureHost {
  readonly element: HTMLElement;
  private readonly dot: HTMLElement;
  private readonly state: HTMLElement;
  private readonly version: HTMLElement;
  private readonly seen: HTMLElement;
  private readonly controlsElement: HTMLElement;
  /** A listener failed on a device message (the error names it and the control that added it). */
  private readonly messageError: HTMLElement;
  private controls: ControlView[] = [];
  private vm: FeatureVm | undefined;
  private app: WebApp | undefined;
  private status: DeviceStatus | undefined;
  private lastSeen: number | undefined;
  private replay: HistoryReplay | undefined;
  /** The device time of the stored message being replayed, for charts (ControlView). */
  private replayingAt: number | undefined;
  /** The device's reported settings (undefined until its shadow answered) and what the VM holds. */
  private reported: Record<string, unknown> | undefined;
  private vmSettings: Record<string, SettingValue> = {};

  constructor(private readonly options: DeviceCardOptions) {
    const nameId = `device-${options.thing}`;
    this.element = html("article", { class: "card offline", "aria-labelledby": nameId, "data-thing": options.thing });
    const header = html("header", { class: "card-header" });
    this.dot = html("span", { class: "dot", "aria-hidden": "true" });
    const name = html("h2", { id: nameId }, options.thing);
    this.version = html("span", { class: "version", title: "app version" });
    header.append(this.dot, name, this.version);
    const meta = html("p", { class: "card-meta" });
    this.state = html("span", { class: "state", role: "status", "aria-label": `${options.thing} connection` }, "offline");
    this.seen = html("span", { class: "seen" });
    meta.append(this.state, this.seen);
    this.controlsElement = html("div", { class: "controls" });
    this.messageError = html("p", { class: "card-error", role: "alert", hidden: "" });
    this.element.append(header, meta, this.messageError, this.controlsElement);
  }

  get thing(): string {
    return this.options.thing;
  }

  /** (Re)starts the card's VM for this app build; a new build replaces the old VM and controls. */
  load(app: WebApp): void {
    this.vm?.dispose();
    this.vm = undefined;
    this.app = app;
    this.controls = app.manifest.controls.map((c) => {
      const control: ControlView = new ControlView(c.index, c.title, (slot, value) => this.run(control, () => this.vm?.uiEvent(slot, value)), () => this.replayingAt);
      return control;
    });
    this.messageError.hidden = true;
    this.controlsElement.replaceChildren(...this.controls.map((c) => c.element));
    try {
      this.vm = new FeatureVm(app.engine, app.snapshot, "web", this, { app: app.manifest });
    } catch (error) {
      this.controlsElement.replaceChildren(html("p", { class: "control-error", role: "alert" }, `cannot start the dashboard app: ${(error as Error).message}`));
      return;
    }
    this.vmSettings = {};
    this.applySettings(false);
    for (const control of this.controls) this.run(control, () => this.vm?.render(control.index));
    this.refresh();
    this.loadHistory(app);
  }

  /** Stored messages of the app's history channels go to the listeners first (historyReplay.ts). */
  private loadHistory(app: WebApp): void {
    this.replay?.cancel();
    this.replay = undefined;
    const channels = app.manifest.channels.flatMap((c, index) => (c.history ? [{ index, name: c.name }] : []));
    const fetch = this.options.fetchHistory;
    if (!fetch || channels.length === 0) return;
    const seconds = Math.max(0, ...this.controls.map((c) => c.chartWindowSeconds)) || DEFAULT_HISTORY_SECONDS;
    const replay = new HistoryReplay({
      thing: this.thing,
      channels,
      since: Date.now() - seconds * 1000,
      fetch,
      deliver: (index, value, t, stored) => {
        this.replayingAt = stored ? t : undefined;
        try {
          this.deliver(index, value, t);
        } finally {
          this.replayingAt = undefined;
        }
      },
      warn: (text) => console.warn(text),
    });
    this.replay = replay;
    void replay.run().then(() => {
      if (this.replay === replay) this.replay = undefined;
    });
  }

  /** The device's reported settings arrived (its shadow): the first time, the controls are drawn
   * again with them (a slider given `value: setting.value` then shows the device's value); after
   * that, each changed one runs its "change" listeners. */
  showSettings(reported: Record<string, unknown>): void {
    const first = this.reported === undefined;
    this.reported = reported;
    if (first && this.app && this.settingsDiffer()) this.load(this.app);
    else this.applySettings(true);
  }

  showSettingError(message: string): void {
    this.messageError.dataset.channel = "";
    this.messageError.textContent = message;
    this.messageError.hidden = false;
  }

  /** `heardAt`: when the device was last known alive by this status (see Fleet.onStatus). */
  updateStatus(status: DeviceStatus, heardAt: number): void {
    this.status = status;
    this.lastSeen = Math.max(this.lastSeen ?? 0, Math.min(heardAt, Date.now()));
    this.refresh();
  }

  /** A device message on channel `channelIndex` (manifest order), decoded from its envelope; the
   * fleet's receive path has dropped repeats and put a QoS 1 channel's messages in order. */
  deliver(channelIndex: number, value: WireValue, sentAt: number, id?: string): void {
    if (id !== undefined && this.replay?.hold(channelIndex, value, sentAt, id)) return;
    this.lastSeen = Math.max(this.lastSeen ?? 0, Math.min(sentAt, Date.now()));
    const channel = this.app?.manifest.channels[channelIndex]?.name ?? `#${channelIndex}`;
    try {
      this.vm?.deliver(channelIndex, value);
      if (this.messageError.dataset.channel === channel) this.messageError.hidden = true;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      console.error(`[${this.thing}] a "${channel}" message listener failed: ${message}`);
      this.messageError.dataset.channel = channel;
      this.messageError.textContent = `A "${channel}" message could not be shown: ${message}`;
      this.messageError.hidden = false;
    }
    this.refreshSeen();
  }

  /** Called every second: "last seen" is relative. */
  refreshSeen(): void {
    const online = this.status?.online === true;
    if (this.lastSeen === undefined) this.seen.textContent = "";
    else this.seen.textContent = online ? `last message ${describeAge(Date.now() - this.lastSeen)}` : `last seen ${describeAge(Date.now() - this.lastSeen)}`;
  }

  dispose(): void {
    this.vm?.dispose();
    this.vm = undefined;
    this.element.remove();
  }

  // --- FeatureHost --------------------------------------------------------------------------

  log(text: string): void {
    console.info(`[${this.thing}] ${text}`);
  }

  sendToDevice(channelIndex: number, value: WireValue): void {
    // The dashboard's policy allows no publish there, and the broker (AWS IoT alike) closes the
    // connection of a client that publishes where its policy denies: every card would go dark.
    const channel = this.app?.manifest.channels[channelIndex];
    if (channel && !serverMaySend(channel)) throw new Error(cloudSendRefusal(channel, "dashboard"));
    if (this.status?.online !== true) throw new Error(`${this.thing} is offline; try again when it is back`);
    this.options.sendToDevice(this.thing, channelIndex, value);
  }

  settingSet(index: number, value: SettingValue): void {
    const decl = this.app?.manifest.settings?.[index];
    if (!decl) throw new Error(`the web snapshot set setting #${index}, which the manifest does not declare`);
    assertSettingValue(decl, value);
    if (!this.options.setSetting) throw new Error(`this dashboard can't change settings`);
    this.options.setSetting(this.thing, decl.name, value);
  }

  ui(controlIndex: number, op: UiOp, args: VmPrimitive[]): VmPrimitive | void {
    const control = this.controls[controlIndex];
    if (!control) throw new Error(`the web snapshot drew on control ${controlIndex}, which the manifest does not declare`);
    return control.apply(op, args);
  }

  // --- internals ----------------------------------------------------------------------------

  /** A failing render or input callback shows in its control and leaves the rest working. */
  private run(control: ControlView, action: () => void): void {
    try {
      action();
      control.clearError();
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      console.error(`[${this.thing}] control "${control.title}": ${message}`);
      control.showError(message);
    }
  }

  /** Valid reported values the VM doesn't hold yet, by setting index. */
  private settingChanges(): [number, SettingValue][] {
    const changes: [number, SettingValue][] = [];
    (this.app?.manifest.settings ?? []).forEach((decl, index) => {
      const value = this.reported?.[decl.name];
      if (value === undefined || settingValueProblem(decl, value) || this.vmSettings[decl.name] === value) return;
      changes.push([index, value as SettingValue]);
    });
    return changes;
  }

  private settingsDiffer(): boolean {
    return this.settingChanges().some(([index, value]) => this.app!.manifest.settings![index].default !== value);
  }

  private applySettings(notify: boolean): void {
    for (const [index, value] of this.settingChanges()) {
      const name = this.app!.manifest.settings![index].name;
      this.vmSettings[name] = value;
      try {
        if (notify) this.vm?.settingChanged(index, value);
        else this.vm?.settingRestored(index, value);
      } catch (error) {
        this.showSettingError((error as Error).message ?? String(error));
      }
    }
  }

  private refresh(): void {
    const status = this.status;
    const online = status?.online === true;
    this.element.classList.toggle("offline", !online);
    this.element.classList.toggle("online", online);
    this.state.textContent = online ? "online" : "offline";
    const installed = status?.version ?? "";
    this.version.textContent = installed ? installed.slice(0, 7) : "no app";
    const mismatch = installed !== "" && this.app !== undefined && installed !== this.app.manifest.version;
    this.version.classList.toggle("mismatch", mismatch);
    this.version.title = mismatch ? `device runs ${installed.slice(0, 12)}, the dashboard shows ${this.app!.manifest.version.slice(0, 12)}` : `app version ${installed}`;
    for (const control of this.controls) control.setEnabled(online);
    this.refreshSeen();
  }
}
