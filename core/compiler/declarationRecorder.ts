import { checkName } from "../contracts/names";
import type { ChannelDecl, Declarations } from "../contracts/manifest";
import { checkSettingDeclaration, MAX_SETTINGS } from "../settings/settingDecl";
import { DEFAULT_BOARD, PIN_LABEL, pinUseProblem, type BoardDefinition } from "../boards";
import { unknownFieldsProblem } from "../contracts/unknownFields";

const DIRECTIONS: ChannelDecl["direction"][] = ["both", "device-to-server", "server-to-device"];
export const MAX_REPLAY = 100;
/** Longest history a channel may keep (the local database and DynamoDB's TTL both take more; a
 * year of 1 Hz readings is already 31 million rows per device). */
export const MAX_HISTORY_DAYS = 365;

/** Kinds passed by the runtime's declare(kind, ...) host call (core/runtime/vm/runtime.mvm.js). */
export enum DeclareKind {
  Channel = 1,
  Secret = 2,
  AnalogPin = 3,
  DigitalPin = 4,
  Control = 5,
  /** api.server.onDevice ("device") or onFleet ("fleet"). */
  ServerHandler = 20,
  Setting = 6,
}

/** Records what App(api) declares during one build run and rejects bad declarations with a
 * message that says what to do. Throws plain Errors; the caller adds the source location. */
export class DeclarationRecorder {
  readonly declarations: Declarations = { channels: [], secrets: [], controls: [], pins: [] };

  /** Pins are checked against the board the app is built for. */
  constructor(private readonly board: BoardDefinition = DEFAULT_BOARD) {}

  declare(kind: number, name: unknown, a: unknown, b: unknown, c: unknown, d?: unknown, e?: unknown): void {
    switch (kind) {
      case DeclareKind.Channel:
        checkOptionNames(`api.newCommsChannel("${name}")`, e, ["qos", "direction", "replay", "history"]);
        return this.channel(name, a, b, c, d);
      case DeclareKind.ServerHandler:
        return this.serverHandler(name);
      case DeclareKind.Secret:
        checkOptionNames(`api.defineSecret("${name}")`, b, ["optional"]);
        return this.secret(name, a === 1);
      case DeclareKind.AnalogPin:
        return this.pin(name, "analog");
      case DeclareKind.DigitalPin:
        return this.pin(name, "digital");
      case DeclareKind.Control:
        return this.control(name);
      case DeclareKind.Setting:
        checkOptionNames(`api.defineSetting("${name}")`, d, ["default", "min", "max"]);
        return this.setting(name, a, b, c);
      default:
        throw new Error(`internal: unknown declaration kind ${kind}`);
    }
  }

  /** Options arrive raw from the VM: undefined means "use the default". */
  private channel(name: unknown, qos: unknown = 1, direction: unknown = "both", replay: unknown = 0, historyDays?: unknown): void {
    const problem = checkName("channel", name);
    if (problem) throw new Error(`api.newCommsChannel: ${problem}`);
    if (this.declarations.channels.some((c) => c.name === name)) {
      throw new Error(`api.newCommsChannel: channel "${name}" is declared twice; channel names must be unique across all features of the app (create it once and pass it to the features that share it)`);
    }
    if (qos !== 0 && qos !== 1) throw new Error(`api.newCommsChannel("${name}"): qos must be 0 or 1, got ${JSON.stringify(qos)}`);
    if (!DIRECTIONS.includes(direction as ChannelDecl["direction"])) {
      throw new Error(`api.newCommsChannel("${name}"): direction must be one of ${DIRECTIONS.map((d) => `"${d}"`).join(", ")}, got ${JSON.stringify(direction)}`);
    }
    if (typeof replay !== "number" || !Number.isInteger(replay) || replay < 0 || replay > MAX_REPLAY) {
      throw new Error(`api.newCommsChannel("${name}"): replay must be a whole number from 0 to ${MAX_REPLAY}, got ${JSON.stringify(replay)}`);
    }
    const history = historyOption(name as string, historyDays, direction as ChannelDecl["direction"]);
    this.declarations.channels.push({ name: name as string, qos, direction: direction as ChannelDecl["direction"], replay, ...(history ? { history } : {}) });
  }

  private serverHandler(kind: unknown): void {
    const server = (this.declarations.server ??= { onDevice: 0, onFleet: 0 });
    if (kind === "device") server.onDevice++;
    else server.onFleet++;
  }

  private secret(name: unknown, optional: boolean): void {
    const problem = checkName("secret", name);
    if (problem) throw new Error(`api.defineSecret: ${problem}`);
    if (this.declarations.secrets.some((s) => s.name === name)) {
      throw new Error(`api.defineSecret: secret "${name}" is defined twice; define it once and share the returned object`);
    }
    this.declarations.secrets.push({ name: name as string, optional });
  }

  private pin(name: unknown, kind: "analog" | "digital"): void {
    const call = `api.mcu.get${kind === "analog" ? "Analog" : "Digital"}Pin`;
    if (typeof name !== "string" || !PIN_LABEL.test(name)) {
      throw new Error(`${call}: pin name ${JSON.stringify(name)} is invalid; use the board's pin label, e.g. "A2" or "D5"`);
    }
    const problem = pinUseProblem(this.board, name, kind);
    if (problem) throw new Error(`${call}("${name}"): ${problem}. Use one of those, or build for the board you have: --board NAME|FILE.json (README "Boards")`);
    const existing = this.declarations.pins.find((p) => p.name === name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`pin "${name}" is used as both ${existing.kind} and ${kind}; a pin has one mode`);
      return; // several features may read the same pin
    }
    this.declarations.pins.push({ name, kind });
  }

  /** Settings go into the manifest only when there is one, so apps without settings build the
   * same manifest as before. */
  private setting(name: unknown, defaultValue: unknown, min: unknown, max: unknown): void {
    const decl = checkSettingDeclaration(name, defaultValue, min, max);
    const settings = (this.declarations.settings ??= []);
    if (settings.some((s) => s.name === decl.name)) {
      throw new Error(`api.defineSetting: setting "${decl.name}" is defined twice; define it once and share the returned object`);
    }
    if (settings.length >= MAX_SETTINGS) throw new Error(`api.defineSetting("${decl.name}"): an app may define at most ${MAX_SETTINGS} settings (they share one 8 KB device shadow)`);
    settings.push(decl);
  }

  private control(title: unknown): void {
    if (typeof title !== "string" || title.trim() === "") throw new Error(`api.registerUiControl: the title must be a non-empty string`);
    this.declarations.controls.push({ index: this.declarations.controls.length, title });
  }
}

/** Options arrive from the VM as their names, comma-separated (absent from a VM built before). */
function checkOptionNames(call: string, names: unknown, known: readonly string[]): void {
  if (typeof names !== "string" || names === "") return;
  const problem = unknownFieldsProblem(names.split(","), known, `${call}:`, known.length === 1 ? "its only option is" : "the options are", "option");
  if (problem) throw new Error(problem);
}

/** `history: { days }` of a channel (undefined: none); days arrive from the VM as a number, NaN
 * when the option was not an object. */
function historyOption(channel: string, days: unknown, direction: ChannelDecl["direction"]): ChannelDecl["history"] {
  if (days === undefined) return undefined;
  const where = `api.newCommsChannel("${channel}")`;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_HISTORY_DAYS) {
    throw new Error(`${where}: history must be { days: N } with N a whole number of days from 1 to ${MAX_HISTORY_DAYS}, got ${Number.isNaN(days) ? "something else" : `days ${JSON.stringify(days)}`}`);
  }
  if (direction === "server-to-device") {
    throw new Error(`${where}: history keeps what devices send, and this channel is "server-to-device"; drop the history option or let devices send on it`);
  }
  return { days };
}
