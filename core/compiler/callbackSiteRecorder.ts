import type { CallbackSites } from "../contracts/manifest";
import { CallbackSiteKind } from "../runtime/hostIds";
import { formatLocation, type SourceLocation } from "./errors";

/** Records, while App runs at build time, where the feature registered each callback (the
 * runtime's callbackSite(kind, a, b) calls and UI control declarations), in the order and by the
 * indexes the runtime uses at run time: timers by slot, listeners by channel, onStart in order,
 * render functions by control index. The location is the innermost feature frame, i.e. the
 * feature's `api.mcu.setInterval(...)` (or addEventListener, onStart, registerUiControl) call. */
export class CallbackSiteRecorder {
  readonly sites: CallbackSites = { timers: [], listeners: [], onStart: [], controls: [] };

  callbackSite(kind: unknown, a: unknown, b: unknown, at: SourceLocation | undefined): void {
    const location = at ? formatLocation(at) : null;
    switch (kind) {
      case CallbackSiteKind.Timer:
        this.sites.timers[a as number] = { api: b ? "setInterval" : "setTimeout", at: location };
        return;
      case CallbackSiteKind.Listener:
        (this.sites.listeners[a as number] ??= []).push(location);
        return;
      case CallbackSiteKind.OnStart:
        this.sites.onStart.push(location);
        return;
      default:
        throw new Error(`internal: unknown callback site kind ${kind}`);
    }
  }

  control(at: SourceLocation | undefined): void {
    this.sites.controls.push(at ? formatLocation(at) : null);
  }

  /** The table, with an entry (maybe empty) for every declared channel. */
  finish(channelCount: number): CallbackSites {
    for (let i = 0; i < channelCount; i++) this.sites.listeners[i] ??= [];
    return this.sites;
  }
}
