/** File:line for the callback names of a device that doesn't read the build's callbackSites.
 *
 * The device programs in C (`--runtime native|qemu`) name a failed callback by kind and number,
 * as a device updated over the air does (`timer #0 (setInterval)`, `onStart callback #1`): the
 * OTA package leaves the sites out, and the C runtime has no reader for them (the Cortex-M0+
 * image has no room for one). A host that knows which build the device runs (run-device: the
 * build folder it was given) names the file:line for it, as a debugger reads symbols on the
 * host. The sited texts come from CallbackNames, the TypeScript device's own naming, so the
 * lines equal the TypeScript device's. A name this can't place (a listener added at run time, a
 * slot the build didn't record) stays as the device said it. */
import type { CallbackNamesSource } from "./callbackNames";
import { CallbackNames, type NamedCallback } from "./callbackNames";
import type { Target } from "../contracts/manifest";

/** `<prefix>error: <callback> failed: <why>`, the supervisors' error line (TypeScript and C), and
 * the C device's last line when that failure ended the run (`the app failed at start (1 app
 * error): <callback> failed: <why>`, ports/posix/runDeviceMode.c). */
const ERROR_LINE = /^(.*?\berror: |the app (?:failed at start|stopped) \(\d+ app errors?\): )(.+?)( failed: [^]*)$/;
const BOOT_TIMER = /^timer #(\d+) \((setInterval|setTimeout)\)$/;
const ADDED_TIMER = /^timer \((setInterval|setTimeout), added by (.+)\)$/;
const BOOT_TIMER_ORIGIN = /^(setInterval|setTimeout) timer #(\d+)$/;
const ON_START = /^onStart callback #(\d+)$/;
const LISTENER = /^listener #(\d+) for channel ("(?:[^"\\]|\\.)*")$/;

/** `line` with the failed callback named as the TypeScript device names it with the build's
 * sites; unchanged when it is no error line or the build recorded no sites. */
export function withCallbackSites(line: string, app: CallbackNamesSource, target: Target = "device"): string {
  if (!app.callbackSites?.[target]) return line;
  const error = ERROR_LINE.exec(line);
  if (!error) return line;
  const named = new SiteNamer(app, target).callback(error[2]);
  return named === undefined ? line : error[1] + named + error[3];
}

class SiteNamer {
  private readonly names: CallbackNames;
  private readonly sites;

  constructor(
    private readonly app: CallbackNamesSource,
    target: Target,
  ) {
    this.names = new CallbackNames(target, app);
    this.sites = app.callbackSites![target]!;
  }

  /** The callback's sited text, or undefined when it can't be placed. */
  callback(name: string): string | undefined {
    const added = ADDED_TIMER.exec(name);
    if (added) {
      const origin = this.placed(added[2]);
      return origin && `timer (${added[1]}, added by ${origin.origin})`;
    }
    return this.placed(name)?.text;
  }

  /** A callback the build recorded, from its numbered name; as CallbackNames decides with the
   * sites (a site without a position gives the name without file:line, as there). */
  private placed(name: string): NamedCallback | undefined {
    let m = BOOT_TIMER.exec(name) ?? swap(BOOT_TIMER_ORIGIN.exec(name));
    if (m) {
      const slot = Number(m[1]);
      const site = this.sites.timers[slot];
      return site && site.api === m[2] ? this.names.timer(slot) : undefined;
    }
    if ((m = ON_START.exec(name))) {
      return this.names.onStart(Number(m[1]));
    }
    if ((m = LISTENER.exec(name))) {
      const position = Number(m[1]);
      const channel = this.channelIndex(JSON.parse(m[2]) as string);
      // Past the build's listeners: added at run time, which the device can't tell us by whom.
      return channel !== undefined && position < (this.sites.listeners[channel]?.length ?? 0) ? this.names.listener(channel, position) : undefined;
    }
    return undefined;
  }

  /** The manifest's index of a channel as the device quotes it: its name, or `#3` for one the
   * device's manifest doesn't name. */
  private channelIndex(quoted: string): number | undefined {
    const byNumber = /^#(\d+)$/.exec(quoted);
    if (byNumber) return Number(byNumber[1]);
    const index = this.app.channels.findIndex((c) => c.name === quoted);
    return index < 0 ? undefined : index;
  }
}

/** `setInterval timer #0` matched as [whole, slot, api], the order BOOT_TIMER gives. */
function swap(m: RegExpExecArray | null): string[] | null {
  return m && [m[0], m[2], m[1]];
}

/** What a C device says at each app start (ports/posix/net/networkDevice.c, link/linkDevice.c):
 * the version, in full or its first 12 digits. */
const STARTING_VERSION = /\[ota\] starting version ([0-9a-f]{12,64})\b/;

/** Names file:line in a C device's log lines as they come, for a host that kept the builds'
 * sites (snapfleet dev, like debug symbols): each app start says its version, so the lines after
 * it are that version's. Before the first such line, or for a version the host didn't build,
 * lines stay as the device said them: a wrong version's file:line would point at other code. */
export class DeviceLineNamer {
  private app: CallbackNamesSource | undefined;

  constructor(private readonly builtApp: (version: string) => CallbackNamesSource | undefined) {}

  line(line: string): string {
    const start = STARTING_VERSION.exec(line);
    if (start) {
      this.app = this.builtApp(start[1]);
      return line;
    }
    return this.app ? withCallbackSites(line, this.app) : line;
  }
}
