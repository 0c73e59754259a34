/** A device's settings (`api.defineSetting`): the values it applied, persisted in its own storage
 * (a file in the device's state dir, outside the OTA slots, so they survive reboots and updates),
 * and kept in step with the app's named settings shadow through AWS's Device Shadow MQTT API
 * (core/shadow/shadowTopics.ts), against AWS IoT and the local cloud alike:
 *
 * - at every connect: `get`; its answer's desired values are applied (core/settings/
 *   deviceSettingsSync.ts decides which), and the device reports what it has. No shadow yet
 *   (404): it reports every value, which creates it.
 * - `update/delta` while online: the same for the values that differ.
 * - `setting.set(v)` in device code: applied and persisted at once, reported (clearing that
 *   desired key) when the link allows; until then it is remembered as a local change, which wins
 *   over the desired value the next `get` may still hold.
 *
 * A refused desired value (unknown setting, wrong type, out of range) is cleared from `desired`
 * and reported on the device's log topic; the applied value stays. */
import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "../../core/contracts/manifest";
import { fullReport, reconcileDesired, startingValues, type DesiredOutcome, type SettingValues } from "../../core/settings/deviceSettingsSync";
import { assertSettingValue, settingsShadowName, type SettingDecl, type SettingValue } from "../../core/settings/settingDecl";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import type { Clock } from "../clock";
import type { Transport } from "../transport";

/** Where a device keeps its settings; the default keeps them in memory (`run-device`, tests). */
export interface SettingsStorage {
  load(): PersistedSettings | undefined;
  save(settings: PersistedSettings): void;
}

export interface PersistedSettings {
  values: Record<string, SettingValue>;
  /** Settings set by device code that the shadow has not heard of yet. */
  localChanges: string[];
}

/** A get not answered within this is asked again, doubling up to the maximum. */
const GET_RETRY_FIRST_MS = 1000;
const GET_RETRY_MAX_MS = 30_000;

export class MemorySettingsStorage implements SettingsStorage {
  private saved: PersistedSettings | undefined;
  load(): PersistedSettings | undefined {
    return this.saved && structuredClone(this.saved);
  }
  save(settings: PersistedSettings): void {
    this.saved = structuredClone(settings);
  }
}

/** A JSON file, replaced atomically (write, then rename), so a crash leaves the old or the new one. */
export class FileSettingsStorage implements SettingsStorage {
  constructor(readonly file: string) {}

  load(): PersistedSettings | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as Partial<PersistedSettings>;
      return { values: parsed.values ?? {}, localChanges: parsed.localChanges ?? [] };
    } catch {
      return undefined; // unreadable: start from the defaults; the shadow's desired values follow at connect
    }
  }

  save(settings: PersistedSettings): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(settings));
    fs.renameSync(temp, this.file);
  }
}

export interface DeviceSettingsOptions {
  thing: string;
  manifest: Manifest;
  transport: Transport;
  /** The device's clock: the get retries run on its timers, so a scripted device (firmware/
   * scriptedDevice.ts) repeats them exactly as the test drives time. */
  clock: Clock;
  storage: SettingsStorage;
  /** The app's VM hears of a value the shadow brought (its "change" listeners run). */
  applied(index: number, value: SettingValue): void;
  /** Supervisor reports (the device's log topic). */
  report(line: string): void;
}

export class DeviceSettings {
  readonly values: SettingValues;
  private readonly settings: readonly SettingDecl[];
  private readonly localChanges: Set<string>;
  private readonly shadow: string;
  private detach: (() => void)[] = [];
  private lastVersion = 0;
  private cancelGetRetry: (() => void) | undefined;
  private getAttempts = 0;
  private tokens = 0;

  constructor(private readonly options: DeviceSettingsOptions) {
    this.settings = options.manifest.settings ?? [];
    this.shadow = settingsShadowName(options.manifest.app);
    const persisted = options.storage.load();
    const start = startingValues(this.settings, persisted?.values ?? {});
    this.values = start.values;
    // Values of settings the app no longer has are kept: an update that brings one back finds it.
    for (const [name, value] of Object.entries(persisted?.values ?? {})) if (!(name in this.values)) this.values[name] = value;
    for (const { name, reason } of start.dropped) options.report(`setting "${name}": the saved value is not valid for this app version (${reason}); using the default ${JSON.stringify(this.valueOf(name))}`);
    this.localChanges = new Set((persisted?.localChanges ?? []).filter((name) => this.settings.some((s) => s.name === name)));
  }

  /** Subscribes to the shadow's answers; asks for the shadow now (if online) and at every reconnect. */
  start(): void {
    const { thing, transport } = this.options;
    // Answers are subscribed at QoS 0. A QoS 1 delivery makes the device write a PUBACK just
    // before its report, and Nagle then holds the report until the broker's delayed ACK (40 ms
    // here: bench/settings.bench.ts measured p50 47.6 → 2.8 ms). Nothing is lost for it: an
    // answer can only miss the device across an outage, and every reconnect asks again (get).
    const on = (op: "get" | "update", response: "accepted" | "rejected" | "delta", handle: (body: Record<string, unknown>) => void) =>
      this.detach.push(
        transport.subscribe(shadowTopics.response(thing, this.shadow, op, response), 0, (_topic, payload) => {
          let body: unknown;
          try {
            body = JSON.parse(payload);
          } catch {
            return this.options.report(`settings shadow: a ${op}/${response} message is not JSON; ignored`);
          }
          if (typeof body === "object" && body !== null) handle(body as Record<string, unknown>);
        }),
      );
    on("update", "delta", (body) => this.onDelta(body));
    on("get", "accepted", (body) => {
      this.answered();
      this.onDocument(body);
    });
    on("get", "rejected", (body) => {
      this.answered();
      this.onGetRejected(body);
    });
    on("update", "rejected", (body) => this.options.report(`settings shadow refused the device's report: ${body.code} ${body.message}`));
    this.detach.push(transport.onConnectionChange((up) => (up ? this.requestShadow() : this.answered())));
    if (transport.connected) this.requestShadow();
  }

  stop(): void {
    this.answered();
    for (const remove of this.detach.splice(0)) remove();
  }

  /** Index order = manifest order; the values the app starts with. */
  startingValues(): SettingValue[] {
    return this.settings.map((s) => this.values[s.name]);
  }

  /** `setting.set(value)` in device code: validated, applied, persisted, reported. */
  set(index: number, value: SettingValue): void {
    const decl = this.settings[index];
    if (!decl) throw new Error(`the app set setting #${index}, which its manifest does not declare`);
    assertSettingValue(decl, value);
    this.values[decl.name] = value;
    this.localChanges.add(decl.name);
    this.save();
    this.sendReport({ reported: { [decl.name]: value }, desired: { [decl.name]: null } }, [decl.name]);
  }

  // --- the shadow ----------------------------------------------------------------------------

  private requestShadow(): void {
    // Versions are compared within a connection's answers only: a shadow service that lost its
    // store (a fresh local state dir) counts from 1 again, and the full document answers that.
    this.lastVersion = 0;
    this.publish("get", { clientToken: this.token() }).catch(() => {}); // reported; the next connect asks again
    // The answer subscriptions go out without waiting for their SUBACK, and a broker routes an
    // answer only to subscriptions already in place (an on-disk session store makes that window
    // real locally; on AWS it is the network's): ask again until an answer comes, backing off.
    this.cancelGetRetry?.();
    const delay = Math.min(GET_RETRY_FIRST_MS * 2 ** this.getAttempts, GET_RETRY_MAX_MS);
    this.getAttempts++;
    this.cancelGetRetry = this.options.clock.setTimer(delay, () => {
      this.cancelGetRetry = undefined;
      if (this.options.transport.connected) this.requestShadow();
    });
  }

  /** A get was answered (or the link fell, and the next connect asks again): no retry. */
  private answered(): void {
    this.cancelGetRetry?.();
    this.cancelGetRetry = undefined;
    this.getAttempts = 0;
  }

  private onDocument(body: Record<string, unknown>): void {
    if (!this.newer(body.version)) return;
    const state = (body.state ?? {}) as { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
    this.handle(reconcileDesired(this.settings, this.values, state.desired, state.reported ?? {}, this.localChanges));
  }

  private onDelta(body: Record<string, unknown>): void {
    if (!this.newer(body.version)) return;
    this.handle(reconcileDesired(this.settings, this.values, body.state as Record<string, unknown> | undefined, undefined, this.localChanges));
  }

  private onGetRejected(body: Record<string, unknown>): void {
    if (body.code === 404) this.sendReport({ ...fullReport(this.values), ...(this.localChanges.size ? { desired: Object.fromEntries([...this.localChanges].map((n) => [n, null])) } : {}) }, [...this.localChanges]);
    else this.options.report(`settings shadow: get refused: ${body.code} ${body.message}`);
  }

  /** Versions only grow; an answer older than one already handled is stale (MQTT may reorder). */
  private newer(version: unknown): boolean {
    if (typeof version !== "number") return true;
    if (version < this.lastVersion) return false;
    this.lastVersion = version;
    return true;
  }

  private handle(outcome: DesiredOutcome): void {
    for (const { name, reason } of outcome.refused) this.options.report(`settings: refused the desired value of ${reason.startsWith("unknown setting") ? "" : `setting "${name}": `}${reason}; keeping ${JSON.stringify(this.values[name] ?? null)}`);
    const changed = Object.entries(outcome.apply);
    if (changed.length > 0) {
      for (const [name, value] of changed) this.values[name] = value;
      this.save();
      for (const [name, value] of changed) this.options.applied(this.settings.findIndex((s) => s.name === name), value);
    }
    if (outcome.report) this.sendReport(outcome.report, [...this.localChanges]);
  }

  /** `settled`: local changes this report tells the shadow about, forgotten once it is sent. */
  private sendReport(state: NonNullable<DesiredOutcome["report"]>, settled: string[]): void {
    if (!this.options.transport.connected) return; // the next connect's get reconciles
    this.publish("update", { state, clientToken: this.token() }).then(
      () => {
        let forgot = false;
        for (const name of settled) if (this.values[name] === state.reported?.[name]) forgot = this.localChanges.delete(name) || forgot;
        if (forgot) this.save();
      },
      () => {}, // stays a local change: reported at the next connect
    );
  }

  private publish(op: "get" | "update", body: object): Promise<void> {
    return this.options.transport.publish(shadowTopics.request(this.options.thing, this.shadow, op), JSON.stringify(body), 1).catch((error: Error) => {
      this.options.report(`settings shadow: ${op} not sent: ${error.message}`);
      throw error;
    });
  }

  private save(): void {
    try {
      this.options.storage.save({ values: { ...this.values }, localChanges: [...this.localChanges] });
    } catch (error) {
      this.options.report(`settings: could not save the applied values: ${(error as Error).message}`);
    }
  }

  private token(): string {
    return `${this.options.thing.slice(0, 40)}-${++this.tokens}`;
  }

  private valueOf(name: string): SettingValue | undefined {
    return this.values[name];
  }
}
