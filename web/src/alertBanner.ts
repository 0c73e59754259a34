/** Alerts from server code (api.server.notify) as a banner above the fleet: they arrive on
 * `sf/{app}/{thing}/_alert/up` (core/contracts/topics.ts), which the page's `sf/{app}/+/+/up`
 * subscription already covers. The newest few stay listed until dismissed. */
import { decodeEnvelope } from "../../core/contracts/envelope";
import { FLEET_THING, parseAppTopic } from "../../core/contracts/topics";
import { html } from "./widgets/svg";

/** Alerts listed at once; older ones go (the cloud's log and SNS keep them all). */
const MAX_SHOWN = 5;

export class AlertBanner {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly seen = new Set<string>();

  constructor(private readonly app: string) {
    this.element = html("section", { class: "alerts", "aria-label": "Alerts", hidden: "" });
    this.list = html("ul", { class: "alert-list" });
    const dismiss = html("button", { class: "alert-dismiss", type: "button" }, "Dismiss");
    dismiss.addEventListener("click", () => {
      this.list.replaceChildren();
      this.element.hidden = true;
    });
    this.element.append(this.list, dismiss);
  }

  /** True when the message was an alert of this app (shown, or a repeat dropped). */
  receive(topic: string, payload: Uint8Array): boolean {
    const parsed = parseAppTopic(topic);
    if (!parsed || parsed.kind !== "alert" || parsed.app !== this.app) return false;
    try {
      const envelope = decodeEnvelope(payload);
      if (this.seen.has(envelope.id)) return true;
      this.seen.add(envelope.id);
      if (this.seen.size > 1000) this.seen.delete(this.seen.values().next().value as string);
      const value = envelope.v as { text?: unknown };
      const text = typeof value?.text === "string" ? value.text : JSON.stringify(envelope.v);
      const from = parsed.thing === FLEET_THING ? "fleet" : parsed.thing;
      const time = new Date(envelope.t).toLocaleTimeString();
      const item = html("li", { class: "alert", role: "alert" });
      item.append(html("strong", {}, from), ` ${text} `, html("time", { datetime: new Date(envelope.t).toISOString() }, time));
      this.list.prepend(item);
      while (this.list.children.length > MAX_SHOWN) this.list.lastElementChild!.remove();
      this.element.hidden = false;
    } catch (error) {
      console.warn(`ignored an alert on ${topic}: ${(error as Error).message}`);
    }
    return true;
  }
}
