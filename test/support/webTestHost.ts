import type { FeatureHost } from "../../core/runtime/featureVm";
import type { VmPrimitive } from "../../core/engine/types";
import type { WireValue } from "../../core/wireValue";
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

  ui(control: number, op: number, a: VmPrimitive, b: VmPrimitive): void {
    if (op === UiOp.SetText) this.texts.set(control, String(a));
    else if (op === UiOp.Toggle) this.toggles.push({ control, label: String(a), slot: b as number });
    else throw new Error(`unknown ui op ${op}`);
  }
}
