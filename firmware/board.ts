import { builtInBoard, canUse, DEFAULT_BOARD, pinCapabilities, pinUseProblem, pinWriteProblem, type BoardDefinition } from "../core/boards";
import type { Manifest, PinDecl } from "../core/contracts/manifest";
import { sineModel, type PinModel } from "./pinModel";

/** The hardware abstraction the supervisor drives. A real board implements it with its HAL and
 * names its board definition (core/boards), which the compiler checked the app's pins against. */
export interface Board {
  /** The board definition's name; a device refuses an app built for another board. */
  readonly name: string;
  hasPin(kind: "analog" | "digital", name: string): boolean;
  analogRead(name: string): number;
  digitalRead(name: string): boolean;
  digitalWrite(name: string, value: boolean): void;
}

export interface DigitalWrite {
  pin: string;
  value: boolean;
  at: number;
}

/** Analog pins without a model follow a slow 20-30 sine, so fresh readings visibly change. */
export const defaultAnalogModel = (): PinModel => sineModel(20, 30, 60);

/** A board with exactly the pins of a board definition (core/boards): analog inputs follow models
 * (constant, sine, CSV, callback), digital pins remember what was written, so tests and
 * `run-device` can watch a feature work. A pin the definition lacks, or used the wrong way, is
 * refused with the text the compiler shows for the same mistake. */
export class SimulatedBoard implements Board {
  readonly writes: DigitalWrite[] = [];
  private readonly analog = new Map<string, PinModel>();
  private readonly digital = new Map<string, boolean>();
  private writeListeners: ((w: DigitalWrite) => void)[] = [];

  /** Analog inputs without a model in `models` get a slow 20-30 sine. */
  constructor(
    readonly definition: BoardDefinition,
    private readonly now: () => number,
    models: Record<string, PinModel> = {},
  ) {
    for (const [pin, capabilities] of Object.entries(definition.pins)) {
      if (canUse(capabilities, "analog")) this.analog.set(pin, defaultAnalogModel());
      if (canUse(capabilities, "digital")) this.digital.set(pin, false);
    }
    for (const [pin, model] of Object.entries(models)) this.setAnalogModel(pin, model);
  }

  /** The board a build was made for: the built-in board its manifest names. A board from a JSON
   * file is not known here; the simulation then has the pins the app declared (the compiler
   * checked them against that file). */
  static forManifest(manifest: Pick<Manifest, "board" | "pins">, now: () => number, models: Record<string, PinModel> = {}): SimulatedBoard {
    const name = manifest.board ?? DEFAULT_BOARD.name;
    return new SimulatedBoard(builtInBoard(name) ?? boardOfDeclaredPins(name, manifest.pins, models), now, models);
  }

  get name(): string {
    return this.definition.name;
  }

  setAnalogModel(name: string, model: PinModel): void {
    const problem = pinUseProblem(this.definition, name, "analog");
    if (problem) throw new Error(`pin model for ${name}: ${problem}`);
    this.analog.set(name, model);
  }

  /** The level a digital pin had before the app restarted in a new thread (the board outlives
   * its apps, firmware/isolation/): set without reporting a write. */
  restoreDigitalLevel(name: string, level: boolean): void {
    if (this.digital.has(name)) this.digital.set(name, level);
  }

  onDigitalWrite(listener: (w: DigitalWrite) => void): void {
    this.writeListeners.push(listener);
  }

  hasPin(kind: "analog" | "digital", name: string): boolean {
    const capabilities = pinCapabilities(this.definition, name);
    return capabilities !== undefined && canUse(capabilities, kind);
  }

  analogRead(name: string): number {
    const model = this.analog.get(name);
    if (!model) throw new Error(pinUseProblem(this.definition, name, "analog"));
    return model(this.now());
  }

  digitalRead(name: string): boolean {
    const value = this.digital.get(name);
    if (value === undefined) throw new Error(pinUseProblem(this.definition, name, "digital"));
    return value;
  }

  digitalWrite(name: string, value: boolean): void {
    if (!this.digital.has(name)) throw new Error(pinUseProblem(this.definition, name, "digital"));
    const inputOnly = pinWriteProblem(this.definition, name);
    if (inputOnly) throw new Error(inputOnly);
    this.digital.set(name, value);
    const w = { pin: name, value, at: this.now() };
    this.writes.push(w);
    for (const l of this.writeListeners) l(w);
  }
}

function boardOfDeclaredPins(name: string, pins: readonly PinDecl[], models: Record<string, PinModel>): BoardDefinition {
  const definition: BoardDefinition = { name, pins: {} };
  for (const pin of pins) definition.pins[pin.name] = pin.kind === "analog" ? ["analog-in"] : ["digital-in", "digital-out"];
  // Models name analog inputs of the real board the app doesn't use (yet).
  for (const pin of Object.keys(models)) definition.pins[pin] ??= ["analog-in"];
  return definition;
}
