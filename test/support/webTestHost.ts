import type { FeatureHost } from "../../core/runtime/featureVm";
import type { VmPrimitive } from "../../core/engine/types";
import type { WireValue } from "../../core/contracts/wireValue";
import { UiOp } from "../../core/runtime/uiOps";

/** A dashboard host for tests: records what controls show and what they send. */
export class WebTestHost implements FeatureHost {
  readonly texts = new Map<number, string>();
  readonly toggles: { control: number; label: string; slot: number }[] = [];
  readonly sent: { channelIndex: number; value: WireValue }[] = [];
  readonly logs: string[] = [];

  log(text: string): void {
    this.logs.push(text);
  }

  sendToDevice(channelIndex: number, value: WireValue): void {
    this.sent.push({ channelIndex, value });
  }

  readonly widgets: { control: number; kind: "gauge" | "chart"; options: VmPrimitive[]; values: VmPrimitive[] }[] = [];
  readonly inputs: { control: number; kind: "button" | "slider"; args: VmPrimitive[] }[] = [];

  ui(control: number, op: UiOp, args: VmPrimitive[]): VmPrimitive | void {
    switch (op) {
      case UiOp.SetText:
        this.texts.set(control, String(args[0]));
        return;
      case UiOp.Toggle:
        this.toggles.push({ control, label: String(args[0]), slot: args[1] as number });
        return;
      case UiOp.Gauge:
      case UiOp.Chart:
        this.widgets.push({ control, kind: op === UiOp.Gauge ? "gauge" : "chart", options: args, values: [] });
        return this.widgets.length - 1;
      case UiOp.Button:
        this.inputs.push({ control, kind: "button", args });
        return;
      case UiOp.Slider:
        this.inputs.push({ control, kind: "slider", args });
        return;
      case UiOp.SetValue:
        this.widgets[args[0] as number].values.push(args[1]);
        return;
      default:
        throw new Error(`unknown ui op ${op}`);
    }
  }
}
