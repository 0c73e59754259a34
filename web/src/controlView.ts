/** One registered UI control of one device: a titled section that the feature's render function
 * fills through UI ops (core/runtime/uiOps.ts). Widget ids are indexes into this control's list
 * offset by the control index, so they stay unique within the device's VM. */
import type { VmPrimitive } from "../../core/engine/types";
import { UiOp } from "../../core/runtime/uiOps";
import type { WireValue } from "../../core/contracts/wireValue";
import { Chart } from "./widgets/chart";
import { Gauge } from "./widgets/gauge";
import { pushButton, setSliderValue, setToggleState, slider, toggleSwitch } from "./widgets/inputs";
import { html } from "./widgets/svg";

/** Widget ids: control index × this + position, so ids never collide across controls. */
const WIDGETS_PER_CONTROL = 1000;

export class ControlView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private text: HTMLElement | undefined;
  private readonly widgets: (Gauge | Chart | StateInput)[] = [];
  private error: HTMLElement | undefined;

  constructor(
    readonly index: number,
    readonly title: string,
    /** A widget's user input, to FeatureVm.uiEvent(slot, value). */
    private readonly onInput: (slot: number, value: WireValue) => void,
    /** The device time of the message being delivered, if any: a chart places the value there. */
    private readonly messageTime: () => number | undefined = () => undefined,
  ) {
    const headingId = `control-${Math.random().toString(36).slice(2, 10)}`;
    this.element = html("section", { class: "control", "aria-labelledby": headingId });
    this.element.append(html("h3", { id: headingId }, title));
    this.body = html("div", { class: "control-body" });
    this.element.append(this.body);
  }

  /** Serves a UI op from the feature's web runtime; Gauge and Chart return their widget id. */
  apply(op: UiOp, args: VmPrimitive[]): VmPrimitive | void {
    switch (op) {
      case UiOp.SetText:
        this.textElement().textContent = String(args[0] ?? "");
        return;
      case UiOp.Toggle: {
        const [label, slot, on] = args;
        const element = toggleSwitch(String(label ?? this.title), (state) => this.onInput(slot as number, state), on === true);
        // A widget id, so the feature's handle can `set` it (a control that follows the device).
        return this.addWidget({ element, set: (value: VmPrimitive) => setToggleState(element, value === true), stateful: on !== undefined });
      }
      case UiOp.Button: {
        const [label, slot] = args;
        this.body.append(pushButton(String(label ?? this.title), () => this.onInput(slot as number, null)));
        return;
      }
      case UiOp.Slider: {
        const [min, max, step, slot] = args.map(Number);
        const value = args[4];
        const element = slider({ min, max, step }, this.title, (v) => this.onInput(slot, v), typeof value === "number" ? value : min);
        return this.addWidget({ element, set: (v: VmPrimitive) => setSliderValue(element, Number(v)), stateful: value !== undefined });
      }
      case UiOp.Gauge: {
        const [min, max, unit] = args;
        return this.addWidget(new Gauge({ min: Number(min), max: Number(max), unit: String(unit ?? "") }, this.title));
      }
      case UiOp.Chart: {
        const [unit, windowSeconds] = args;
        return this.addWidget(new Chart({ unit: String(unit ?? ""), windowSeconds: Number(windowSeconds) || 60 }, this.title));
      }
      case UiOp.SetValue: {
        const [id, value] = args;
        const widget = this.widgets[(id as number) - this.index * WIDGETS_PER_CONTROL];
        if (!widget) throw new Error(`control "${this.title}": no widget with id ${String(id)}`);
        const number = Number(value);
        if (widget instanceof Gauge) widget.set(number);
        else if (widget instanceof Chart) widget.append(number, this.messageTime());
        else widget.set(value);
        return;
      }
      default:
        throw new Error(`control "${this.title}": unknown UI op ${String(op)}; the web snapshot is newer than this dashboard`);
    }
  }

  /** The longest chart window of this control in seconds (0 without a chart): how much stored
   * history is worth loading. */
  get chartWindowSeconds(): number {
    return Math.max(0, ...this.widgets.map((w) => (w instanceof Chart ? w.windowSeconds : 0)));
  }

  /** A feature callback failed: show it in the control instead of failing silently. */
  showError(message: string): void {
    if (!this.error) {
      this.error = html("p", { class: "control-error", role: "alert" });
      this.element.append(this.error);
    }
    this.error.textContent = message;
  }

  clearError(): void {
    this.error?.remove();
    this.error = undefined;
  }

  /** Inputs work only while the device is online, except those showing state (a slider or toggle
   * built with `value`/`on`, e.g. a setting's): what they set waits in the cloud for the device. */
  setEnabled(enabled: boolean): void {
    const keep = new Set(this.widgets.filter((w): w is StateInput => !(w instanceof Gauge) && !(w instanceof Chart) && w.stateful).map((w) => w.element));
    this.body.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input").forEach((input) => {
      const stateful = [...keep].some((element) => element === input || element.contains(input));
      input.disabled = !enabled && !stateful;
    });
  }

  private textElement(): HTMLElement {
    if (!this.text) {
      this.text = html("p", { class: "control-text", "aria-live": "polite", "aria-label": `${this.title} value` });
      this.body.prepend(this.text);
    }
    return this.text;
  }

  private addWidget(widget: Gauge | Chart | StateInput): number {
    this.widgets.push(widget);
    this.body.append(widget.element);
    return this.index * WIDGETS_PER_CONTROL + this.widgets.length - 1;
  }
}

/** A slider or toggle the feature can move (`handle.set(v)`). */
interface StateInput {
  element: HTMLElement;
  set(value: VmPrimitive): void;
  /** Built with a state to show (`value` / `on`): stays usable while the device is offline. */
  stateful: boolean;
}
