/** How run-time errors name the feature callback that failed: its kind, what it belongs to
 * (channel, UI control) and, when the build recorded it (manifest callbackSites), the file:line
 * where the feature wrote it, e.g. `timer (setInterval at features/sensor.ts:12:23)`. Callbacks
 * registered at run time are named by the callback that registered them: `listener for channel
 * "temperature" (added by UI control "Temperature" render at features/display.ts:9:22)`. */
import type { CallbackSites, ControlDecl, Manifest, SourcePosition, Target } from "../contracts/manifest";
import { UiOp } from "./uiOps";

/** What a host knows of its app for naming callbacks: the manifest, or the part of it needed. */
export type CallbackNamesSource = Pick<Manifest, "channels" | "controls" | "callbackSites">;

/** A callback as errors name it. `origin` is the build-time callback it descends from (itself
 * for those), so a chain of run-time registrations never grows the name. */
export interface NamedCallback {
  text: string;
  origin: string;
}

/** Run-time registrations remembered per channel and widgets remembered in all; beyond, new
 * ones are named without their origin (a feature adding listeners forever must not grow us). */
const MAX_REMEMBERED = 256;

export class CallbackNames {
  private readonly sites: CallbackSites | undefined;
  private readonly runTimeTimers = new Map<number, NamedCallback>();
  /** setInterval or setTimeout, by slot, of the timers App set (learnt as they start). */
  private readonly bootTimers = new Map<number, string>();
  private readonly runTimeListeners: NamedCallback[][] = [];
  private readonly widgets = new Map<number, NamedCallback>();

  constructor(target: Target, private readonly app?: CallbackNamesSource) {
    this.sites = app?.callbackSites?.[target];
  }

  timer(slot: number): NamedCallback {
    const runTime = this.runTimeTimers.get(slot);
    if (runTime) return runTime;
    const site = this.sites?.timers[slot];
    if (site) return { text: `timer (${site.api}${at(site.at)})`, origin: `${site.api} timer${at(site.at)}` };
    const api = this.bootTimers.get(slot);
    return api ? { text: `timer #${slot} (${api})`, origin: `${api} timer #${slot}` } : own(`timer #${slot}`);
  }

  /** `channel "cmd"`, or `channel "#3"` for one the manifest doesn't name. */
  channel(channel: number): string {
    return `channel ${quote(this.app?.channels[channel]?.name ?? `#${channel}`)}`;
  }

  /** `position` in the channel's listener list. */
  listener(channel: number, position: number): NamedCallback {
    const of = this.channel(channel);
    const built = this.sites?.listeners[channel];
    if (!built) return own(`listener #${position} for ${of}`);
    if (position < built.length) return written(`listener for ${of}`, built[position]);
    // Past the known listeners only when the message failed before reaching one (e.g. its value).
    return this.runTimeListeners[channel]?.[position - built.length] ?? own(`message delivery on ${of}`);
  }

  /** Timers App set, when the build recorded them (they start first, in slots 0, 1, ...). */
  get bootTimerCount(): number | undefined {
    return this.sites?.timers.length;
  }

  /** `position` among the onStart callbacks; undefined for the start-up work before them. */
  onStart(position: number | undefined): NamedCallback {
    if (position === undefined) return own("app start (opening channels, starting timers)");
    const sites = this.sites?.onStart;
    return sites ? written("onStart callback", sites[position]) : own(`onStart callback #${position}`);
  }

  render(control: number): NamedCallback {
    return written(`${this.control(control)} render`, this.sites?.controls[control]);
  }

  widget(slot: number): NamedCallback {
    return this.widgets.get(slot) ?? own(`widget callback #${slot}`);
  }

  notification(kind: number): NamedCallback {
    return own(`supervisor notification ${kind}`);
  }

  /** A timer App set starts with the app. */
  bootTimer(slot: number, repeat: boolean): void {
    this.bootTimers.set(slot, repeat ? "setInterval" : "setTimeout");
  }

  // --- registrations at run time; `by` is the callback running when they happened -------------

  timerSet(slot: number, repeat: boolean, by: NamedCallback | undefined): void {
    this.bootTimers.delete(slot);
    this.runTimeTimers.set(slot, addedBy("timer", repeat ? "setInterval" : "setTimeout", by));
  }

  listenerAdded(channel: number, by: NamedCallback | undefined): void {
    const list = (this.runTimeListeners[channel] ??= []);
    // Their positions follow the build's listeners; without those the host can't place them.
    if (list.length >= MAX_REMEMBERED || !this.sites) return;
    list.push(addedBy(`listener for channel ${quote(this.app?.channels[channel]?.name ?? `#${channel}`)}`, "", by));
  }

  widgetAdded(slot: number, control: number, op: UiOp, label: unknown, by: NamedCallback | undefined): void {
    if (this.widgets.size >= MAX_REMEMBERED && !this.widgets.has(slot)) return;
    const kind = op === UiOp.Toggle ? "toggle" : op === UiOp.Button ? "button" : "slider";
    const name = typeof label === "string" ? `${kind} ${quote(label)}` : kind;
    this.widgets.set(slot, addedBy(`${name} of ${this.control(control)}`, "", by));
  }

  private control(index: number): string {
    const decl: ControlDecl | undefined = this.app?.controls[index];
    return decl ? `UI control ${quote(decl.title)}` : `UI control #${index}`;
  }
}

function own(text: string): NamedCallback {
  return { text, origin: text };
}

/** `timer (setTimeout, added by <origin>)`: a run-time registration is named by the build-time
 * callback it descends from, never by a chain. */
function addedBy(base: string, detail: string, by: NamedCallback | undefined): NamedCallback {
  const inside = [detail, by ? `added by ${by.origin}` : ""].filter(Boolean).join(", ");
  const text = inside ? `${base} (${inside})` : base;
  return { text, origin: by?.origin ?? text };
}

/** `onStart callback (at features/a.ts:4:19)`; as an origin `onStart callback at ...`. */
function written(base: string, position: SourcePosition | null | undefined): NamedCallback {
  return position ? { text: `${base} (at ${position})`, origin: `${base} at ${position}` } : own(base);
}

function at(position: SourcePosition | null | undefined): string {
  return position ? ` at ${position}` : "";
}

function quote(s: string): string {
  return JSON.stringify(s);
}
